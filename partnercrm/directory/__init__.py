"""Municipalities and organizations: the directory every other record points to."""
