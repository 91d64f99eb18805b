"""Профминимум (DESIGN §8, docs/profminimum.md): who sees which hours and who sets a school's
level.

Counts — students, reached, bands — as the indicator reports (:mod:`partnercrm.access.reports`):
admins the region, any municipality and any school; a coordinator their municipality and its
schools; school staff their own school. Names — a class's students with their hours, the
student's own hours, a class export — the own school's staff only, as every student name
(:mod:`partnercrm.access.students`). A school's level for a school year is set by the same
people who see its counts.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import is_admin, roster_school_id
from partnercrm.access.reports import (
    can_report_on_municipality,
    can_report_on_school,
    can_see_reports,
    reportable_schools_scope,
)
from partnercrm.accounts.models import User
from partnercrm.directory.models import Organization


def can_see_hours(user: User) -> bool:
    """Any профминимум summary at all (the menu)."""
    return can_see_reports(user)


def can_see_region_hours(user: User) -> bool:
    """The region's summary by municipality: admins."""
    return is_admin(user)


def can_see_municipality_hours(user: User, municipality_id: int) -> bool:
    """A municipality's summary by school: admins, its coordinator."""
    return can_report_on_municipality(user, municipality_id)


def can_see_school_hours(user: User, school: Organization) -> bool:
    """A school's summary by class (counts): admins, the coordinator of its municipality, its
    own staff."""
    return can_report_on_school(user, school)


def can_see_hours_by_name(user: User, school_id: int) -> bool:
    """The hours of a school's students by name (class table, student page, class export):
    the school's own staff only."""
    own = roster_school_id(user)
    return own is not None and own == school_id


def hours_schools_scope(user: User) -> sa.Select:
    """Schools whose summaries ``user`` sees: the query form of :func:`can_see_school_hours`."""
    return reportable_schools_scope(user)


def named_hours_schools_scope(user: User) -> sa.Select:
    """Schools whose students' hours ``user`` sees by name: the query form of
    :func:`can_see_hours_by_name`."""
    own = roster_school_id(user)
    query = sa.select(Organization)
    return query.where(sa.false()) if own is None else query.where(Organization.id == own)


def can_set_level(user: User, school: Organization) -> bool:
    """May ``user`` set the level of ``school``: its own staff, its municipality's coordinator,
    admins — whoever sees its counts (:func:`can_see_school_hours`; the query form is
    :func:`hours_schools_scope`)."""
    return can_see_school_hours(user, school)
