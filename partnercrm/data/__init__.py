"""Data files shipped with the package: the roadmap (plan.json) and the municipalities,
copied verbatim from the ministry's documents, what makes the roadmap a programme
(kgd-2020-2022.json: code, period, item kinds, indicator rules), and the school holidays of
the coming years."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import sqlalchemy as sa

from partnercrm.extensions import db


def load(name: str) -> dict:
    return json.loads(resources.files(__name__).joinpath(name).read_text("utf-8"))


def roadmap_programme() -> dict:
    """The 2020–2022 roadmap as a programme document (DESIGN §7): plan.json's texts, verbatim,
    with the code, period, item kinds and indicator rules of kgd-2020-2022.json."""
    extra = load("kgd-2020-2022.json")
    plan = load(extra["plan"])
    return {
        "code": extra["code"],
        "title": plan["title"],
        "valid_from": extra["valid_from"],
        "valid_to": extra["valid_to"],
        "sections": plan["sections"],
        "items": [item | extra["items"].get(str(item["number"]), {}) for item in plan["items"]],
        "indicators": [
            indicator | extra["indicators"][str(indicator["number"])]
            for indicator in plan["indicators"]
        ],
    }


def insert_missing(model, key: str, rows: list[dict], **within) -> int:
    """Insert the rows whose ``key`` is not there yet (among the rows whose columns have the
    values ``within`` gives); never overwrites an admin's edit."""
    existing = set(db.session.scalars(sa.select(getattr(model, key)).filter_by(**within)))
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
