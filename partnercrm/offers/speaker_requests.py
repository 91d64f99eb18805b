"""Writes about speaker requests: a school asks for the speaker of an offer; the offering
organization accepts (the parent meeting is planned at the school) or declines; the school
withdraws. Status moves are conditional UPDATEs
(:func:`~partnercrm.offers.services.move_status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.activities import services as activities
from partnercrm.activities.rules import ACTIVITY_DATES, ActivityKind
from partnercrm.database import savepoint
from partnercrm.directory.models import Organization
from partnercrm.errors import N_
from partnercrm.extensions import db
from partnercrm.offers.models import Offer, SpeakerRequest
from partnercrm.offers.rules import OfferKind, OfferStatus, SpeakerRequestStatus
from partnercrm.offers.services import (
    DuplicateSubmission,
    OfferError,
    cancel_planned_activity,
    move_status,
)
from partnercrm.plausible import check_date


@dataclass
class SpeakerRequestData:
    starts_at: datetime
    ends_at: datetime | None = None
    location: str | None = None
    topic: str | None = None
    message: str | None = None


def speaker_request_for_key(request_key: str) -> SpeakerRequest | None:
    return db.session.scalar(
        sa.select(SpeakerRequest).where(SpeakerRequest.request_key == request_key)
    )


def request_speaker(
    offer: Offer,
    school: Organization,
    data: SpeakerRequestData,
    request_key: str,
    requested_by: User | None,
    now: datetime,
) -> SpeakerRequest:
    """Ask for the speaker of ``offer``; ``request_key`` as in
    :func:`~partnercrm.offers.bookings.book`."""
    existing = speaker_request_for_key(request_key)
    if existing is not None:
        raise DuplicateSubmission(existing)
    if offer.kind is not OfferKind.SPEAKER or offer.status is not OfferStatus.PUBLISHED:
        raise OfferError(N_("This offer takes no requests now."))
    if data.starts_at <= now:
        raise OfferError(N_("The meeting must lie in the future."), "day")
    # An accepted request becomes an activity: the activities' bounds.
    check_date(data.starts_at, ACTIVITY_DATES, OfferError, "day")
    if data.ends_at is not None and data.ends_at < data.starts_at:
        raise OfferError(N_("The end must not be before the start."), "end")
    try:
        with savepoint(db.session):
            request = SpeakerRequest(
                offer=offer,
                school=school,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                location=(data.location or "").strip() or None,
                topic=(data.topic or "").strip() or None,
                message=(data.message or "").strip() or None,
                request_key=request_key,
                requested_by=requested_by,
                status=SpeakerRequestStatus.REQUESTED,
            )
            db.session.add(request)
            db.session.flush()
    except IntegrityError as error:  # uq_speaker_request_request_key: the other one won
        existing = speaker_request_for_key(request_key)
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from error
    return request


def accept_speaker_request(request: SpeakerRequest, by: User | None, now: datetime) -> None:
    """The speaker comes: the parent meeting exists at the school, with the offering
    organization as presenter."""
    if request.starts_at <= now:
        raise OfferError(N_("This date has passed."))
    move_status(request, frozenset({SpeakerRequestStatus.REQUESTED}), SpeakerRequestStatus.ACCEPTED)
    request.decided_by = by
    offer, school = request.offer, request.school
    meeting = activities.create_activity(
        activities.ActivityData(
            kind=ActivityKind.PARENT_MEETING,
            title=request.topic or offer.topic,
            host=school,
            organizer=school,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            location=request.location,
            schools=[school],
        ),
        created_by=by,
    )
    activities.set_parent_meeting_details(
        meeting, parents_count=None, professions=offer.profession, presenters=[offer.organization]
    )
    request.activity = meeting
    db.session.flush()


def decline_speaker_request(request: SpeakerRequest, reason: str | None, by: User | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise OfferError(N_("Give the reason."), "reason")
    move_status(request, frozenset({SpeakerRequestStatus.REQUESTED}), SpeakerRequestStatus.DECLINED)
    request.decline_reason = reason
    request.decided_by = by
    db.session.flush()


def cancel_speaker_request(request: SpeakerRequest, now: datetime) -> None:
    """The school withdraws its request, or calls off the meeting before it takes place."""
    if request.starts_at <= now:
        raise OfferError(N_("The meeting has begun: the request can no longer be changed."))
    move_status(
        request,
        frozenset({SpeakerRequestStatus.REQUESTED, SpeakerRequestStatus.ACCEPTED}),
        SpeakerRequestStatus.CANCELLED,
    )
    cancel_planned_activity(request.activity)
    db.session.flush()
