"""Expiry reminders: ``partnercrm remind`` (run it from cron, as often as you like).

An agreement in force (signed, not terminated, with an end date) gets a reminder 60 and 14 days
before its last valid day, in Russian, sent to the contacts of every party: the active users of
the party organization and the organization's own e-mail — one message per party, so parties do
not see each other's addresses.

Each party's reminder is sent once: the command claims an :class:`AgreementReminder` row
(agreement, lead time, end date, party), unique in the database, and commits it before mailing
that party, so repeated or overlapping runs never mail a party twice. If the mail server refuses
the message, the party's claim is released and the next run tries that party again, never the
parties already mailed. If a run was missed, only the most urgent reminder due is sent (rules.
due_reminder): 20 days before the end the parties get the 60-day reminder; 10 days before, the
14-day one, and the missed 60-day one is not sent any more. A new end date (the agreement was
prolonged) starts new reminders.

This module finds what is due and claims, releases and sends one party's reminder (flushing,
never committing); the command (``agreements/cli.py``) runs each claim and each release in a
unit of work of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from partnercrm.accounts.models import User
from partnercrm.agreements.models import Agreement, AgreementParty, AgreementReminder
from partnercrm.agreements.rules import REMINDER_DAYS, due_reminder
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.mail import send_mail

log = logging.getLogger("partnercrm.agreements.reminders")


@dataclass(frozen=True)
class PartyReminder:
    """One party's message of a reminder due today."""

    agreement_id: int
    number: str
    days: int
    valid_to: date
    organization_id: int
    party: str
    emails: tuple[str, ...]
    subject: str
    body: str


@dataclass
class DueReminders:
    messages: list[PartyReminder] = field(default_factory=list)
    # Numbers of the agreements due whose parties have no e-mail address at all.
    no_recipients: list[str] = field(default_factory=list)


def candidates(today: date) -> sa.Select:
    """Agreements that may be due: signed, never terminated, ending within the longest lead
    time (and not before today)."""
    return (
        sa.select(Agreement)
        .where(
            Agreement.signed_on.is_not(None),
            Agreement.terminated_on.is_(None),
            Agreement.valid_to.is_not(None),
            Agreement.valid_to >= today,
            Agreement.valid_to <= today + timedelta(days=max(REMINDER_DAYS)),
        )
        .options(selectinload(Agreement.parties).selectinload(AgreementParty.organization))
        .order_by(Agreement.valid_to, Agreement.id)
    )


def recipients_by_party(agreement: Agreement) -> dict[int, list[str]]:
    """For each party organization: its active users' e-mails and its own e-mail, each once."""
    ids = [party.organization_id for party in agreement.parties]
    users = db.session.execute(
        sa.select(User.organization_id, User.email)
        .where(User.organization_id.in_(ids), User.active.is_(True))
        .order_by(User.email)
    ).all()
    result: dict[int, list[str]] = {organization_id: [] for organization_id in ids}
    for organization_id, email in users:
        assert organization_id is not None, "selected by organization"
        result[organization_id].append(email.lower())
    for party in agreement.parties:
        own = (party.organization.email or "").strip().lower()
        if own:
            result[party.organization_id].append(own)
    return {key: list(dict.fromkeys(emails)) for key, emails in result.items() if emails}


def _link(agreement: Agreement) -> str | None:
    """The agreement's page; from cron it needs ``SERVER_NAME`` in the configuration."""
    try:
        return url_for("agreements.detail", agreement_id=agreement.id, _external=True)
    except RuntimeError:
        return None


def compose(agreement: Agreement, organization: Organization, days: int, today: date):
    """Subject and body of one party's reminder, in Russian."""
    assert agreement.valid_to is not None, "only agreements that end are reminded of"
    with force_locale("ru"):
        valid_to = format_date(agreement.valid_to, "dd.MM.yyyy")
        days_left = (agreement.valid_to - today).days
        subject = _(
            "Cooperation agreement № %(number)s expires on %(date)s",
            number=agreement.number,
            date=valid_to,
        )
        others = ", ".join(
            party.organization.display_name
            for party in sorted(agreement.parties, key=lambda p: p.organization.name)
            if party.organization_id != organization.id
        )
        lines = [
            _("Hello!"),
            "",
            _(
                "The cooperation agreement № %(number)s between %(organization)s and "
                "%(others)s is valid until %(date)s inclusive: %(days)d days are left.",
                number=agreement.number,
                organization=organization.display_name,
                others=others,
                date=valid_to,
                days=days_left,
            ),
            _("Agreement subject: %(subject)s", subject=agreement.subject),
            "",
            _(
                "If the partnership continues, prolong the agreement or sign a new one, and "
                "enter the new end date or the new agreement in PartnerCRM."
            ),
        ]
        link = _link(agreement)
        if link:
            lines += ["", link]
        lines += [
            "",
            _(
                "This reminder is sent %(first)d and %(second)d days before an agreement expires.",
                first=REMINDER_DAYS[0],
                second=REMINDER_DAYS[1],
            ),
        ]
    return subject, "\n".join(lines)


def due_reminders(today: date) -> DueReminders:
    """The reminders due on ``today`` (a local date), one message per party not claimed yet."""
    due = DueReminders()
    for agreement in db.session.scalars(candidates(today)).all():
        days = due_reminder(today, agreement.valid_to)
        if days is None:
            continue
        recipients = recipients_by_party(agreement)
        if not recipients:
            log.warning("agreement %s: no e-mail address of any party", agreement.id)
            due.no_recipients.append(agreement.number)
            continue
        claimed = set(
            db.session.scalars(
                sa.select(AgreementReminder.organization_id).where(
                    AgreementReminder.agreement_id == agreement.id,
                    AgreementReminder.days_before == days,
                    AgreementReminder.valid_to == agreement.valid_to,
                )
            )
        )
        parties = {party.organization_id: party.organization for party in agreement.parties}
        for organization_id, emails in recipients.items():
            if organization_id in claimed:
                continue
            organization = parties[organization_id]
            subject, body = compose(agreement, organization, days, today)
            due.messages.append(
                PartyReminder(
                    agreement_id=agreement.id,
                    number=agreement.number,
                    days=days,
                    valid_to=agreement.valid_to,
                    organization_id=organization_id,
                    party=organization.display_name,
                    emails=tuple(emails),
                    subject=subject,
                    body=body,
                )
            )
    return due


def claim(reminder: PartyReminder) -> None:
    """Record the party's reminder as sent; raises ``IntegrityError`` if a run has claimed it
    already (the unique constraint decides between concurrent runs)."""
    db.session.add(
        AgreementReminder(
            agreement_id=reminder.agreement_id,
            days_before=reminder.days,
            valid_to=reminder.valid_to,
            organization_id=reminder.organization_id,
        )
    )
    db.session.flush()


def release(reminder: PartyReminder) -> None:
    """Forget the party's claim (its message was refused), so the next run tries again."""
    db.session.execute(
        sa.delete(AgreementReminder).where(
            AgreementReminder.agreement_id == reminder.agreement_id,
            AgreementReminder.days_before == reminder.days,
            AgreementReminder.valid_to == reminder.valid_to,
            AgreementReminder.organization_id == reminder.organization_id,
        )
    )
    db.session.flush()


def send(reminder: PartyReminder) -> bool:
    """Mail the party's reminder; False when the mail server refused it."""
    return send_mail(list(reminder.emails), reminder.subject, reminder.body)
