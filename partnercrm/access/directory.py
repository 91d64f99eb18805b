"""Organizations: everyone logged in sees the directory (it holds no personal data); admins
manage every organization, a coordinator those of their municipality."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization


def can_manage_organizations(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def can_manage_organization(user: User, organization: Organization) -> bool:
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.COORDINATOR and organization.municipality_id == user.municipality_id


def can_create_organization_in(user: User, municipality_id: int) -> bool:
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.COORDINATOR and municipality_id == user.municipality_id


def managed_organizations_scope(user: User) -> sa.Select:
    """Organizations ``user`` manages: the query form of :func:`can_manage_organization`."""
    query = sa.select(Organization)
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.COORDINATOR and user.municipality_id is not None:
        return query.where(Organization.municipality_id == user.municipality_id)
    return query.where(sa.false())
