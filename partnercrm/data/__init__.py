"""Data files shipped with the package: the roadmap (plan.json) and the municipalities,
copied verbatim from the ministry's documents, and the school holidays of the coming years."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import sqlalchemy as sa

from partnercrm.extensions import db


def load(name: str) -> dict:
    return json.loads(resources.files(__name__).joinpath(name).read_text("utf-8"))


def insert_missing(model, key: str, rows: list[dict]) -> int:
    """Insert the rows whose ``key`` is not there yet; never overwrites an admin's edit."""
    existing = set(db.session.scalars(sa.select(getattr(model, key))))
    missing = [row for row in rows if row[key] not in existing]
    db.session.add_all(model(**row) for row in missing)
    db.session.flush()
    return len(missing)


def school_holidays(school_year: str) -> list[dict] | None:
    """The holidays of ``school_year`` ("2026/2027") in school_holidays.json as SchoolHoliday
    rows, or None when the file does not have that year."""
    periods = load("school_holidays.json")["school_years"].get(school_year)
    if periods is None:
        return None
    return [
        {
            "school_year": school_year,
            "name": period["name"],
            "first_day": date.fromisoformat(period["first_day"]),
            "last_day": date.fromisoformat(period["last_day"]),
        }
        for period in periods
    ]
