"""Calendar feeds (docs/feeds.md): what each feed may hold.

A private feed holds what its user's work involves, never more than the user may see: the
activities :func:`~partnercrm.access.activities.activity_involvement` gives; the bookings and
speaker requests either side of which the user sees; the agreements the user acts for; the
holiday jobs the user handles, proposes or oversees. The public feed holds what anonymous
visitors see: public activities, published offers and published jobs. Each ``feed_*_condition``
takes the feed's user, or None for the public feed, and returns the WHERE clause of that source.
The feed of an inactive user answers 404, as does a wrong signature.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.activities import activity_involvement
from partnercrm.access.agreements import agreement_visibility
from partnercrm.access.base import coordinator_municipality_id
from partnercrm.access.jobs import handles_jobs, job_employer_id, job_visibility
from partnercrm.access.offers import offer_records_visibility
from partnercrm.accounts.models import User
from partnercrm.activities.models import Activity
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.rules import JobStatus
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import OfferStatus


def can_use_private_feed(user: User) -> bool:
    return user.active


def feed_activity_condition(user: User | None) -> sa.ColumnElement[bool]:
    if user is None:
        return Activity.public.is_(True)
    return activity_involvement(user)


def feed_booking_condition(user: User | None) -> sa.ColumnElement[bool]:
    """Bookings (joined with their slot): both sides', as :func:`offer_records_visibility`."""

    if user is None:
        return sa.false()
    return offer_records_visibility(user, Booking.school_id, OfferSlot.offer_id)


def feed_speaker_request_condition(user: User | None) -> sa.ColumnElement[bool]:
    """Speaker requests: both sides', as :func:`offer_records_visibility`."""
    if user is None:
        return sa.false()
    return offer_records_visibility(user, SpeakerRequest.school_id, SpeakerRequest.offer_id)


def feed_agreement_condition(user: User | None) -> sa.ColumnElement[bool]:
    if user is None:
        return sa.false()
    return agreement_visibility(user)


def feed_holiday_job_condition(user: User | None) -> sa.ColumnElement[bool]:
    """The center's jobs in scope, the employer's own, the coordinator's municipality's; school
    staff find the published jobs in the public feed."""

    if user is None:
        return HolidayJob.status == JobStatus.PUBLISHED
    if (
        handles_jobs(user)
        or job_employer_id(user) is not None
        or coordinator_municipality_id(user) is not None
    ):
        return job_visibility(user)
    return sa.false()


def feed_offer_slot_condition(user: User | None) -> sa.ColumnElement[bool]:
    """Slots (joined with their offer) of published offers: public only; a private feed shows
    the bookings made for them instead."""

    if user is None:
        return Offer.status == OfferStatus.PUBLISHED
    return sa.false()
