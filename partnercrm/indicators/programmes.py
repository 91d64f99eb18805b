"""A programme as a document (DESIGN §7): the JSON that ``partnercrm programme export`` writes
— the shape of the ministry's ``plan.json`` with the programme's code and period, the items'
``activity_kinds`` and ``continues`` where given, and every indicator's rule. No Flask import."""

from __future__ import annotations

import json

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.indicators.rules import parse_rule
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme

ITEM_TEXTS = ("title", "responsible", "deadline", "expected_result")
INDICATOR_TEXTS = ("goal", "name", "unit")


def programme_document(session: SessionLike, programme: Programme) -> dict:
    """The programme as DESIGN §7 describes it; three queries."""
    sections = session.scalars(
        sa.select(PlanSection)
        .where(PlanSection.programme_id == programme.id)
        .order_by(PlanSection.number)
    ).all()
    section_numbers = {section.id: section.number for section in sections}
    items = session.scalars(
        sa.select(PlanItem).where(PlanItem.programme_id == programme.id).order_by(PlanItem.number)
    ).all()
    indicators = session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == programme.id)
        .order_by(Indicator.number)
    ).all()
    return {
        "code": programme.code,
        "title": programme.title,
        "valid_from": programme.valid_from.isoformat(),
        "valid_to": programme.valid_to.isoformat(),
        "sections": [{"number": s.number, "title": s.title} for s in sections],
        "items": [_item(item, section_numbers[item.section_id]) for item in items],
        "indicators": [
            {"number": indicator.number}
            | {key: getattr(indicator, key) for key in INDICATOR_TEXTS}
            | {"rule": parse_rule(indicator.rule, f"indicator {indicator.number}").as_dict()}
            for indicator in indicators
        ],
    }


def _item(item: PlanItem, section: int) -> dict:
    data: dict[str, object] = {"number": item.number, "section": section}
    data |= {key: getattr(item, key) for key in ITEM_TEXTS}
    if item.activity_kinds is not None:
        data["activity_kinds"] = item.activity_kinds
    if item.continues is not None:
        data["continues"] = item.continues
    return data


def to_json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
