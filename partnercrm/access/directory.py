"""Organizations: everyone logged in sees the directory (it holds no personal data); admins
manage every organization, a coordinator those of their municipality.

An employer awaiting approval or declined (not :attr:`~Organization.admitted`) is seen only by
those who manage it — the admins and its municipality's coordinator, who decide on it
(docs/portal.md); to everyone else it is not there until it is approved.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization


def can_see_organization(user: User, organization: Organization) -> bool:
    """The organization in the directory (its list and its page)."""
    return organization.admitted or (
        user.is_authenticated and can_manage_organization(user, organization)
    )


def organization_visibility(user: User) -> sa.SQLColumnExpression[bool]:
    """The WHERE clause of the directory's list: the query form of :func:`can_see_organization`."""
    if not user.is_authenticated:
        return Organization.admitted
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.COORDINATOR and user.municipality_id is not None:
        return sa.or_(Organization.admitted, Organization.municipality_id == user.municipality_id)
    return Organization.admitted


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
