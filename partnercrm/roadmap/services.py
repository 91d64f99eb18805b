"""Seeding the roadmap, shipped in the package as programme ``kgd-2020-2022``."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm import data
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import programme_by_code

ITEM_TEXTS = ("title", "responsible", "deadline", "expected_result")
INDICATOR_TEXTS = ("goal", "name", "unit")


def seed_roadmap() -> dict[str, int]:
    return insert_programme(data.roadmap_programme())


def insert_programme(document: dict) -> dict[str, int]:
    """Insert what is missing of a programme document (DESIGN §7) whose rules were checked:
    the programme by code, its sections, items and indicators by number. Never overwrites."""
    programme = programme_by_code(db.session, document["code"])
    added = {"programmes": 0}
    if programme is None:
        programme = Programme(
            code=document["code"],
            title=document["title"],
            valid_from=date.fromisoformat(document["valid_from"]),
            valid_to=date.fromisoformat(document["valid_to"]),
        )
        db.session.add(programme)
        db.session.flush()
        added["programmes"] = 1
    within = {"programme_id": programme.id}
    added["sections"] = data.insert_missing(
        PlanSection,
        "number",
        [within | {"number": s["number"], "title": s["title"]} for s in document["sections"]],
        **within,
    )
    section_ids = dict(
        db.session.execute(sa.select(PlanSection.number, PlanSection.id).filter_by(**within)).all()
    )
    added["plan items"] = data.insert_missing(
        PlanItem,
        "number",
        [
            within
            | {
                "number": item["number"],
                "section_id": section_ids[item["section"]],
                "activity_kinds": item.get("activity_kinds"),
                "continues": item.get("continues"),
            }
            | {key: item[key] for key in ITEM_TEXTS}
            for item in document["items"]
        ],
        **within,
    )
    added["indicators"] = data.insert_missing(
        Indicator,
        "number",
        [
            within | {key: indicator[key] for key in ("number", *INDICATOR_TEXTS, "rule")}
            for indicator in document["indicators"]
        ],
        **within,
    )
    return added
