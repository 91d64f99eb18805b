"""``partnercrm import KIND FILE [--dry-run]`` (DESIGN §4.2, §4.3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from partnercrm.imports.readers import FileProblem, TooManyRows, read_table
from partnercrm.imports.registry import import_engine
from partnercrm.imports.services import ImportRefused, ImportResult, import_table
from partnercrm.web.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

# Smaller files finish before a progress bar would tell anything.
PROGRESS_MIN_ROWS = 1000
LARGE_FILE_BYTES = 1024 * 1024
PHASE_LABELS = {"check": "checking rows", "write": "writing"}


class ProgressBars:
    """One click progress bar per phase, on standard error."""

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None
        self.phase: str | None = None
        self.done = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_ROWS:
            return
        if phase != self.phase:
            self.close()
            self.bar = click.progressbar(
                length=total,
                label=PHASE_LABELS.get(phase, phase),
                file=sys.stderr,
            )
            self.bar.__enter__()
            self.phase, self.done = phase, 0
        assert self.bar is not None, "a bar is open for the current phase"
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import")
@click.argument("kind")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--dry-run", is_flag=True, help="Check the file and report what would change; write nothing."
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse a file of more data rows [default: IMPORT_CLI_MAX_ROWS, 1,000,000].",
)
@with_appcontext
def import_command(kind: str, path: Path, dry_run: bool, max_rows: int | None) -> None:
    """Import organizations, students, activities, participants, headcounts or agreements from
    a CSV or XLSX file. The whole file is imported, or nothing: every bad row is reported as
    'row N: column: message'."""
    kinds = import_engine().names()
    if kind not in kinds:
        raise click.BadParameter(
            f"{kind!r} is not one of {', '.join(map(repr, kinds))}.", param_hint="'KIND'"
        )
    data = path.read_bytes()
    if len(data) > LARGE_FILE_BYTES:
        click.echo(f"reading {path} ({len(data) // 1024 // 1024} MB)…", err=True)
    if max_rows is None:
        max_rows = current_app.config["IMPORT_CLI_MAX_ROWS"]
    try:
        table = read_table(data, max_rows=max_rows)
    except TooManyRows as problem:
        raise click.ClickException(
            f"{path}: {problem} A larger limit: --max-rows N (now {max_rows})."
        ) from problem
    except FileProblem as problem:
        raise click.ClickException(f"{path}: {problem}") from problem
    progress = ProgressBars()
    try:
        # One unit of work: a file with errors (ImportRefused) or a database error rolls it
        # back, so the whole file is kept or nothing; a dry run writes nothing.
        with unit_of_work():
            result = import_table(kind, table, dry_run=dry_run, progress=progress)
    except ImportRefused as refused:
        result = refused.result
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"the database refused the import, nothing was imported: {error.__class__.__name__}"
        ) from error
    finally:
        progress.close()
    report(result)


def report(result: ImportResult) -> None:
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"{len(result.errors)} error(s) in {result.bad_rows} row(s) of {result.rows}; "
            "nothing was imported."
        )
    line = result.summary()
    if result.dry_run:
        line += " (dry run: nothing was written)"
    click.echo(line)
