"""Importing a programme (DESIGN §7): ``partnercrm programme import`` and the administrator's
upload page share it. :func:`read_file` checks a JSON or XLSX file; :func:`import_programme`
writes the checked document into the database and :func:`preview` says what it would change
and keeps nothing. Writes and flushes, never commits: the caller's unit of work keeps all of it
or nothing.

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
from partnercrm.database import savepoint
from partnercrm.errors import N_
from partnercrm.extensions import db
from partnercrm.imports.readers import ZIP_MAGIC
from partnercrm.indicators.models import IndicatorValue
from partnercrm.indicators.programme_sheets import read_workbook
from partnercrm.indicators.programmes import (
    INDICATOR_TEXTS,
    ITEM_TEXTS,
    ProgrammeError,
    read_document,
)
from partnercrm.indicators.rules import Place, Problem
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import programme_by_code

PARTS = ("sections", "items", "indicators")
WHAT = ("added", "updated", "removed", "unchanged")


@dataclass
class Changes:
    """What an import changed (or, in a dry run, would change): for each part, the numbers of
    the file's rows by what happened to them, and the removed rows' numbers and titles."""

    code: str
    programme: str = "unchanged"  # "added", "updated" or "unchanged"
    counts: dict[str, Counter] = field(default_factory=lambda: {part: Counter() for part in PARTS})
    rows: dict[str, dict[int, str]] = field(default_factory=lambda: {part: {} for part in PARTS})
    removed: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: {part: [] for part in PARTS}
    )

    def note(self, part: str, number: int, what: str, title: str = "") -> None:
        self.counts[part][what] += 1
        if what == "removed":
            self.removed[part].append((number, title))
        else:
            self.rows[part][number] = what

    @property
    def changed(self) -> bool:
        return self.programme != "unchanged" or any(
            counts[what]
            for counts in self.counts.values()
            for what in ("added", "updated", "removed")
        )

    def summary(self) -> str:
        parts = [
            f"{part}: " + ", ".join(f"{counts[what]} {what}" for what in WHAT)
            for part, counts in self.counts.items()
        ]
        return f"programme {self.code} {self.programme}; " + "; ".join(parts)


def read_file(content: bytes) -> dict:
    """The checked programme of a JSON or XLSX file, told apart by content; or
    :class:`ProgrammeError` with every problem at its place."""
    return read_workbook(content) if content.startswith(ZIP_MAGIC) else read_document(content)


def preview(document: dict) -> Changes:
    """What :func:`import_programme` would change, with nothing kept: the import runs in a
    savepoint that is rolled back (a refusal raises as the import does)."""
    with savepoint(db.session) as transaction:
        changes = import_programme(document)
        transaction.rollback()
    return changes


def import_programme(document: dict) -> Changes:
    changes = Changes(document["code"])
    programme = programme_by_code(db.session, document["code"])
    head = {key: document[key] for key in ("title", "valid_from", "valid_to")}
    if programme is None:
        programme = Programme(code=document["code"], **head)
        db.session.add(programme)
        db.session.flush()
        changes.programme = "added"
    elif _update(programme, head):
        changes.programme = "updated"

    section_values = {s["number"]: {"title": s["title"]} for s in document["sections"]}
    sections = _merge(changes, "sections", programme, PlanSection, section_values)
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
        N_(
            "item %(number)d has %(count)d linked activities; it is not in the file and cannot be "
            "removed"
        ),
    ) + _still_used(
        programme,
        indicators,
        Indicator,
        _valued_indicators,
        "indicators",
        N_(
            "indicator %(number)d has values entered for %(count)d year(s); it is not in the file "
            "and cannot be removed"
        ),
    )
    if problems:
        raise ProgrammeError(problems)
    _merge(changes, "items", programme, PlanItem, items)
    _merge(changes, "indicators", programme, Indicator, indicators)
    # Sections last: the items that stay have moved out of those that go.
    _remove_missing(changes, "sections", programme, PlanSection, sections)
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


def _merge(changes: Changes, part: str, programme: Programme, model, wanted: dict) -> dict:
    """Add or update the rows of ``wanted`` (number → values) and remove the others, except
    sections (removed last). Returns the rows by number."""
    existing = _existing(programme, model)
    rows = {}
    for number, values in wanted.items():
        row = existing.get(number)
        if row is None:
            row = model(programme_id=programme.id, number=number, **values)
            db.session.add(row)
            changes.note(part, number, "added")
        else:
            changes.note(part, number, "updated" if _update(row, values) else "unchanged")
        rows[number] = row
    db.session.flush()
    if model is not PlanSection:
        _remove_missing(changes, part, programme, model, rows)
    return rows


def _remove_missing(changes: Changes, part: str, programme: Programme, model, kept: dict) -> None:
    for number, row in _existing(programme, model).items():
        if number not in kept:
            changes.note(part, number, "removed", row.name if model is Indicator else row.title)
            db.session.delete(row)
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


def _still_used(programme, wanted: dict, model, records, part: str, message: str) -> list:
    """The rows the file leaves out that records point at, as problems."""
    missing = {
        row.id: number
        for number, row in _existing(programme, model).items()
        if number not in wanted
    }
    used = records(list(missing))
    return [
        Problem(Place(part), message, {"number": missing[row_id], "count": count})
        for row_id, count in sorted(used.items(), key=lambda pair: missing[pair[0]])
    ]
