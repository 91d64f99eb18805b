"""The roadmap's indicators: computed by distinct student from activities (2, 3, 4, 6), from
municipal plans (1), or entered by the ministry (5, 7)."""
