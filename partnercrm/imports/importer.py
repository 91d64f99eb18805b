"""What every importer stands on (the built-in ones and those of other packages): the
:class:`Importer` base class, the :class:`ImportResult` it fills, and the bulk lookups and
helpers the importers share.

An importer checks rows against the database (``check``), planning what to write, then writes
the plan (``apply``); it flushes, never commits. Lookups are loaded in bulk (a few queries per
:data:`CHUNK` keys), never one query per row. Messages are Russian.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from partnercrm.access.imports import can_import_for
from partnercrm.accounts.models import User
from partnercrm.activities.models import Activity, ParentMeeting
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.columns import Parsed, Row, RowError

CHUNK = 500
FLUSH_EVERY = 2000
OUT_OF_SCOPE = "вне вашей области доступа"


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        return f"{self.kind}: " + ", ".join(parts)


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def organizations_by_code(codes: Iterable[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in chunks(set(codes)):
        for organization in db.session.scalars(
            sa.select(Organization).where(Organization.code.in_(chunk))
        ):
            found[organization.code] = organization
    return found


def activities_by_ref(refs: Iterable[str], *, full: bool = False) -> dict[str, Activity]:
    """Activities by ref with what the access checks read — visiting schools, host, organizer,
    parent meeting presenters — (and, ``full``, plan items and camp shift details)."""
    options = [
        selectinload(Activity.schools),
        selectinload(Activity.organizer),
        selectinload(Activity.host),
        selectinload(Activity.parent_meeting).selectinload(ParentMeeting.presenters),
    ]
    if full:
        options += [selectinload(Activity.plan_items), selectinload(Activity.camp_shift)]
    found: dict[str, Activity] = {}
    for chunk in chunks(set(refs)):
        for activity in db.session.scalars(
            sa.select(Activity).where(Activity.ref.in_(chunk)).options(*options)
        ):
            assert activity.ref is not None, "selected by ref"
            found[activity.ref] = activity
    return found


def quoted(value) -> str:
    """A value in a message, in Russian quotes."""
    return f"«{value}»"


def changes(obj, values: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` that differ from ``obj``'s: an upsert assigns only these, so re-importing a
    file changes nothing and leaves no audit entries."""
    return {key: value for key, value in values.items() if getattr(obj, key) != value}


def assign(obj, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


class Importer:
    """Check rows against the database (``check``), then write them (``apply``)."""

    def __init__(self, parsed: Parsed, user: User | None, result: ImportResult):
        self.parsed, self.user, self.result = parsed, user, result
        self.plan: list[tuple[Row, Any]] = []

    def allowed(self, predicate: Callable[..., bool], *args) -> bool:
        """``predicate(user, *args)`` of ``partnercrm.access``; the command line may do all."""
        return self.user is None or predicate(self.user, *args)

    def error(self, row: Row, column: str, message: str) -> None:
        self.parsed.errors.append(RowError(row.number, self.parsed.label(column), message))

    def check(self) -> None:
        raise NotImplementedError

    def apply(self, dry_run: bool, progress: Callable[[int], None]) -> None:
        """Write the plan; a dry run only counts (it never touches the session)."""
        for done, (row, target) in enumerate(self.plan, start=1):
            self.write(row, target, dry_run)
            if not dry_run and done % FLUSH_EVERY == 0:
                db.session.flush()
            progress(done)
        if not dry_run:
            db.session.flush()

    def write(self, row: Row, target, dry_run: bool) -> None:
        raise NotImplementedError

    def count_change(self, changed: bool) -> None:
        if changed:
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    # Shared checks of an organization named by a code column.

    def organization(
        self, row: Row, column: str, found: dict[str, Organization], *, school: bool = False
    ) -> Organization | None:
        code = row.values.get(column)
        if code is None:
            return None
        organization = found.get(code)
        if organization is None:
            self.error(row, column, f"нет организации с кодом {quoted(code)}")
            return None
        if school and organization.kind is not OrganizationKind.SCHOOL:
            self.error(row, column, f"организация {quoted(code)} — не школа")
            return None
        return organization

    def school_in_scope(self, row: Row, column: str, school: Organization) -> bool:
        if self.allowed(can_import_for, school):
            return True
        self.error(row, column, f"школа {quoted(school.code)} {OUT_OF_SCOPE}")
        return False
