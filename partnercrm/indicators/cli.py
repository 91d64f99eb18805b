"""``partnercrm indicators``: the indicator export of DESIGN §4.4 on the command line."""

from __future__ import annotations

import sys
from datetime import date

import click
import sqlalchemy as sa

from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.indicators.export import FORMATS, render
from partnercrm.indicators.queries import REGION, Scope, compute
from partnercrm.localtime import Period, PeriodError


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD") from error


@click.command("indicators")
@click.option("--year", type=int, help="Calendar year: 1 January to 31 December.")
@click.option("--from", "start", callback=_date, help="First day, YYYY-MM-DD (with --to).")
@click.option("--to", "end", callback=_date, help="Last day, YYYY-MM-DD (inclusive).")
@click.option("--municipality", help="Municipality name as in municipalities.json.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write.")
def indicators_command(year, start, end, municipality, fmt, output) -> None:
    """Compute indicators 1–7 for a year or a period, for the region or one municipality."""
    if (year is None) == (start is None and end is None) or (year is None and None in (start, end)):
        raise click.UsageError("give either --year, or both --from and --to")
    try:
        period = Period.year(year) if year is not None else Period(start, end)
    except PeriodError as error:
        raise click.UsageError(str(error)) from error
    scope = REGION
    if municipality:
        municipality_id = db.session.scalar(
            sa.select(Municipality.id).where(Municipality.name == municipality)
        )
        if municipality_id is None:
            raise click.UsageError(f"no municipality named {municipality!r}")
        scope = Scope(municipality_id=municipality_id)
    content = render(compute(db.session, period, scope), period, municipality, fmt)
    if output:
        with open(output, "wb") as f:
            f.write(content)
        click.echo(f"indicators: written to {output}", err=True)
    elif fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
