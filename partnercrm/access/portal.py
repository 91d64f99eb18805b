"""Employer registration (docs/portal.md): who decides a sign-up or a join request.

Employers sign themselves up; their organization stays ``pending`` until a coordinator of its
municipality or an admin approves it, and meanwhile its users may log in but not act for it
(:func:`~partnercrm.access.base.employer_may_act`, the gate every employer feature adds). A
registration is decided by admins (any), a coordinator (those of organizations in their
municipality) and, for a join request, the employer users of the organization once it is
approved. Everyone else gets 404 for a registration. Unconfirmed registrations are nobody's to
see.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import employer_may_act
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization
from partnercrm.portal.models import Registration

APPROVAL_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.EMPLOYER})


def can_see_approvals(user: User) -> bool:
    """Has ``user`` an approval queue (it may be empty)?"""
    if not user.is_authenticated or user.role not in APPROVAL_ROLES:
        return False
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    if user.role is Role.EMPLOYER:
        return employer_may_act(user)
    return True


def can_filter_approvals_by_municipality(user: User) -> bool:
    """Admins decide the registrations of every municipality, so their queue filters by one."""
    return can_see_approvals(user) and user.role is Role.ADMIN


def registration_visibility(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause of :func:`registrations_scope`."""
    if not can_see_approvals(user):
        return sa.false()
    confirmed = Registration.confirmed_at.is_not(None)
    if user.role is Role.ADMIN:
        return confirmed
    if user.role is Role.COORDINATOR:
        return sa.and_(
            confirmed,
            Registration.organization_id.in_(
                sa.select(Organization.id).where(
                    Organization.municipality_id == user.municipality_id
                )
            ),
        )
    return sa.and_(
        confirmed,
        Registration.joins_existing,
        Registration.organization_id == user.organization_id,
    )


def registrations_scope(user: User) -> sa.Select:
    """Registrations ``user`` may see and decide: the query form of
    :func:`can_decide_registration`. The queue narrows it to those awaiting a decision."""
    return sa.select(Registration).where(registration_visibility(user))


def can_decide_registration(user: User, registration: Registration) -> bool:
    if registration.confirmed_at is None or not can_see_approvals(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return registration.organization.municipality_id == user.municipality_id
    return registration.joins_existing and registration.organization_id == user.organization_id
