"""The letters to the other side of a booking or a speaker request (in Russian: the recipients
have not chosen a language).

The views queue them with :func:`~partnercrm.web.unit_of_work.after_commit`, so they go out
only once the change is committed — nothing rolled back is announced, and no mail server holds
a database lock. A letter that cannot be sent is logged; the change stays (docs/offers.md).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from partnercrm.accounts.models import User
from partnercrm.extensions import db
from partnercrm.mail import send_mail
from partnercrm.offers.models import Booking, SpeakerRequest
from partnercrm.offers.rules import BookingStatus, SpeakerRequestStatus


def _organization_emails(organization_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .where(User.organization_id == organization_id, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _person_or_organization(user: User | None, organization_id: int) -> list[str]:
    """The user who made the booking or request, or (gone) their organization's staff."""
    if user is not None and user.active:
        return [user.email]
    return _organization_emails(organization_id)


def _when(moment: datetime) -> str:
    return format_datetime(moment, "dd.MM.yyyy HH:mm")


def _link(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return None


def _send(to: list[str], subject: str, lines: list[str], link: str | None) -> None:
    if not to:
        return
    if link:
        lines = [*lines, "", link]
    send_mail(to, subject, "\n".join(lines))


def notify_booking(booking: Booking, by_host: bool) -> None:
    """Tell the other side what just happened to ``booking``."""
    slot, offer = booking.slot, booking.slot.offer
    if by_host:
        to = _person_or_organization(booking.booked_by, booking.school_id)
    else:
        to = _organization_emails(offer.organization_id)
    with force_locale("ru"):
        facts = _(
            "%(school)s, %(seats)d seats, %(when)s: %(topic)s (%(host)s).",
            school=booking.school.display_name,
            seats=booking.seats,
            when=_when(slot.starts_at),
            topic=offer.topic,
            host=offer.organization.display_name,
        )
        if booking.status is BookingStatus.REQUESTED:
            subject = _("New booking of your excursion: please confirm it")
            lines = [facts, _("Confirm or decline the booking in PartnerCRM.")]
        elif booking.status is BookingStatus.CONFIRMED and not by_host:
            subject = _("New booking of your excursion")
            lines = [facts, _("The booking is confirmed: the excursion is planned.")]
        elif booking.status is BookingStatus.CONFIRMED:
            subject = _("Your booking is confirmed")
            lines = [
                facts,
                _("The excursion is planned; after the visit, add its participants."),
            ]
        else:
            subject = (
                _("Your booking is declined")
                if booking.status is BookingStatus.DECLINED
                else _("A booking is cancelled")
            )
            lines = [facts, _("Reason: %(reason)s", reason=booking.cancel_reason)]
    _send(to, subject, lines, _link("offers.booking", booking_id=booking.id))


def notify_speaker_request(request: SpeakerRequest, by_host: bool) -> None:
    offer = request.offer
    if by_host:
        to = _person_or_organization(request.requested_by, request.school_id)
    else:
        to = _organization_emails(offer.organization_id)
    with force_locale("ru"):
        facts = _(
            "Parent meeting at %(school)s, %(when)s: %(topic)s (speaker: %(host)s).",
            school=request.school.display_name,
            when=_when(request.starts_at),
            topic=request.topic or offer.topic,
            host=offer.organization.display_name,
        )
        status = request.status
        if status is SpeakerRequestStatus.REQUESTED:
            subject = _("A school asks for your speaker")
            lines = [facts, _("Accept or decline the request in PartnerCRM.")]
        elif status is SpeakerRequestStatus.ACCEPTED:
            subject = _("Your speaker request is accepted")
            lines = [facts, _("The parent meeting is planned.")]
        elif status is SpeakerRequestStatus.DECLINED:
            subject = _("Your speaker request is declined")
            lines = [facts, _("Reason: %(reason)s", reason=request.decline_reason)]
        else:
            subject = _("A speaker request is withdrawn")
            lines = [facts]
    _send(to, subject, lines, _link("offers.speaker_request", request_id=request.id))
