"""A feed: who it is for, which records it holds (``queries``, with the reader's visibility from
``partnercrm.access``), and the events made of them (``ical.FeedEvent``).

Feed text is in the interface's default language (Russian): calendar clients have no session.
Links point back to the record pages with absolute URLs; UIDs use ``FEED_UID_HOST``, never the
request's host, so they stay the same forever whatever name the site is reached by.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from partnercrm import access
from partnercrm.accounts.models import User
from partnercrm.activities.forms import KIND_LABELS
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityStatus
from partnercrm.agreements.models import Agreement
from partnercrm.directory.models import Municipality, Organization
from partnercrm.feeds import queries
from partnercrm.feeds.ical import EventStatus, FeedEvent, Organizer
from partnercrm.feeds.queries import FeedFilter, FeedKind, Source, Visibility
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import local_today
from partnercrm.offers.models import Booking, OfferSlot
from partnercrm.offers.rules import BookingStatus

# Raised when what the events show changes without a change of the records (wording, fields).
FORMAT_VERSION = 1
DEFAULT_UID_HOST = "partnercrm"
DEFAULT_HISTORY_DAYS = 365


@dataclass(frozen=True)
class Feed:
    key: str  # FeedVersion.feed
    name: str  # the calendar's name in clients
    visibility: Visibility
    filter: FeedFilter

    def sources(self) -> list[Source]:
        return queries.sources(self.visibility, self.filter)

    def etag(self, fingerprint: queries.Fingerprint) -> str:
        """A strong validator: a hash of everything the bytes of the feed depend on."""
        parts = (
            FORMAT_VERSION,
            self.key,
            self.name,
            self.filter.history_days,
            uid_host(),
            url_for("feeds.calendar", _external=True),
            noreply_address(),
            fingerprint.parts,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def uid_host() -> str:
    return current_app.config.get("FEED_UID_HOST", DEFAULT_UID_HOST)


def noreply_address() -> str:
    """The ORGANIZER address of events whose organization has no e-mail: the app's sender."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def _feed_filter(kinds: frozenset[FeedKind], municipality_id: int | None = None) -> FeedFilter:
    return FeedFilter(
        kinds=kinds,
        today=local_today(),
        history_days=current_app.config.get("FEED_HISTORY_DAYS", DEFAULT_HISTORY_DAYS),
        municipality_id=municipality_id,
    )


def _visibility(user: User | None) -> Visibility:
    return Visibility(
        activities=access.feed_activity_condition(user),
        bookings=access.feed_booking_condition(user),
        agreements=access.feed_agreement_condition(user),
        holiday_jobs=access.feed_holiday_job_condition(user),
        offer_slots=access.feed_offer_slot_condition(user),
    )


def _kinds_key(kinds: frozenset[FeedKind], every: frozenset[FeedKind]) -> str:
    return "*" if kinds == every else ",".join(sorted(kinds))


def private_feed(user: User, kinds: frozenset[FeedKind]) -> Feed:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        if user.organization is not None:
            whose = user.organization.display_name
        elif user.municipality is not None:
            whose = user.municipality.name
        else:
            whose = _("Kaliningrad region")
        name = _("PartnerCRM: %(name)s", name=whose)
    return Feed(
        key=f"private:{user.id}:{_kinds_key(kinds, queries.PRIVATE_KINDS)}",
        name=name,
        visibility=_visibility(user),
        filter=_feed_filter(kinds),
    )


def public_feed(kinds: frozenset[FeedKind], municipality: Municipality | None) -> Feed:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        name = _("PartnerCRM: public events")
        if municipality is not None:
            name = f"{name} ({municipality.name})"
    municipality_id = municipality.id if municipality is not None else None
    return Feed(
        key=f"public:{municipality_id or '*'}:{_kinds_key(kinds, queries.PUBLIC_KINDS)}",
        name=name,
        visibility=_visibility(None),
        filter=_feed_filter(kinds, municipality_id),
    )


def feed_events(session, feed_sources: list[Source]) -> list[FeedEvent]:
    """Load the records of every source and make their events."""
    events = []
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for source in feed_sources:
            make = EVENT_MAKERS[source.name]
            events.extend(make(record) for record in source.load(session))
    return events


def _uid(kind: str, record_id: int) -> str:
    return f"{kind}-{record_id}@{uid_host()}"


