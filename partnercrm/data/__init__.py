"""Data files shipped with the package: the roadmap (plan.json) and the municipalities,
copied verbatim from the ministry's documents."""

from __future__ import annotations

import json
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
