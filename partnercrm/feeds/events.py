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
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from partnercrm.access.feeds import (
    feed_activity_condition,
    feed_agreement_condition,
    feed_booking_condition,
    feed_holiday_job_condition,
    feed_offer_slot_condition,
    feed_speaker_request_condition,
)
from partnercrm.accounts.models import User
from partnercrm.activities.labels import KIND_LABELS
from partnercrm.activities.rules import ActivityStatus
from partnercrm.directory.models import Municipality
from partnercrm.feeds import queries
from partnercrm.feeds.ical import EventStatus, FeedEvent, Organizer
from partnercrm.feeds.queries import FeedFilter, FeedKind, Source, Visibility
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import local_today
from partnercrm.offers.rules import BookingStatus

# Raised when what the events show changes without a change of the records (wording, fields).
FORMAT_VERSION = 1
DEFAULT_UID_HOST = "partnercrm"
DEFAULT_HISTORY_DAYS = 365


@dataclass(frozen=True)
class Feed:
    # The URL and filters, and the reader's scope: a new scope is a new ETag even if the
    # aggregates of the records happened to stay the same.
    key: str
    name: str  # the calendar's name in clients
    visibility: Visibility
    filter: FeedFilter
    # The kinds of ``FeedChange`` besides the records' that can change the feed: a user's
    # scope (private feeds), a municipality's name (in feed names).
    scope_kinds: tuple[str, ...]

    @property
    def public(self) -> bool:
        return self.key.startswith("public:")

    def sources(self) -> list[Source]:
        return queries.sources(self.visibility, self.filter)

    def etag(self, fingerprint: tuple) -> str:
        """A strong validator: a hash of everything the bytes of the feed depend on."""
        parts = (
            FORMAT_VERSION,
            self.key,
            self.name,
            self.filter.history_days,
            uid_host(),
            url_for("feeds.calendar", _external=True),
            noreply_address(),
            fingerprint,
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
        activities=feed_activity_condition(user),
        bookings=feed_booking_condition(user),
        speaker_requests=feed_speaker_request_condition(user),
        agreements=feed_agreement_condition(user),
        holiday_jobs=feed_holiday_job_condition(user),
        offer_slots=feed_offer_slot_condition(user),
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
    scope = f"{user.role}:{user.organization_id or ''}:{user.municipality_id or ''}"
    return Feed(
        key=f"private:{user.id}:{scope}:{_kinds_key(kinds, queries.PRIVATE_KINDS)}",
        name=name,
        visibility=_visibility(user),
        filter=_feed_filter(kinds),
        scope_kinds=("user", "municipality"),
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
        scope_kinds=("municipality",),
    )


def feed_events(session, feed: Feed, feed_sources: list[Source]) -> list[FeedEvent]:
    """Load the records of every source of ``feed`` and make their events."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        builder = EventBuilder(PUBLIC_RECORD_PAGES if feed.public else RECORD_PAGES)
        return [
            getattr(builder, source.name)(record)
            for source in feed_sources
            for record in source.load(session)
        ]


class EventBuilder:
    """Makes the events of one feed. What is the same for every event — the UID host, the
    organizer address, the translated wording, the link patterns — is worked out once: a feed
    has thousands of events."""

    def __init__(self, pages: dict[str, tuple[str, str]]) -> None:
        self.uid_host = uid_host()
        self.noreply = noreply_address()
        self.kind_labels = {kind: str(label) for kind, label in KIND_LABELS.items()}
        # Translated once; filled in with % for each event.
        self.details = _("Details: %(url)s")
        self.organizer_line = _("Organizer: %(name)s")
        self.host_line = _("Host: %(name)s")
        self.school_line = _("School: %(name)s")
        self.seats_line = _("Seats: %(seats)d")
        self.class_line = _("Class: %(grade)s")
        self.employer_line = _("Employer: %(name)s")
        self.shift_line = _("Shift: %(start)s–%(end)s")
        self.places_line = _("Places: %(places)d")
        self.grades_line = _("Grades: %(low)s–%(high)s")
        self.booking_summary = _("Excursion booking: %(topic)s (%(school)s)")
        self.speaker_request_summary = _("Speaker request: %(topic)s (%(school)s)")
        self.speaker_line = _("Speaker: %(name)s")
        self.agreement_summary = _("Agreement № %(number)s expires")
        self.job_summary = _("Holiday job: %(title)s")
        self.slot_summary = _("Excursion: %(topic)s (%(organization)s)")
        self.links = {
            name: _link_pattern(endpoint, argument) for name, (endpoint, argument) in pages.items()
        }

    def _uid(self, kind: str, record_id: int) -> str:
        return f"{kind}-{record_id}@{self.uid_host}"

    def _link(self, name: str, record_id: int) -> str:
        return self.links[name].format(record_id)

    def _organizer(self, name: str, email: str | None) -> Organizer:
        return Organizer(name, email or self.noreply)

    def _description(self, *lines: str | None, url: str | None) -> str:
        text = [line for line in lines if line]
        if url:
            text.append(self.details % {"url": url})
        return "\n".join(text)

    # One method per source (queries.Source.name), each taking the source's rows.

    def activity(self, row) -> FeedEvent:
        url = self._link("activity", row.id)
        if row.all_day:
            starts, ends = row.starts_on, row.ends_on
        else:
            starts, ends = row.starts_at, row.ends_at
        cancelled = row.status is ActivityStatus.CANCELLED
        return FeedEvent(
            uid=self._uid("activity", row.id),
            summary=row.title,
            starts=starts,
            ends=ends,
            changed_at=row.updated_at,
            sequence=row.sequence,
            location=row.location or _place(row.host_name, row.host_address),
            description=self._description(
                self.kind_labels[row.kind],
                self.organizer_line % {"name": row.organizer_name},
                self.host_line % {"name": row.host_name},
                row.description,
                url=url,
            ),
            url=url,
            organizer=self._organizer(row.organizer_name, row.organizer_email),
            status=EventStatus.CANCELLED if cancelled else EventStatus.CONFIRMED,
        )

    def booking(self, row) -> FeedEvent:
        ended = row.status is not BookingStatus.REQUESTED
        url = self._link("booking", row.id)
        grade = f"{row.grade or ''}{row.class_letter or ''}"
        return FeedEvent(
            uid=self._uid("booking", row.id),
            summary=self.booking_summary % {"topic": row.offer_topic, "school": row.school_display},
            starts=row.slot_starts_at,
            ends=row.slot_ends_at,
            changed_at=max(row.updated_at, row.slot_updated_at, row.offer_updated_at),
            # The slot's changes, and one more when the booking is declined or cancelled.
            sequence=row.slot_sequence + int(ended),
            location=row.offer_address or _place(row.host_name, row.host_address),
            description=self._description(
                self.host_line % {"name": row.host_name},
                self.school_line % {"name": row.school_name},
                self.seats_line % {"seats": row.seats},
                self.class_line % {"grade": grade} if grade else None,
                url=url,
            ),
            url=url,
            organizer=self._organizer(row.host_name, row.host_email),
            status=EventStatus.CANCELLED if ended else EventStatus.TENTATIVE,
        )

    def speaker_request(self, row) -> FeedEvent:
        url = self._link("speaker_request", row.id)
        topic = row.topic or row.offer_topic
        return FeedEvent(
            uid=self._uid("speaker_request", row.id),
            summary=self.speaker_request_summary % {"topic": topic, "school": row.school_display},
            starts=row.starts_at,
            ends=row.ends_at,
            changed_at=max(row.updated_at, row.offer_updated_at),
            sequence=0,
            # The parent meeting it asks for is at the school, as the accepted one will be.
            location=row.location or _place(row.school_name, row.school_address),
            description=self._description(
                self.school_line % {"name": row.school_name},
                self.speaker_line % {"name": row.speaker_name},
                url=url,
            ),
            url=url,
            organizer=self._organizer(row.school_name, row.school_email),
            status=EventStatus.TENTATIVE,
        )

    def agreement(self, row) -> FeedEvent:
        url = self._link("agreement", row.id)
        return FeedEvent(
            uid=self._uid("agreement", row.id),
            summary=self.agreement_summary % {"number": row.number},
            starts=row.valid_to,
            changed_at=row.updated_at,
            sequence=row.sequence,
            description=self._description(row.subject, url=url),
            url=url,
            organizer=self._organizer("PartnerCRM", None),
            status=EventStatus.CANCELLED if row.terminated_on else EventStatus.CONFIRMED,
            transparent=True,
        )

    def holiday_job(self, row) -> FeedEvent:
        url = self._link("holiday_job", row.id)
        published = row.status in (JobStatus.PUBLISHED, JobStatus.CLOSED)
        shift = {"start": f"{row.shift_starts:%H:%M}", "end": f"{row.shift_ends:%H:%M}"}
        if row.center_name is not None:
            organizer = self._organizer(row.center_name, row.center_email)
        else:
            organizer = self._organizer(row.employer_name, row.employer_email)
        return FeedEvent(
            uid=self._uid("holiday-job", row.id),
            summary=self.job_summary % {"title": row.title},
            starts=row.first_day,
            ends=row.last_day,
            changed_at=row.updated_at,
            sequence=row.sequence,
            location=row.address,
            description=self._description(
                self.employer_line % {"name": row.employer_name},
                self.shift_line % shift,
                self.places_line % {"places": row.places},
                url=url,
            ),
            url=url,
            organizer=organizer,
            status=EventStatus.CONFIRMED if published else EventStatus.TENTATIVE,
            transparent=True,
        )

    def offer_slot(self, row) -> FeedEvent:
        url = self._link("offer", row.offer_id)
        grades = None
        if row.offer_grade_min or row.offer_grade_max:
            grades = self.grades_line % {
                "low": row.offer_grade_min or 1,
                "high": row.offer_grade_max or 11,
            }
        return FeedEvent(
            uid=self._uid("offer-slot", row.id),
            summary=self.slot_summary
            % {"topic": row.offer_topic, "organization": row.host_display},
            starts=row.starts_at,
            ends=row.ends_at,
            changed_at=max(row.updated_at, row.offer_updated_at),
            sequence=row.sequence,
            location=row.offer_address or _place(row.host_name, row.host_address),
            description=self._description(
                self.host_line % {"name": row.host_name},
                grades,
                row.offer_description,
                url=url,
            ),
            url=url,
            organizer=self._organizer(row.host_name, row.host_email),
        )


# The page of each kind of record, and the name of its id argument.
RECORD_PAGES = {
    "activity": ("activities.detail", "activity_id"),
    "booking": ("offers.booking", "booking_id"),
    "speaker_request": ("offers.speaker_request", "request_id"),
    "agreement": ("agreements.detail", "agreement_id"),
    "holiday_job": ("jobs.detail", "job_id"),
    "offer": ("offers.detail", "offer_id"),
}
# The public feed links a job to the public job board.
PUBLIC_RECORD_PAGES = {**RECORD_PAGES, "holiday_job": ("jobs.board_job", "job_id")}
# An id no record has, replaced by each record's own: building one URL per event with url_for
# would cost more than the rest of the event.
_ID_PLACEHOLDER = 4_000_000_007


def _link_pattern(endpoint: str, argument: str) -> str:
    """The absolute URL of a record page with ``{}`` for the id."""
    values: dict[str, Any] = {argument: _ID_PLACEHOLDER}
    url = url_for(endpoint, _external=True, **values)
    return url.replace("{", "{{").replace("}", "}}").replace(str(_ID_PLACEHOLDER), "{}")


def _place(name: str, address: str | None) -> str:
    """Where an event takes place when its record names no place: its host, with the
    address."""
    return f"{name}, {address}" if address else name


def private_feed_url(user: User) -> str:
    """The absolute https (or http) URL of the user's private feed."""
    from partnercrm.feeds.signing import feed_signature

    signature = feed_signature(current_app.secret_key, user.feed_secret, user.id)
    return url_for("feeds.private_feed", user_id=user.id, signature=signature, _external=True)


def webcal(url: str) -> str:
    """The same URL with the webcal:// scheme, which opens the subscription dialog of Apple
    Calendar, Outlook and Thunderbird."""
    return "webcal://" + url.split("://", 1)[1]
