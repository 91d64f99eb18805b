"""Users: who manages whose account (docs/architecture.md, accounts).

Admins manage every account and give every role. A coordinator manages the accounts of the
organizations of their municipality — school, college, employer and employment center staff —
and never makes admins or coordinators; an employment center user limited to the coordinator's
municipality only (without one it would see the whole region). Nobody else manages accounts.
:func:`can_manage_user` and :func:`users_scope` say the same for one user and for a query.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization

# Roles a coordinator may give; admins and coordinators are made by admins only.
COORDINATOR_GRANTABLE_ROLES = frozenset(
    {Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER}
)


def can_manage_users(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def must_limit_employment_centers(user: User) -> bool:
    """Must an employment center's user that ``user`` makes be limited to ``user``'s
    municipality? Coordinators: without one the center's user would see the whole region."""
    return user.role is Role.COORDINATOR


def grantable_roles(user: User) -> list[Role]:
    if user.role is Role.ADMIN:
        return list(Role)
    if user.role is Role.COORDINATOR:
        return [role for role in Role if role in COORDINATOR_GRANTABLE_ROLES]
    return []


def can_give_access(
    actor: User, role: Role, organization: Organization | None, municipality_id: int | None
) -> bool:
    """May ``actor`` create (or edit into) a user with this role and attachment?

    Whether the attachment fits the role is the services' question; this is about scope only.
    """
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.COORDINATOR or role not in COORDINATOR_GRANTABLE_ROLES:
        return False
    if organization is not None and organization.municipality_id != actor.municipality_id:
        return False
    if role is Role.EMPLOYMENT_CENTER:
        # Without a municipality the center's user would see the whole region.
        return municipality_id == actor.municipality_id
    return municipality_id in (None, actor.municipality_id)


def can_manage_user(actor: User, target: User) -> bool:
    if actor.role is Role.ADMIN:
        return True
    return target.organization is not None and can_give_access(
        actor, target.role, target.organization, target.municipality_id
    )


def users_scope(actor: User) -> sa.Select:
    """Users ``actor`` may list and manage: the query form of :func:`can_manage_user`."""
    query = sa.select(User)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.join(User.organization).where(
            Organization.municipality_id == actor.municipality_id,
            User.role.in_(COORDINATOR_GRANTABLE_ROLES),
            sa.or_(
                User.municipality_id == actor.municipality_id,
                sa.and_(User.municipality_id.is_(None), User.role != Role.EMPLOYMENT_CENTER),
            ),
        )
    return query.where(sa.false())


def assignable_organizations_scope(actor: User) -> sa.Select:
    """Organizations ``actor`` may attach users to."""
    query = sa.select(Organization)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.where(Organization.municipality_id == actor.municipality_id)
    return query.where(sa.false())


def assignable_municipalities_scope(actor: User) -> sa.Select:
    """Municipalities ``actor`` may limit users to."""
    query = sa.select(Municipality)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.where(Municipality.id == actor.municipality_id)
    return query.where(sa.false())
