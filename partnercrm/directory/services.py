"""Writes about municipalities and organizations. Services flush; the caller commits."""

from __future__ import annotations

from partnercrm import data
from partnercrm.directory.models import Municipality


def seed_municipalities() -> int:
    rows = data.load("municipalities.json")["municipalities"]
    return data.insert_missing(
        Municipality, "name", [{k: row[k] for k in ("name", "full_name", "kind")} for row in rows]
    )
