"""Профминимум levels (docs/profminimum.md): a school's level for a school year is set by the
school's own staff, the coordinator of its municipality, or the ministry (admins); nobody else,
and only for schools (organizations of the kind ``school``)."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import (
    coordinates,
    coordinator_municipality_id,
    is_admin,
    roster_school_id,
)
from partnercrm.accounts.models import User
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind


def can_set_levels(user: User) -> bool:
    """Has ``user`` the levels page (some school whose level they set)?"""
    return (
        is_admin(user)
        or coordinator_municipality_id(user) is not None
        or roster_school_id(user) is not None
    )


def can_set_level(user: User, school: Organization) -> bool:
    """May ``user`` set the level of ``school``: its own staff, its municipality's coordinator,
    admins."""
    if school.kind is not OrganizationKind.SCHOOL:
        return False
    if is_admin(user) or coordinates(user, school.municipality_id):
        return True
    own = roster_school_id(user)
    return own is not None and own == school.id


def level_schools_scope(user: User) -> sa.Select:
    """The schools whose level ``user`` sets (:func:`can_set_level`)."""
    query = sa.select(Organization).where(Organization.kind == OrganizationKind.SCHOOL)
    if is_admin(user):
        return query
    municipality_id = coordinator_municipality_id(user)
    if municipality_id is not None:
        return query.where(Organization.municipality_id == municipality_id)
    own = roster_school_id(user)
    if own is not None:
        return query.where(Organization.id == own)
    return query.where(sa.false())
