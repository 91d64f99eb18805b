"""What every domain's access rules stand on: refusing with 403, the role decorator, and the
user's own school, municipality and organization.

Roles and organization kinds are enums (:class:`Role`, :class:`OrganizationKind`); nothing here
or in the domain modules compares them with strings.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind

P = ParamSpec("P")
R = TypeVar("R")

# The staff of one organization: they act for it and nothing else.
ORGANIZATION_STAFF_ROLES = frozenset(
    {Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER}
)


def require(allowed: bool) -> None:
    """Answer 403 unless ``allowed``: the page exists for others, not for this user."""
    if not allowed:
        abort(403)


def permission_required(
    predicate: Callable[[User], bool],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Login required, and ``predicate(current_user)`` must hold (403 otherwise): a page the
    role has no part in."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            require(predicate(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role is Role.ADMIN


def scope_municipality_id(user: User) -> int | None:
    """The municipality a regional role is limited to; None for the whole region."""
    if user.role in (Role.COORDINATOR, Role.EMPLOYMENT_CENTER):
        return user.municipality_id
    return None


def coordinator_municipality_id(user: User) -> int | None:
    """The municipality a coordinator answers for, or None (other roles, or none set)."""
    if not user.is_authenticated or user.role is not Role.COORDINATOR:
        return None
    return user.municipality_id


def coordinates(user: User, *municipality_ids: int | None) -> bool:
    """Is ``user`` the coordinator of one of ``municipality_ids``?"""
    municipality_id = coordinator_municipality_id(user)
    return municipality_id is not None and municipality_id in municipality_ids


def roster_school_id(user: User) -> int | None:
    """The school whose roster ``user`` keeps, or None: school staff attached to a school only."""
    if not user.is_authenticated or user.role is not Role.SCHOOL:
        return None
    organization = user.organization
    if organization is None or organization.kind is not OrganizationKind.SCHOOL:
        return None
    return organization.id


def employer_may_act(user: User) -> bool:
    """False for an employer user whose organization is not approved (pending or declined).

    True for every other logged-in user: this is an extra gate on employer users, not a
    permission — the feature's own checks still decide what the user may do.
    """
    if not user.is_authenticated:
        return False
    if user.role is not Role.EMPLOYER:
        return True
    organization = user.organization
    return organization is not None and organization.approval_state is ApprovalState.APPROVED


def can_act_for(user: User, organization: Organization) -> bool:
    """Does ``user`` act for ``organization``: admins for every one, a coordinator for those of
    their municipality, an organization's staff for their own (agreement parties, import rows);
    an employer awaiting approval for none (:func:`employer_may_act`)."""
    if not employer_may_act(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and (
            organization.municipality_id == user.municipality_id
        )
    return (
        user.role in ORGANIZATION_STAFF_ROLES
        and user.organization_id is not None
        and organization.id == user.organization_id
    )
