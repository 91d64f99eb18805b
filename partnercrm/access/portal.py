"""Employer registration (docs/portal.md): who decides a sign-up or a join request.

Employers sign themselves up; their organization stays ``pending`` until a coordinator of its
municipality or an admin approves it, and meanwhile its users may log in but not act for it
(:func:`~partnercrm.access.base.employer_may_act`, the gate every employer feature adds). A
registration is decided by admins (any), a coordinator (those of organizations in their
municipality) and, for a join request, the employer users of the organization once it is
approved. Everyone else gets 404 for a registration. Unconfirmed registrations are nobody's to
see.

Until its organization is approved, an employer opens only its own pages
(:func:`can_open_page`) and corrects its sign-up data (:func:`can_edit_sign_up_data`).
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import employer_may_act
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization
from partnercrm.portal.models import Registration

APPROVAL_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.EMPLOYER})

# The pages an employer awaiting approval (or declined) may open: its dashboard (its state), its
# sign-up data, its account (password, language, logout) and what anonymous visitors see.
# Every other page answers 403 — a page saying that the organization awaits approval.
OPEN_WHILE_AWAITING_APPROVAL = frozenset(
    {
        "static",
        "bootstrap.static",
        "admin.static",
        "web.index",
        "web.health",
        "web.set_language",
        "accounts.login",
        "accounts.logout",
        "accounts.change_password",
        "accounts.accept_invitation",
        "accounts.forgot_password",
        "accounts.reset_password_by_link",
        "dashboard.index",
        "portal.sign_up",
        "portal.confirm",
        "portal.organization_details",
        "offers.public",
        "offers.detail",
        "jobs.board",
        "jobs.board_job",
        "jobs_api.jobs",
        "feeds.public_feed",
        "feeds.private_feed",
    }
)


def can_open_page(user: User, endpoint: str | None) -> bool:
    """May ``user`` open the page of ``endpoint`` at all? Everyone may, except an employer
    awaiting approval: only :data:`OPEN_WHILE_AWAITING_APPROVAL` (each page then asks its own
    predicates, as for everyone)."""
    if not user.is_authenticated or employer_may_act(user):
        return True
    return endpoint in OPEN_WHILE_AWAITING_APPROVAL


def can_edit_sign_up_data(user: User) -> bool:
    """An employer awaiting approval (or declined) corrects what it entered at sign-up: its
    organization's name, address and contacts (not the INN). Once approved, the coordinator
    keeps the directory."""
    return (
        user.is_authenticated
        and user.role is Role.EMPLOYER
        and user.organization is not None
        and not user.organization.admitted
    )


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
