"""The student rosters of schools (personal data of minors: names only for the own school)."""
