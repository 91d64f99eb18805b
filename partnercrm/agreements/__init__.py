"""Cooperation agreements (plan item 4): parties, derived status, documents, reminders."""
