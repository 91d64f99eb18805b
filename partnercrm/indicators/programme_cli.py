"""``partnercrm programme list|export|import``: the programmes of DESIGN §7 on the command
line."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from partnercrm.extensions import db
from partnercrm.indicators.cli import programme_named, write_output
from partnercrm.indicators.programme_import import import_programme, preview, read_file
from partnercrm.indicators.programme_sheets import to_workbook
from partnercrm.indicators.programmes import (
    ProgrammeError,
    programme_document,
    programme_sizes,
    to_json,
)
from partnercrm.localtime import local_today
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import choose_programme
from partnercrm.web.unit_of_work import unit_of_work

programme_cli = AppGroup("programme", help="The programmes: the plans in force (DESIGN §7).")


@programme_cli.command("list")
def programme_list_command() -> None:
    """Each programme: code, period, how many sections, items and indicators, title; the one
    reports count by today is marked with *."""
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.valid_from)).all()
    current = choose_programme(programmes, local_today())
    counts = programme_sizes(db.session)
    for programme in programmes:
        mark = "*" if programme is current else " "
        sizes = ", ".join(f"{by_id.get(programme.id, 0)} {part}" for part, by_id in counts.items())
        click.echo(
            f"{mark} {programme.code}  {programme.valid_from} … {programme.valid_to}  {sizes}"
            f"  {programme.title}"
        )


@programme_cli.command("export")
@click.argument("code")
@click.option(
    "--format", "fmt", type=click.Choice(("json", "xlsx")), default="json", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write.")
def programme_export_command(code, fmt, output) -> None:
    """Write programme CODE as JSON or XLSX (DESIGN §7), the formats `programme import` reads."""
    programme = programme_named(db.session(), code)
    if not output and fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE")
    document = programme_document(db.session, programme)
    write_output(to_json(document) if fmt == "json" else to_workbook(document), output, "programme")


@programme_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
def programme_import_command(path, dry_run) -> None:
    """Add or update a programme from a JSON or XLSX file (DESIGN §7), all or nothing: every
    problem is reported with its place and nothing changes."""
    with open(path, "rb") as f:
        content = f.read()
    try:
        document = read_file(content)
        # One unit of work: a refusal rolls all of it back; a dry run keeps nothing.
        with unit_of_work():
            changes = (preview if dry_run else import_programme)(document)
    except ProgrammeError as refused:
        for problem in refused.problems:
            click.echo(f"{path}: {problem}", err=True)
        raise click.ClickException(
            f"{len(refused.problems)} problem(s); nothing was imported"
        ) from refused
    click.echo(changes.summary() + (" (dry run: nothing was written)" if dry_run else ""))
