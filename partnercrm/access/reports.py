"""Indicator reports, their drill-down, the live roadmap and indicator exports
(docs/counting-rules.md).

Admins: the region, any municipality, any school. Coordinators: their municipality and its
schools. School staff: their own school. Exports are the ministry's table (the region or one
municipality), so admins and coordinators only. Reports show counts, never student names.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import coordinator_municipality_id, is_admin, roster_school_id
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind


def can_see_reports(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    return roster_school_id(user) is not None


def can_report_on_municipalities(user: User) -> bool:
    """Municipalities' figures and their lists of schools: admins and coordinators (school
    staff see their own school's)."""
    return is_admin(user) or coordinator_municipality_id(user) is not None


def can_choose_report_municipality(user: User) -> bool:
    """Any municipality (or the region) may be chosen: admins. Coordinators see their own."""
    return is_admin(user)


def can_choose_report_school(user: User) -> bool:
    """A school of the municipality may be chosen: admins and coordinators. School staff see
    their own school."""
    return can_report_on_municipalities(user)


def default_report_municipality_id(user: User) -> int | None:
    """The municipality a report is about when none is asked for: a coordinator's own; None
    (the region) for admins."""
    return coordinator_municipality_id(user)


def report_school_id(user: User) -> int | None:
    """The school every report of ``user`` is about: school staff's own; None for the others."""
    return roster_school_id(user)


def can_report_on_municipality(user: User, municipality_id: int) -> bool:
    """A municipality's figures and its list of schools."""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.COORDINATOR
        and user.municipality_id is not None
        and municipality_id == user.municipality_id
    )


def can_report_on_school(user: User, school: Organization) -> bool:
    """A school's figures and the activities behind them (counts only, never names)."""
    if not user.is_authenticated or school.kind is not OrganizationKind.SCHOOL:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and school.municipality_id == user.municipality_id
    return roster_school_id(user) == school.id


def can_use_indicator_export(user: User) -> bool:
    """The export at all: admins and coordinators (school staff do not export)."""
    return can_report_on_municipalities(user)


def can_export_indicators(user: User, municipality_id: int | None) -> bool:
    """The indicator export: the ministry's table of the region (``None``) or of one
    municipality, so admins, and a coordinator for their own municipality."""
    return is_admin(user) or (
        municipality_id is not None and can_report_on_municipality(user, municipality_id)
    )


def reportable_municipalities_scope(user: User) -> sa.Select:
    """Municipalities whose figures ``user`` sees: the query form of
    :func:`can_report_on_municipality`."""
    query = sa.select(Municipality)
    if is_admin(user):
        return query
    own = coordinator_municipality_id(user)
    return query.where(Municipality.id == own) if own is not None else query.where(sa.false())


def reportable_schools_scope(user: User) -> sa.Select:
    """Schools whose figures ``user`` sees: the query form of :func:`can_report_on_school`."""
    query = sa.select(Organization).where(Organization.kind == OrganizationKind.SCHOOL)
    if is_admin(user):
        return query
    own = coordinator_municipality_id(user)
    if own is not None:
        return query.where(Organization.municipality_id == own)
    school_id = roster_school_id(user)
    if school_id is not None:
        return query.where(Organization.id == school_id)
    return query.where(sa.false())
