"""Who sees, creates and changes activities and their participants (docs/activities.md).

Seeing: admins everything; coordinators what is hosted, organized or visited by an organization
of their municipality; every other role what its own organization hosts, organizes, visits
(schools) or presents at (parent meetings); every logged-in user the public activities. An
employer awaiting approval (:func:`~partnercrm.access.base.employer_may_act`) sees the public
ones only, creates none and organizes none.
:func:`can_see_activity` and :func:`activity_visibility` say this for one activity and in SQL.
Creating: the kinds :data:`~partnercrm.activities.kinds.KINDS` gives the role. Changing: whoever
may act as the organizer; deleting, its creator among them (or an admin). Participants: a school
names only its own students; the organizer's side records headcounts per school; names are for
the student's own school only (:mod:`partnercrm.access.students`), and so is a school's trip list
(:func:`trip_list_school_id`).
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import employer_may_act, roster_school_id
from partnercrm.access.students import can_see_participant_names
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.kinds import KINDS, STAFF_ROLES, creatable_kinds, participation_open
from partnercrm.activities.models import Activity, activity_school, parent_meeting_presenter
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind


def creatable_activity_kinds(user: User) -> list[ActivityKind]:
    """The activity kinds ``user`` may create (:data:`KINDS`), in the order of DESIGN §2."""
    return creatable_kinds(user.role) if employer_may_act(user) else []


def can_create_activity(user: User, kind: ActivityKind) -> bool:
    return employer_may_act(user) and user.role in KINDS[kind].creators


def can_choose_organizer(user: User) -> bool:
    """Admins and coordinators pick the organizer (:func:`can_organize_as` says which); every
    other role organizes as its own organization."""
    return user.is_authenticated and user.role in STAFF_ROLES


def hosts_on_own_premises(user: User, kind: ActivityKind) -> bool:
    """Is the user's own organization the host of a new ``kind``, without a choice
    (:attr:`~partnercrm.activities.kinds.KindSpec.own_premises_for`)?"""
    return user.is_authenticated and user.role in KINDS[kind].own_premises_for


def hosts_own_school_camp(user: User) -> bool:
    """School staff log their school's own day camps: the host is their school, unasked."""
    return user.is_authenticated and user.role is Role.SCHOOL


def can_invite_schools(user: User) -> bool:
    """Pick the visiting schools of an activity; school staff visit with their own school."""
    return user.is_authenticated and user.role is not Role.SCHOOL


def can_organize_as(user: User, organizer: Organization | None) -> bool:
    """May ``user`` create or change activities organized by ``organizer``?"""
    if organizer is None or not employer_may_act(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and (
            organizer.municipality_id == user.municipality_id
        )
    return user.organization_id is not None and organizer.id == user.organization_id


def activity_visibility(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause of :func:`activities_scope` (for joins and counts): the public
    activities and those :func:`activity_involvement` gives."""
    if user.is_authenticated and user.role is Role.ADMIN:
        return sa.true()
    return sa.or_(Activity.public.is_(True), activity_involvement(user))


def activity_involvement(user: User) -> sa.ColumnElement[bool]:
    """Activities the user's work involves, public or not (their calendar feed): admins all;
    coordinators those hosted, organized or visited by an organization of their municipality;
    everyone else those their own organization hosts, organizes, visits or presents at; an
    employer awaiting approval none."""
    if not employer_may_act(user):
        return sa.false()
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        local = sa.select(Organization.id).where(
            Organization.municipality_id == user.municipality_id
        )
        return sa.or_(
            Activity.host_id.in_(local),
            Activity.organizer_id.in_(local),
            Activity.id.in_(
                sa.select(activity_school.c.activity_id).where(
                    activity_school.c.school_id.in_(local)
                )
            ),
        )
    organization_id = user.organization_id
    if organization_id is None:
        return sa.false()
    return sa.or_(
        Activity.host_id == organization_id,
        Activity.organizer_id == organization_id,
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(
                activity_school.c.school_id == organization_id
            )
        ),
        Activity.id.in_(
            sa.select(parent_meeting_presenter.c.activity_id).where(
                parent_meeting_presenter.c.organization_id == organization_id
            )
        ),
    )


def activities_scope(user: User) -> sa.Select:
    """Activities ``user`` may see: the query form of :func:`can_see_activity`."""
    return sa.select(Activity).where(activity_visibility(user))


def can_see_activity(user: User, activity: Activity) -> bool:
    if activity.public:
        return True
    if not employer_may_act(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        municipality_id = user.municipality_id
        return municipality_id is not None and any(
            organization.municipality_id == municipality_id
            for organization in (activity.host, activity.organizer, *activity.schools)
        )
    organization_id = user.organization_id
    if organization_id is None:
        return False
    involved = {activity.host_id, activity.organizer_id, *(s.id for s in activity.schools)}
    if activity.parent_meeting is not None:
        involved.update(p.id for p in activity.parent_meeting.presenters)
    return organization_id in involved


def can_edit_activity(user: User, activity: Activity) -> bool:
    """Change the activity itself (fields, plan items, status, visiting schools)."""
    return can_organize_as(user, activity.organizer)


def can_delete_activity(user: User, activity: Activity) -> bool:
    """Delete an activity logged by mistake: its creator, while they may still change it (an
    admin too); one with participants is refused by the service (remove them, or cancel)."""
    if not can_edit_activity(user, activity):
        return False
    return user.role is Role.ADMIN or (
        activity.created_by_id is not None and activity.created_by_id == user.id
    )


def can_name_participants(user: User, activity: Activity) -> bool:
    """Add or remove the user's own school's students (:func:`roster_school_id`) at
    ``activity``."""
    return (
        roster_school_id(user) is not None
        and participation_open(activity.kind, activity.status)
        and can_see_activity(user, activity)
    )


def can_record_any_headcount(user: User, activity: Activity) -> bool:
    """The organizer's side: headcounts of any school at ``activity``."""
    return participation_open(activity.kind, activity.status) and can_edit_activity(user, activity)


def can_record_headcount(user: User, activity: Activity, school: Organization) -> bool:
    if school.kind is not OrganizationKind.SCHOOL or not participation_open(
        activity.kind, activity.status
    ):
        return False
    if can_record_any_headcount(user, activity):
        return True
    return roster_school_id(user) == school.id and can_see_activity(user, activity)


def trip_list_school_id(user: User, activity: Activity) -> int | None:
    """The school whose trip list of ``activity`` ``user`` may print and whose accompanying
    staff they may enter: their own school (the names on it are its own students only,
    :func:`~partnercrm.access.students.can_see_participant_names`), where students take part
    and the user sees the activity; else None."""
    school_id = roster_school_id(user)
    if school_id is None or not KINDS[activity.kind].students_take_part:
        return None
    if not can_see_activity(user, activity) or not can_see_participant_names(user, school_id):
        return None
    return school_id
