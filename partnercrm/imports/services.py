"""Importing a file of one kind (DESIGN §4.3): the same on the command line and the Import page.

:func:`run_import` checks the whole file first — cells (``columns.py``), then codes, refs and the
user's scope against the database (each kind's importer) — and writes only when no row has an
error. Lookups are loaded in bulk, never one query per row, so a 100,000-row file of
participants takes a handful of queries before the inserts. Importers flush; the caller's unit
of work commits. :func:`import_table` is what a caller inside a unit of work uses: a file with
errors raises :class:`ImportRefused`, so the unit of work keeps nothing of it.

Who may import what is decided by ``partnercrm.access`` with the importing user, as in the
interface; the command line has no user and the whole region in scope.

Upserts assign only values that differ from the stored ones, so re-importing a file changes
nothing and leaves no audit entries. Nothing is ever deleted by an import, except a headcount
row set to a count of 0 (as in the interface). A visiting school named by a row is added to the
activity; visiting schools are never removed by an import.

The kinds are registered per app (``registry.py``): :func:`register` adds the built-in ones;
other packages add theirs with :meth:`~partnercrm.imports.registry.ImportEngine.register_kind`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from partnercrm.access.imports import can_import
from partnercrm.accounts.models import User
from partnercrm.errors import N_, UserError
from partnercrm.imports import columns
from partnercrm.imports.activities import ActivityImporter
from partnercrm.imports.columns import parse_rows
from partnercrm.imports.importer import ImportResult
from partnercrm.imports.labels import KIND_LABELS
from partnercrm.imports.organizations import OrganizationImporter
from partnercrm.imports.participation import HeadcountImporter, ParticipantImporter
from partnercrm.imports.readers import Table
from partnercrm.imports.registry import create_engine, import_engine
from partnercrm.imports.students import StudentImporter

PROGRESS_EVERY = 1000

# (phase, done, total): phase is "check" or "write".
Progress = Callable[[str, int, int], None]

NOTHING_IMPORTED = N_(
    "Nothing was imported. Errors: %(errors)d in %(rows)d of %(total)d rows. Correct the file "
    "and upload it again."
)


class ImportRefused(UserError):
    """A file with errors: nothing of it is kept. ``result`` lists every error."""

    def __init__(
        self, message: str, field: str | None = None, *, result: ImportResult, **params: object
    ) -> None:
        super().__init__(message, field, **params)
        self.result = result


def register(app: Flask) -> None:
    """Give ``app`` its import engine with the built-in kinds (school staff import every kind
    but organizations)."""
    engine = create_engine(app)
    importers = (
        (columns.ORGANIZATIONS, OrganizationImporter, False),
        (columns.STUDENTS, StudentImporter, True),
        (columns.ACTIVITIES, ActivityImporter, True),
        (columns.PARTICIPANTS, ParticipantImporter, True),
        (columns.HEADCOUNTS, HeadcountImporter, True),
    )
    for spec, importer, schools in importers:
        engine.register_kind(importer, spec, KIND_LABELS[spec.name], schools_may_import=schools)


def kinds_for(user: User) -> list[str]:
    """The import kinds a user may use."""
    return [name for name in import_engine().names() if can_import(user, name)]


def run_import(
    kind: str,
    table: Table,
    *,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of ``table``; if all are good, write them (unless ``dry_run``).

    ``user`` is the importing user (the web page), whose access decides what rows may touch;
    None (the command line) is the whole region.

    With errors, ``result.errors`` lists them in row order; nothing was written unless a row
    was refused while writing (a late refusal), so the caller must not keep a result with errors
    (:func:`import_table` sees to it). A dry run writes nothing.
    """
    registered = import_engine().kind(kind)
    total = len(table.rows)
    report = _reporter(progress, total)
    parsed = parse_rows(registered.spec, table, lambda done: report("check", done))
    report("check", total, force=True)
    result = ImportResult(kind=kind, dry_run=dry_run, rows=total)
    if not any(error.row == table.header_row for error in parsed.errors):
        importer = registered.importer(parsed, user, result)
        importer.check()
        if not parsed.errors:
            importer.apply(dry_run, lambda done: report("write", done))
            report("write", total, force=True)
    result.errors = sorted(parsed.errors, key=lambda error: error.row)
    return result


def import_table(
    kind: str,
    table: Table,
    *,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """:func:`run_import` inside a unit of work: the whole file or nothing. A file with errors
    raises :class:`ImportRefused` (with the result), which rolls the unit of work back."""
    result = run_import(kind, table, user=user, dry_run=dry_run, progress=progress)
    if result.errors:
        raise ImportRefused(
            NOTHING_IMPORTED,
            "file",
            result=result,
            errors=len(result.errors),
            rows=result.bad_rows,
            total=result.rows,
        )
    return result


def _reporter(progress: Progress | None, total: int):
    def report(phase: str, done: int, force: bool = False) -> None:
        if progress is not None and (force or done % PROGRESS_EVERY == 0):
            progress(phase, done, total)

    return report
