"""``partnercrm hours``: the профминимум report of DESIGN §8 on the command line."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.commands import command_session
from partnercrm.directory.models import Municipality
from partnercrm.profminimum.export import FORMATS, render_report
from partnercrm.profminimum.queries import (
    REGION,
    By,
    Scope,
    disagreements,
    summaries,
    total,
)
from partnercrm.profminimum.rules import parse_school_year, school_year_label, school_year_period

# The differences --verify prints (then how many more).
SHOWN = 20


def _school_year(ctx, param, value: str) -> int:
    first_year = parse_school_year(value)
    if first_year is None:
        raise click.BadParameter("write it as 2025 or 2025/26")
    return first_year


@click.command("hours")
@click.option(
    "--school-year",
    "first_year",
    required=True,
    callback=_school_year,
    help="School year: 2025 or 2025/26 (1 September 2025 – 31 August 2026).",
)
@click.option("--municipality", help="Municipality name as in municipalities.json.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write.")
@click.option(
    "--verify",
    is_flag=True,
    help="Recount from the rows and compare with the counters instead; exit 1 if they differ.",
)
def hours_command(
    first_year: int, municipality: str | None, fmt: str, output: str | None, verify: bool
) -> None:
    """Профминимум hours of the school year: students of grades 6–11, those who reached their
    school's target, and the bands of hours, for the region (or one municipality) and by
    municipality."""
    session = command_session()
    scope = REGION
    if municipality:
        municipality_id = session.scalar(
            sa.select(Municipality.id).where(Municipality.name == municipality)
        )
        if municipality_id is None:
            raise click.UsageError(f"no municipality named {municipality!r}")
        scope = Scope(municipality_id=municipality_id)
    if verify:
        _verify(session, first_year, scope)
        return
    if not output and fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE")
    parts = summaries(session, first_year, scope, By.MUNICIPALITY)
    content = render_report(
        fmt, first_year, school_year_period(first_year), municipality, total(parts), parts
    )
    # "-" is standard output, in binary.
    with click.open_file(output or "-", "wb") as f:
        f.write(content)
    if output:
        click.echo(f"hours: written to {output}", err=True)


def _verify(session: Session, first_year: int, scope: Scope) -> None:
    """Print where the counters differ from the rows (at most ``SHOWN`` lines); exit 1 if
    they do."""
    found = disagreements(session, first_year, scope)
    label = school_year_label(first_year)
    if not found:
        click.echo(f"hours: the counters agree with the rows ({label})")
        return
    for line in found[:SHOWN]:
        click.echo(line)
    if len(found) > SHOWN:
        click.echo(f"… and {len(found) - SHOWN} more")
    click.echo(f"hours: {len(found)} differences between the counters and the rows ({label})")
    raise SystemExit(1)
