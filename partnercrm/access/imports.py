"""The Import page (docs/imports.md) is for admins, coordinators and school staff.

A row may concern an organization the user acts for (:func:`~partnercrm.access.base.can_act_for`:
admins any, coordinators their municipality's, school staff their own school); activities,
participants, headcounts, organizations and agreements follow their domain's predicates. The
command line runs without a user and has the whole region in scope.
"""

from __future__ import annotations

from partnercrm.access.activities import can_record_headcount
from partnercrm.access.base import can_act_for
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.kinds import participation_open
from partnercrm.activities.models import Activity
from partnercrm.directory.models import Organization
from partnercrm.imports.registry import import_engine

IMPORT_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.SCHOOL})


def can_use_imports(user: User) -> bool:
    """Has ``user`` the Import page (some kind to import)?"""
    return user.is_authenticated and user.role in IMPORT_ROLES


def can_import(user: User, kind: str) -> bool:
    """Admins and coordinators import every kind (in their scope); school staff the kinds
    registered as open to schools (all but organizations). Each row is then checked against the
    predicates below."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return (
        user.role is Role.SCHOOL
        and user.organization_id is not None
        and import_engine().kind(kind).schools_may_import
    )


def can_import_for(user: User, organization: Organization) -> bool:
    """Rows about ``organization``: its students, participants and headcounts."""
    return user.role in IMPORT_ROLES and can_act_for(user, organization)


def can_import_headcount(user: User, activity: Activity, school: Organization) -> bool:
    """As :func:`can_record_headcount`, and a coordinator's import also counts the schools of
    their municipality at activities organized elsewhere."""
    return can_record_headcount(user, activity, school) or (
        can_import_for(user, school) and participation_open(activity.kind, activity.status)
    )
