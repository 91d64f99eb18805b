"""Imports of organizations, students, activities, participants and headcounts (DESIGN §4.3)."""
