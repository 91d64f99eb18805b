"""Expiry reminders: ``partnercrm remind`` (run it from cron, as often as you like).

An agreement in force (signed, not terminated, with an end date) gets a reminder 60 and 14 days
before its last valid day, in Russian, sent to the contacts of every party: the active users of
the party organization and the organization's own e-mail — one message per party, so parties do
not see each other's addresses.

Each reminder is sent once: an :class:`AgreementReminder` row (agreement, lead time, end date)
is written in the same transaction as the sending and is unique, so repeated or overlapping runs
do not send it again. If a run was missed, only the most urgent reminder due is sent (rules.
due_reminder): 20 days before the end the parties get the 60-day reminder; 10 days before, the
14-day one, and the missed 60-day one is not sent any more. A new end date (the agreement was
prolonged) starts new reminders. If the mail server refuses a message, the reminder is not
recorded and the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from partnercrm.accounts.models import User
from partnercrm.agreements.models import Agreement, AgreementParty, AgreementReminder
from partnercrm.agreements.rules import REMINDER_DAYS, due_reminder
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.mail import send_mail

log = logging.getLogger("partnercrm.agreements.reminders")


@dataclass
class RemindResult:
    sent: list[tuple[str, int]] = field(default_factory=list)  # (agreement number, days)
    messages: int = 0
    no_recipients: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


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


def send_due_reminders(today: date) -> RemindResult:
    """Send every reminder due on ``today`` (a local date) that was not sent yet. Commits after
    each agreement, so a reminder recorded is a reminder sent."""
    result = RemindResult()
    agreements = db.session.scalars(candidates(today)).all()
    for agreement in agreements:
        days = due_reminder(today, agreement.valid_to)
        if days is None:
            continue
        number = agreement.number
        already = db.session.scalar(
            sa.select(AgreementReminder.id).where(
                AgreementReminder.agreement_id == agreement.id,
                AgreementReminder.days_before == days,
                AgreementReminder.valid_to == agreement.valid_to,
            )
        )
        if already is not None:
            continue
        recipients = recipients_by_party(agreement)
        if not recipients:
            log.warning("agreement %s: no e-mail address of any party", agreement.id)
            result.no_recipients.append(number)
            continue
        # Claim the reminder first: a concurrent run trips over the unique constraint.
        db.session.add(
            AgreementReminder(
                agreement_id=agreement.id, days_before=days, valid_to=agreement.valid_to
            )
        )
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        parties = {party.organization_id: party.organization for party in agreement.parties}
        sent_all = True
        for organization_id, emails in recipients.items():
            subject, body = compose(agreement, parties[organization_id], days, today)
            if send_mail(emails, subject, body):
                result.messages += 1
            else:
                sent_all = False
        if sent_all:
            db.session.commit()
            result.sent.append((number, days))
        else:
            db.session.rollback()
            result.failed.append(number)
    return result
