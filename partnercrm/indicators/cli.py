"""``partnercrm indicators``: the indicator export of DESIGN §4.4 on the command line. The
console script runs it without Flask (``console.REPORT_COMMANDS``), importing this module alone:
the programme commands are in :mod:`partnercrm.indicators.programme_cli`."""

from __future__ import annotations

import sys
from datetime import date

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.commands import command_session
from partnercrm.directory.models import Municipality
from partnercrm.indicators import counters
from partnercrm.indicators.export import FORMATS, render
from partnercrm.indicators.queries import REGION, IndicatorResult, Part, Scope, compute
from partnercrm.localtime import Period, PeriodError
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import programme_by_code, programme_for


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
@click.option(
    "--programme",
    "code",
    help="Programme code; default: the one in force on the period's last day, else the latest "
    "that started before it.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write.")
@click.option(
    "--verify",
    is_flag=True,
    help="Count again from the raw rows and compare with the counters; exit 1 on a difference.",
)
def indicators_command(year, start, end, municipality, code, fmt, output, verify) -> None:
    """Compute the indicators of a programme (the roadmap's 1–7 by default) for a year or a
    period, for the region or one municipality, each by its rule."""
    if (year is None) == (start is None and end is None) or (year is None and None in (start, end)):
        raise click.UsageError("give either --year, or both --from and --to")
    try:
        period = Period.year(year) if year is not None else Period(start, end)
    except PeriodError as error:
        raise click.UsageError(str(error)) from error
    session = command_session()
    scope = REGION
    if municipality:
        municipality_id = session.scalar(
            sa.select(Municipality.id).where(Municipality.name == municipality)
        )
        if municipality_id is None:
            raise click.UsageError(f"no municipality named {municipality!r}")
        scope = Scope(municipality_id=municipality_id)
    programme = (
        programme_named(session, code) if code is not None else programme_for(session, period.end)
    )
    results = compute(session, period, scope, programme=programme) if programme else []
    if verify:
        recounted = (
            compute(session, period, scope, programme=programme, counted=False) if programme else []
        )
        found = disagreements(results, recounted) + counters.differences(session)
        for line in found:
            click.echo(f"verify: {line}", err=True)
        if found:
            raise click.exceptions.Exit(1)
    content = render(results, period, municipality, fmt, programme)
    if not output and fmt == "xlsx" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE")
    write_output(content, output, "indicators")
    if verify:
        click.echo("verify: counters agree with a recount", err=True)


def disagreements(counted: list[IndicatorResult], recounted: list[IndicatorResult]) -> list[str]:
    """Where the figures read from the counters differ from those counted from the rows: the
    value, its named and headcount parts, each municipality's."""
    found = []
    for kept, raw in zip(counted, recounted, strict=True):
        for what in ("value", "named", "headcount"):
            mine, theirs = getattr(kept, what), getattr(raw, what)
            if mine != theirs:
                found.append(
                    f"indicator {kept.number}: {what} {mine} from the counters,"
                    f" {theirs} from the rows"
                )
        parts = {part.key: part for part in kept.by_municipality}
        raw_parts = {part.key: part for part in raw.by_municipality}
        for key in parts.keys() | raw_parts.keys():
            mine_part, raw_part = parts.get(key), raw_parts.get(key)
            if mine_part != raw_part:
                label = (mine_part if mine_part is not None else raw_parts[key]).label
                found.append(
                    f"indicator {kept.number}, {label}: {_figures(mine_part)} from the counters,"
                    f" {_figures(raw_part)} from the rows"
                )
    return found


def _figures(part: Part | None) -> str:
    return "none" if part is None else f"{part.named} named + {part.headcount} headcount"


def programme_named(session: Session, code: str) -> Programme:
    """The programme of ``code``, else a usage error."""
    programme = programme_by_code(session, code)
    if programme is None:
        raise click.UsageError(f"no programme {code!r} (see `partnercrm programme list`)")
    return programme


def write_output(content: bytes, output: str | None, what: str) -> None:
    """``content`` into the file ``output``, else to standard output."""
    if output:
        with open(output, "wb") as f:
            f.write(content)
        click.echo(f"{what}: written to {output}", err=True)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
