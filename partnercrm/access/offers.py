"""Offers of employers, colleges and universities, the schools' bookings of excursion slots and
their speaker requests (docs/offers.md).

A published offer is public (it carries no personal data). An offer is written by the staff of
its organization — employer staff only while the employer is approved
(:func:`~partnercrm.access.base.employer_may_act`) — and by admins; a coordinator sees the
offers of their municipality and the bookings and requests of its schools and offers,
read-only. School staff book and ask for speakers for their own school only. A booking or a
request has two sides: the offering organization confirms, declines or cancels it, the school
cancels it; admins act as the offering side. Anything else asked for by id answers 404.
:func:`offer_visibility` (:func:`offers_visible_scope`) is the exact SQL form of
:func:`can_see_offer`; :func:`offers_scope` is the staff list, which shows admins every offer and
offering staff only their own; :func:`offer_records_visibility` is the SQL form of
:func:`can_see_offer_record`.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import (
    coordinates,
    coordinator_municipality_id,
    employer_may_act,
    is_admin,
    roster_school_id,
)
from partnercrm.access.students import can_see_participant_names
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.offers.models import Booking, Offer, SpeakerRequest
from partnercrm.offers.rules import OfferKind, OfferStatus

# The organizations whose staff write offers, by role.
OFFERING_ROLE_KINDS: dict[Role, frozenset[OrganizationKind]] = {
    Role.EMPLOYER: frozenset({OrganizationKind.EMPLOYER}),
    Role.COLLEGE: frozenset({OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY}),
}
OFFERING_KINDS = frozenset().union(*OFFERING_ROLE_KINDS.values())


def offering_organization_id(user: User) -> int | None:
    """The organization whose offers ``user`` writes, or None."""
    if not user.is_authenticated or user.organization is None:
        return None
    kinds = OFFERING_ROLE_KINDS.get(user.role, frozenset())
    if user.organization.kind not in kinds or not employer_may_act(user):
        return None
    return user.organization_id


def can_create_offer(user: User) -> bool:
    return is_admin(user) or offering_organization_id(user) is not None


def can_choose_offering_organization(user: User) -> bool:
    """Admins pick the organization of a new offer; offering staff offer for their own."""
    return is_admin(user)


def can_offer_for(user: User, organization: Organization) -> bool:
    """May ``user`` write the offers of ``organization`` and handle their bookings?"""
    if organization.kind not in OFFERING_KINDS:
        return False
    return is_admin(user) or (
        offering_organization_id(user) is not None
        and organization.id == offering_organization_id(user)
    )


def can_manage_offer(user: User, offer: Offer) -> bool:
    return can_offer_for(user, offer.organization)


def can_see_offer_bookings(user: User, offer: Offer) -> bool:
    """The bookings and speaker requests an offer received (school names, never students)."""
    return can_manage_offer(user, offer) or coordinates(
        user, offer.municipality_id, offer.organization.municipality_id
    )


def can_see_offer(user: User, offer: Offer) -> bool:
    return offer.status is OfferStatus.PUBLISHED or can_see_offer_bookings(user, offer)


def offer_visibility(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause of :func:`offers_visible_scope`: exactly the offers
    :func:`can_see_offer` lets ``user`` see (the query needs no join)."""
    conditions: list[sa.ColumnElement[bool]] = [Offer.status == OfferStatus.PUBLISHED]
    # can_manage_offer: admins an offering organization's offers, offering staff their own's
    # (whose kind is an offering kind by offering_organization_id).
    if is_admin(user):
        conditions.append(
            Offer.organization_id.in_(
                sa.select(Organization.id).where(Organization.kind.in_(OFFERING_KINDS))
            )
        )
    own = offering_organization_id(user)
    if own is not None:
        conditions.append(Offer.organization_id == own)
    # coordinates(user, the offer's municipality, its organization's municipality)
    municipality_id = coordinator_municipality_id(user)
    if municipality_id is not None:
        conditions.append(Offer.id.in_(offers_in_municipality(municipality_id)))
    return sa.or_(*conditions)