def _link(endpoint: str, **values) -> str | None:
    """The absolute URL of a record's page, if that page exists in this app."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, _external=True, **values)


def _organizer(organization: Organization) -> Organizer:
    return Organizer(organization.name, organization.email or noreply_address())


def _app_organizer() -> Organizer:
    return Organizer("PartnerCRM", noreply_address())


def _place(organization: Organization) -> str:
    return ", ".join(part for part in (organization.name, organization.address) if part)


def _description(*lines: str | None, url: str | None) -> str:
    text = [line for line in lines if line]
    if url:
        text.append(_("Details: %(url)s", url=url))
    return "\n".join(text)


def activity_event(activity: Activity) -> FeedEvent:
    url = _link("activities.detail", activity_id=activity.id)
    if activity.all_day:
        starts, ends = activity.starts_on, activity.ends_on
    else:
        starts, ends = activity.starts_at, activity.ends_at
    cancelled = activity.status is ActivityStatus.CANCELLED
    return FeedEvent(
        uid=_uid("activity", activity.id),
        summary=activity.title,
        starts=starts,
        ends=ends,
        changed_at=activity.updated_at,
        sequence=activity.sequence,
        location=activity.location or _place(activity.host),
        description=_description(
            str(KIND_LABELS[activity.kind]),
            _("Organizer: %(name)s", name=activity.organizer.name),
            _("Host: %(name)s", name=activity.host.name),
            activity.description,
            url=url,
        ),
        url=url,
        organizer=_organizer(activity.organizer),
        status=EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED,
    )


def booking_event(booking: Booking) -> FeedEvent:
    slot = booking.slot
    offer = slot.offer
    ended = booking.status is not BookingStatus.REQUESTED
    url = _link("offers.booking", booking_id=booking.id)
    grade = f"{booking.grade or ''}{booking.class_letter or ''}"
    return FeedEvent(
        uid=_uid("booking", booking.id),
        summary=_(
            "Excursion booking: %(topic)s (%(school)s)",
            topic=offer.topic,
            school=booking.school.display_name,
        ),
        starts=slot.starts_at,
        ends=slot.ends_at,
        changed_at=max(booking.updated_at, slot.updated_at, offer.updated_at),
        # The slot's changes, and one more when the booking is declined or cancelled.
        sequence=slot.sequence + int(ended),
        location=offer.address or _place(offer.organization),
        description=_description(
            _("Host: %(name)s", name=offer.organization.name),
            _("School: %(name)s", name=booking.school.name),
            _("Seats: %(seats)d", seats=booking.seats),
            _("Class: %(grade)s", grade=grade) if grade else None,
            url=url,
        ),
        url=url,
        organizer=_organizer(offer.organization),
        status=EventStatus.CANCELLED if ended else EventStatus.TENTATIVE,
    )


def agreement_event(agreement: Agreement) -> FeedEvent:
    url = _link("agreements.detail", agreement_id=agreement.id)
    return FeedEvent(
        uid=_uid("agreement", agreement.id),
        summary=_("Agreement № %(number)s expires", number=agreement.number),
        starts=agreement.valid_to,
        changed_at=agreement.updated_at,
        sequence=agreement.sequence,
        description=_description(agreement.subject, url=url),
        url=url,
        organizer=_app_organizer(),
        status=EventStatus.CANCELLED if agreement.terminated_on else EventStatus.CONFIRMED,
        transparent=True,
    )


def holiday_job_event(job: HolidayJob) -> FeedEvent:
    url = _link("jobs.detail", job_id=job.id)
    published = job.status in (JobStatus.PUBLISHED, JobStatus.CLOSED)
    return FeedEvent(
        uid=_uid("holiday-job", job.id),
        summary=_("Holiday job: %(title)s", title=job.title),
        starts=job.first_day,
        ends=job.last_day,
        changed_at=job.updated_at,
        sequence=job.sequence,
        location=job.address,
        description=_description(
            _("Employer: %(name)s", name=job.employer.name),
            _(
                "Shift: %(start)s–%(end)s",
                start=job.shift_starts.strftime("%H:%M"),
                end=job.shift_ends.strftime("%H:%M"),
            ),
            _("Places: %(places)d", places=job.places),
            url=url,
        ),
        url=url,
        organizer=_organizer(job.center or job.employer),
        status=EventStatus.CONFIRMED if published else EventStatus.TENTATIVE,
        transparent=True,
    )


def offer_slot_event(slot: OfferSlot) -> FeedEvent:
    offer = slot.offer
    url = _link("offers.detail", offer_id=offer.id)
    grades = ""
    if offer.grade_min or offer.grade_max:
        grades = _("Grades: %(low)s–%(high)s", low=offer.grade_min or 1, high=offer.grade_max or 11)
    return FeedEvent(
        uid=_uid("offer-slot", slot.id),
        summary=_(
            "Excursion: %(topic)s (%(organization)s)",
            topic=offer.topic,
            organization=offer.organization.display_name,
        ),
        starts=slot.starts_at,
        ends=slot.ends_at,
        changed_at=max(slot.updated_at, offer.updated_at),
        sequence=slot.sequence,
        location=offer.address or _place(offer.organization),
        description=_description(
            _("Host: %(name)s", name=offer.organization.name),
            grades,
            offer.description,
            url=url,
        ),
        url=url,
        organizer=_organizer(offer.organization),
    )


EVENT_MAKERS = {
    "activity": activity_event,
    "booking": booking_event,
    "agreement": agreement_event,
    "holiday_job": holiday_job_event,
    "offer_slot": offer_slot_event,
}


def private_feed_url(user: User) -> str:
    """The absolute https (or http) URL of the user's private feed."""
    from partnercrm.feeds.signing import feed_signature

    signature = feed_signature(current_app.secret_key, user.feed_secret, user.id)
    return url_for("feeds.private_feed", user_id=user.id, signature=signature, _external=True)


def webcal(url: str) -> str:
    """The same URL with the webcal:// scheme, which opens the subscription dialog of Apple
    Calendar, Outlook and Thunderbird."""
    return "webcal://" + url.split("://", 1)[1]
