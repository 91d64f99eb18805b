"""Cooperation agreements (docs/agreements.md).

One rule, "acts for a party" (:func:`~partnercrm.access.base.can_act_for`), decides everything:
admins act for every organization; a coordinator for the organizations of their municipality;
the staff of a school, college, employer or employment center for their own organization — an
employer only once approved (:func:`~partnercrm.access.base.employer_may_act`).
Whoever acts for at least one party sees the agreement, edits it (fields, parties,
termination), uploads and downloads its documents and links activities to it — an activity only
if one of the parties they act for hosts, organizes or visits it. A non-admin creates an
agreement only with a party they act for and cannot edit themselves out of one. Everyone else
gets 404 for an agreement and its documents, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from partnercrm.access.base import ORGANIZATION_STAFF_ROLES, can_act_for, employer_may_act
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity, activity_school
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.directory.models import Organization


def can_see_agreements(user: User) -> bool:
    """Does ``user`` see any agreements at all (:func:`agreement_visibility` is not false)?"""
    if not employer_may_act(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    return user.role in ORGANIZATION_STAFF_ROLES and user.organization_id is not None


def can_create_agreement(user: User) -> bool:
    """Whoever sees agreements may make one, with a party they act for."""
    return can_see_agreements(user)


def default_party(user: User) -> Organization | None:
    """The party a new agreement of ``user`` starts with: an organization's staff their own
    organization; nobody for admins and coordinators (they act for many)."""
    if not employer_may_act(user) or user.role not in ORGANIZATION_STAFF_ROLES:
        return None
    return user.organization


def can_make_agreement_between(user: User, organizations: Iterable[Organization]) -> bool:
    """May ``user`` save an agreement with these parties (it must stay theirs to see)?"""
    return can_create_agreement(user) and any(
        can_act_for(user, organization) for organization in organizations
    )


def agreement_visibility(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause of :func:`agreements_scope` (for joins and counts)."""
    if not employer_may_act(user):
        return sa.false()
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        return Agreement.id.in_(
            sa.select(AgreementParty.agreement_id)
            .join(Organization, Organization.id == AgreementParty.organization_id)
            .where(Organization.municipality_id == user.municipality_id)
        )
    if user.role not in ORGANIZATION_STAFF_ROLES or user.organization_id is None:
        return sa.false()
    return Agreement.id.in_(
        sa.select(AgreementParty.agreement_id).where(
            AgreementParty.organization_id == user.organization_id
        )
    )


def agreements_scope(user: User) -> sa.Select:
    """Agreements ``user`` may see: the query form of :func:`can_see_agreement`."""

    return sa.select(Agreement).where(agreement_visibility(user))


def can_see_agreement(user: User, agreement: Agreement) -> bool:
    return any(can_act_for(user, party.organization) for party in agreement.parties)


def can_edit_agreement(user: User, agreement: Agreement) -> bool:
    return can_see_agreement(user, agreement)


def can_download_agreement_document(user: User, agreement: Agreement) -> bool:
    return can_see_agreement(user, agreement)


def agreement_party_ids_for(user: User, agreement: Agreement) -> list[int]:
    """The parties of ``agreement`` that ``user`` acts for."""
    return [
        party.organization_id
        for party in agreement.parties
        if can_act_for(user, party.organization)
    ]


def linkable_activity_condition(user: User, agreement: Agreement):
    """Activities ``user`` may link to (or unlink from) ``agreement``: hosted, organized or
    visited by a party ``user`` acts for."""
    ids = agreement_party_ids_for(user, agreement) if can_edit_agreement(user, agreement) else []
    if not ids:
        return sa.false()
    return sa.or_(
        Activity.host_id.in_(ids),
        Activity.organizer_id.in_(ids),
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(activity_school.c.school_id.in_(ids))
        ),
    )


def can_link_activity(user: User, agreement: Agreement, activity: Activity) -> bool:
    if not can_edit_agreement(user, agreement):
        return False
    ids = set(agreement_party_ids_for(user, agreement))
    involved = {activity.host_id, activity.organizer_id, *(s.id for s in activity.schools)}
    return bool(ids & involved)