def offers_visible_scope(user: User) -> sa.Select:
    """The offers ``user`` may open: the query form of :func:`can_see_offer` (not the staff
    list, :func:`offers_scope`)."""
    return sa.select(Offer).where(offer_visibility(user))


def offers_in_municipality(municipality_id: int) -> sa.Select:
    """Ids of the offers a coordinator of ``municipality_id`` sees: taking place there, or of
    an organization there (as :func:`can_see_offer_bookings`)."""
    return (
        sa.select(Offer.id)
        .join(Organization, Organization.id == Offer.organization_id)
        .where(
            sa.or_(
                Offer.municipality_id == municipality_id,
                Organization.municipality_id == municipality_id,
            )
        )
    )


def offers_scope(user: User) -> sa.Select:
    """The offers of the staff list: admins all; coordinators their municipality's; offering
    staff their own organization's; everyone else the published ones."""
    query = sa.select(Offer)
    if is_admin(user):
        return query
    if user.role is Role.COORDINATOR:
        municipality_id = coordinator_municipality_id(user)
        if municipality_id is None:
            return query.where(sa.false())
        return query.where(Offer.id.in_(offers_in_municipality(municipality_id)))
    own = offering_organization_id(user)
    if own is not None:
        return query.where(Offer.organization_id == own)
    return query.where(Offer.status == OfferStatus.PUBLISHED)


def can_book_as_school(user: User) -> bool:
    """Is ``user`` school staff, who book excursions and ask for speakers for their school?"""
    return roster_school_id(user) is not None


def can_book(user: User, offer: Offer) -> bool:
    """School staff book the published excursion offers for their own school."""
    return (
        can_book_as_school(user)
        and offer.kind is OfferKind.EXCURSION
        and offer.status is OfferStatus.PUBLISHED
    )


def can_request_speaker(user: User, offer: Offer) -> bool:
    """School staff ask the published speaker offers for their own school."""
    return (
        can_book_as_school(user)
        and offer.kind is OfferKind.SPEAKER
        and offer.status is OfferStatus.PUBLISHED
    )


def is_school_side(user: User, record: Booking | SpeakerRequest) -> bool:
    """Is ``user`` staff of the school of a booking or a speaker request?"""
    return can_see_participant_names(user, record.school_id)


def can_see_offer_record(user: User, record: Booking | SpeakerRequest, offer: Offer) -> bool:
    """A booking (``offer`` its slot's offer) or a speaker request: either side, admins, and
    coordinators of the school's or the offer's municipality."""
    return (
        is_school_side(user, record)
        or can_see_offer_bookings(user, offer)
        or coordinates(user, record.school.municipality_id)
    )


def offer_records_visibility(
    user: User, school_id: sa.SQLColumnExpression[int], offer_id: sa.SQLColumnExpression[int]
) -> sa.ColumnElement[bool]:
    """The WHERE clause of the booking and speaker-request lists: the query form of
    :func:`can_see_offer_record`, over a record's ``school_id`` and ``offer_id`` columns."""
    if not user.is_authenticated:
        return sa.false()
    if is_admin(user):
        return sa.true()
    if user.role is Role.COORDINATOR:
        municipality_id = coordinator_municipality_id(user)
        if municipality_id is None:
            return sa.false()
        return sa.or_(
            school_id.in_(
                sa.select(Organization.id).where(Organization.municipality_id == municipality_id)
            ),
            offer_id.in_(offers_in_municipality(municipality_id)),
        )
    school = roster_school_id(user)
    if school is not None:
        return school_id == school
    own = offering_organization_id(user)
    if own is not None:
        return offer_id.in_(sa.select(Offer.id).where(Offer.organization_id == own))
    return sa.false()


def can_cancel_as_school(user: User, record: Booking | SpeakerRequest) -> bool:
    return is_school_side(user, record)
