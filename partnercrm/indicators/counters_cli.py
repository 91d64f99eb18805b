"""``partnercrm counters rebuild|verify``: every registered counter (issue #18;
``activities.changes.register_counters``) recomputed from the rows, or compared with a recount.

A rebuild is for rows written behind the app's back (bulk loads, a restored backup); otherwise
the counters are kept in the transaction of every change.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from partnercrm.activities.changes import Progress, kept_counters
from partnercrm.extensions import db
from partnercrm.web.unit_of_work import unit_of_work

counters_cli = AppGroup("counters", help="The counters the reports read (issue #18).")


def _progress(name: str) -> Progress:
    return lambda step: click.echo(f"{name}: {step}", err=True)


@counters_cli.command("rebuild")
def counters_rebuild_command() -> None:
    """Recompute every counter from the rows, all in one transaction."""
    names = []
    with unit_of_work():
        for kept in kept_counters():
            kept.rebuild(db.session(), _progress(kept.name))
            names.append(kept.name)
    click.echo("counters rebuilt: " + ", ".join(names))


@counters_cli.command("verify")
def counters_verify_command() -> None:
    """Compare every counter with a recount of the rows (written in a savepoint and rolled
    back); exit 1 on any difference."""
    found = [
        f"{kept.name}: {difference}"
        for kept in kept_counters()
        for difference in kept.differences(db.session())
    ]
    for line in found:
        click.echo(line, err=True)
    if found:
        raise click.exceptions.Exit(1)
    click.echo("counters agree with a recount of the rows")
