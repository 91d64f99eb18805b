"""``partnercrm remind``: e-mail the expiry reminders due today (for cron).

Each party's reminder is claimed and committed before its message is sent, in a unit of work of
its own; a refused message releases that party's claim in another, so the next run mails that
party alone (docs/agreements.md, "Reminders").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import click
from sqlalchemy.exc import IntegrityError

from partnercrm.agreements import reminders
from partnercrm.agreements.reminders import PartyReminder
from partnercrm.localtime import local_today
from partnercrm.web.unit_of_work import unit_of_work


@dataclass
class RemindResult:
    sent: list[PartyReminder] = field(default_factory=list)
    failed: list[PartyReminder] = field(default_factory=list)
    no_recipients: list[str] = field(default_factory=list)


def send_due_reminders(today: date) -> RemindResult:
    """Send every party's reminder due on ``today`` that no run has claimed; one unit of work
    per claim and per release, so call it outside one."""
    due = reminders.due_reminders(today)
    result = RemindResult(no_recipients=due.no_recipients)
    for reminder in due.messages:
        try:
            with unit_of_work():
                reminders.claim(reminder)
        except IntegrityError:
            continue  # a concurrent run has claimed this party's reminder: it mails the party
        if reminders.send(reminder):
            result.sent.append(reminder)
        else:
            with unit_of_work():
                reminders.release(reminder)
            result.failed.append(reminder)
    return result


@click.command("remind")
def remind_command() -> None:
    """Send the agreement expiry reminders due today (60 and 14 days before); each party's
    once."""
    today = local_today()
    result = send_due_reminders(today)
    for reminder in result.sent:
        click.echo(
            f"agreement {reminder.number}: {reminder.days}-day reminder sent to {reminder.party}"
        )
    for number in result.no_recipients:
        click.echo(f"agreement {number}: no e-mail address of any party, nothing sent", err=True)
    for reminder in result.failed:
        click.echo(
            f"agreement {reminder.number}: {reminder.days}-day reminder to {reminder.party}"
            " not sent, will retry on the next run",
            err=True,
        )
    click.echo(
        f"remind {today.isoformat()}: {len(result.sent)} messages sent,"
        f" {len(result.failed)} refused"
    )
    if result.failed:
        raise SystemExit(1)
