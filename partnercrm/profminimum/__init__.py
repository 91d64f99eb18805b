"""Профминимум (DESIGN §8): career-guidance hours per student against the school's level."""
