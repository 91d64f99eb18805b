"""Seeding the roadmap from plan.json, shipped in the package."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm import data
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection


def seed_roadmap() -> dict[str, int]:
    plan = data.load("plan.json")
    added = {
        "sections": data.insert_missing(
            PlanSection,
            "number",
            [{"number": s["number"], "title": s["title"]} for s in plan["sections"]],
        )
    }
    section_ids = dict(db.session.execute(sa.select(PlanSection.number, PlanSection.id)).all())
    added["plan items"] = data.insert_missing(
        PlanItem,
        "number",
        [
            {
                "number": item["number"],
                "section_id": section_ids[item["section"]],
                "title": item["title"],
                "responsible": item["responsible"],
                "deadline": item["deadline"],
                "expected_result": item["expected_result"],
            }
            for item in plan["items"]
        ],
    )
    added["indicators"] = data.insert_missing(
        Indicator,
        "number",
        [{k: ind[k] for k in ("number", "goal", "name", "unit")} for ind in plan["indicators"]],
    )
    return added
