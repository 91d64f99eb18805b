"""``partnercrm remind``: e-mail the expiry reminders due today (for cron)."""

from __future__ import annotations

import click


@click.command("remind")
def remind_command() -> None:
    """Send the agreement expiry reminders due today (60 and 14 days before); each once."""
    from partnercrm.agreements.reminders import send_due_reminders
    from partnercrm.localtime import local_today

    today = local_today()
    result = send_due_reminders(today)
    for number, days in result.sent:
        click.echo(f"agreement {number}: {days}-day reminder sent")
    for number in result.no_recipients:
        click.echo(f"agreement {number}: no e-mail address of any party, nothing sent", err=True)
    for number in result.failed:
        click.echo(f"agreement {number}: mail not sent, will retry on the next run", err=True)
    click.echo(
        f"remind {today.isoformat()}: {len(result.sent)} reminders, {result.messages} messages"
    )
    if result.failed:
        raise SystemExit(1)
