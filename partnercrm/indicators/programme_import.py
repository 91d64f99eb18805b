"""``partnercrm programme import``: a checked programme document (``programmes.read_document``)
written into the database (DESIGN §7). Writes and flushes, never commits: the caller's unit of
work keeps all of it or nothing.

A new code adds the programme; a known one is updated: its title and period, its sections,
items and indicators by number (texts, kinds, continuations, rules), those missing from the
file removed — unless activities are linked to an item or the ministry entered values for an
indicator, which refuses the whole file. Unchanged rows are not written (no audit entries).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from partnercrm.activities.models import activity_plan_item
from partnercrm.extensions import db
from partnercrm.indicators.models import IndicatorValue
from partnercrm.indicators.programmes import INDICATOR_TEXTS, ITEM_TEXTS, ProgrammeError
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme

PARTS = ("sections", "items", "indicators")
WHAT = ("added", "updated", "removed", "unchanged")


@dataclass
class Changes:
    """What an import changed (or, in a dry run, would change)."""

    code: str
    programme: str = "unchanged"  # "added", "updated" or "unchanged"
    counts: dict[str, Counter] = field(default_factory=lambda: {part: Counter() for part in PARTS})

    def summary(self) -> str:
        parts = [
            f"{part}: " + ", ".join(f"{counts[what]} {what}" for what in WHAT)
            for part, counts in self.counts.items()
        ]
        return f"programme {self.code} {self.programme}; " + "; ".join(parts)


def import_programme(document: dict) -> Changes:
    changes = Changes(document["code"])
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == document["code"]))
    head = {key: document[key] for key in ("title", "valid_from", "valid_to")}
    if programme is None:
        programme = Programme(code=document["code"], **head)
        db.session.add(programme)
        db.session.flush()
        changes.programme = "added"
    elif _update(programme, head):
        changes.programme = "updated"

    section_values = {s["number"]: {"title": s["title"]} for s in document["sections"]}
    sections = _merge(changes.counts["sections"], programme, PlanSection, section_values)
    items = {
        item["number"]: {
            "section_id": sections[item["section"]].id,
            "activity_kinds": item["activity_kinds"],
            "continues": item["continues"],
        }
        | {key: item[key] for key in ITEM_TEXTS}
        for item in document["items"]
    }
    indicators = {
        indicator["number"]: {key: indicator[key] for key in (*INDICATOR_TEXTS, "rule")}
        for indicator in document["indicators"]
    }
    problems = _still_used(
        programme,
        items,
        PlanItem,
        _linked_items,
        "items",
        "item {number} has {count} linked activities",
    ) + _still_used(
        programme,
        indicators,
        Indicator,
        _valued_indicators,
        "indicators",
        "indicator {number} has values entered for {count} year(s)",
    )
    if problems:
        raise ProgrammeError(problems)
    _merge(changes.counts["items"], programme, PlanItem, items)
    _merge(changes.counts["indicators"], programme, Indicator, indicators)
    # Sections last: the items that stay have moved out of those that go.
    _remove_missing(changes.counts["sections"], programme, PlanSection, sections)
    return changes


def _update(row, values: dict) -> bool:
    """Set the values that differ; whether any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _existing(programme: Programme, model) -> dict[int, Any]:
    return {
        row.number: row
        for row in db.session.scalars(sa.select(model).where(model.programme_id == programme.id))
    }


def _merge(counts: Counter, programme: Programme, model, wanted: dict[int, dict]) -> dict:
    """Add or update the rows of ``wanted`` (number → values) and remove the others, except
    sections (removed last). Returns the rows by number."""
    existing = _existing(programme, model)
    rows = {}
    for number, values in wanted.items():
        row = existing.get(number)
        if row is None:
            row = model(programme_id=programme.id, number=number, **values)
            db.session.add(row)
            counts["added"] += 1
        else:
            counts["updated" if _update(row, values) else "unchanged"] += 1
        rows[number] = row
    db.session.flush()
    if model is not PlanSection:
        _remove_missing(counts, programme, model, rows)
    return rows


def _remove_missing(counts: Counter, programme: Programme, model, kept: dict) -> None:
    for number, row in _existing(programme, model).items():
        if number not in kept:
            db.session.delete(row)
            counts["removed"] += 1
    db.session.flush()


def _linked_items(ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            sa.select(activity_plan_item.c.plan_item_id, sa.func.count())
            .where(activity_plan_item.c.plan_item_id.in_(ids))
            .group_by(activity_plan_item.c.plan_item_id)
        ).all()
    )


def _valued_indicators(ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            sa.select(IndicatorValue.indicator_id, sa.func.count())
            .where(IndicatorValue.indicator_id.in_(ids))
            .group_by(IndicatorValue.indicator_id)
        ).all()
    )


def _still_used(programme, wanted: dict, model, records, part: str, message: str) -> list[str]:
    """The rows the file leaves out that records point at, as problems."""
    missing = {
        row.id: number
        for number, row in _existing(programme, model).items()
        if number not in wanted
    }
    used = records(list(missing))
    return [
        f"{part}: "
        + message.format(number=missing[row_id], count=count)
        + "; it is not in the file and cannot be removed"
        for row_id, count in sorted(used.items(), key=lambda pair: missing[pair[0]])
    ]
