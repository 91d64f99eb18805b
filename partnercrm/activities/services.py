"""Writes about activities and participation. Services flush; the unit of work commits.

Every way in — the forms, the imports, the offers, the demo — obeys the kind's spec
(:data:`~partnercrm.activities.kinds.KINDS`): where it may take place, its details, whether
students take part. Refusals raise :class:`ActivityError` with an English msgid (and the form
field it concerns), which ends the unit of work: nothing of the refused change is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.activities.kinds import (
    KINDS,
    MEETING_WITHOUT_SCHOOL,
    host_refusal,
    participation_open,
)
from partnercrm.activities.models import (
    Activity,
    CampShift,
    Headcount,
    ParentMeeting,
    Participation,
    Presenter,
    TripEscort,
)
from partnercrm.activities.rules import (
    ACTIVITY_DATES,
    HELD_BEFORE_START,
    HOURS_OUT_OF_RANGE,
    NO_GRADE,
    ActivityKind,
    ActivityStatus,
    CampType,
    can_move,
    default_hours,
    held_too_early,
    hours_in_range,
)
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_, Refusals, UserError
from partnercrm.extensions import db
from partnercrm.localtime import start_of_local_day
from partnercrm.plausible import DATE_FORMAT, check_date
from partnercrm.roadmap.models import PlanItem
from partnercrm.roadmap.queries import kind_plan_items, linked_programme, plan_items_of
from partnercrm.students.models import Student
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE


class ActivityError(UserError):
    pass


NOT_ADMITTED = N_("%(name)s is not an approved employer yet.")
NO_HOURS_FOR_PARENTS = N_("Parent meetings give students no hours.")
NO_PROGRAMME = N_("No programme had started by %(day)s: the activity links to no plan items.")


# --- activities ---


@dataclass
class ActivityData:
    kind: ActivityKind
    title: str
    host: Organization
    organizer: Organization
    # Timed: starts_at (aware) and optional ends_at. All-day: first_day and last_day.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    first_day: date | None = None
    last_day: date | None = None
    location: str | None = None
    description: str | None = None
    schools: list[Organization] | None = None
    status: ActivityStatus = ActivityStatus.PLANNED
    public: bool = False
    # Plan item numbers in the programme linked on its date; None: the kind's items there.
    plan_items: list[int] | None = None
    ref: str | None = None
    # A camp shift's type, when it is given with the activity: its host must fit it.
    camp_type: CampType | None = None
    # Профминимум hours (DESIGN §8); None: the default of its duration (rules.default_hours).
    hours: Decimal | None = None


def check_activity(data: ActivityData, activity: Activity | None = None) -> None:
    """Refuse ``data`` (for ``activity``, if it exists) unless it fits its kind's spec (every
    problem at once, :class:`~partnercrm.errors.Refusals`): a title,
    a start, dates within :data:`~partnercrm.activities.rules.ACTIVITY_DATES`, "held" only once
    it has started (:func:`~partnercrm.activities.rules.held_too_early`), visiting
    schools that are schools, a school holding a parent meeting (its organizer or host), a host
    of a kind that may host it — for a camp shift, the host its
    camp type needs (given, or the existing shift's). The imports call it for every row before
    they write anything."""
    refusals = Refusals()
    if not data.title.strip():
        refusals.add(ActivityError("The title is required.", "title"))
    all_day = data.first_day is not None
    if all_day == (data.starts_at is not None):
        refusals.add(ActivityError("Give either a start time or the first and last day."))
    for value, field in (
        (data.first_day, "first_day"),
        (data.last_day, "last_day"),
        (data.starts_at, "day"),
        (data.ends_at, "end"),
    ):
        with refusals.check():
            check_date(value, ACTIVITY_DATES, ActivityError, field)
    if data.first_day is not None and (data.last_day is None or data.last_day < data.first_day):
        refusals.add(ActivityError("The last day must not be before the first day.", "last_day"))
    if data.starts_at is not None and data.ends_at is not None and data.ends_at < data.starts_at:
        refusals.add(ActivityError("The end must not be before the start.", "end"))
    first = start_of_local_day(data.first_day) if data.first_day is not None else None
    starts_at = data.starts_at or first
    if starts_at is not None and held_too_early(data.status, starts_at, utcnow()):
        refusals.add(ActivityError(HELD_BEFORE_START, "status"))
    if data.hours is not None:
        if not KINDS[data.kind].students_take_part:
            refusals.add(ActivityError(NO_HOURS_FOR_PARENTS, "hours"))
        elif not hours_in_range(data.hours):
            refusals.add(ActivityError(HOURS_OUT_OF_RANGE, "hours"))
    if any(school.kind is not OrganizationKind.SCHOOL for school in data.schools or []):
        refusals.add(ActivityError("Only schools can be visiting schools.", "schools"))
    camp_type = data.camp_type
    if camp_type is None and activity is not None and activity.camp_shift is not None:
        camp_type = activity.camp_shift.camp_type
    refusal = host_refusal(data.kind, data.host.kind, camp_type)
    if refusal is not None:
        refusals.add(ActivityError(refusal, "host"))
    if KINDS[data.kind].details == "parent_meeting" and OrganizationKind.SCHOOL not in (
        data.host.kind,
        data.organizer.kind,
    ):
        refusals.add(ActivityError(MEETING_WITHOUT_SCHOOL, "host"))
    for name in ("host", "organizer"):
        current = (getattr(activity, name),) if activity is not None else ()
        with refusals.check():
            check_admitted(getattr(data, name), name, current)
    refusals.raise_any()


def check_admitted(organization: Organization, field: str, current=()) -> None:
    """An employer awaiting approval or declined becomes the host, organizer or presenter of
    nothing (docs/portal.md), whoever asks — a form, an import or an admin. What it already is
    (``current``: before an admin set its approval back) stays."""
    if not organization.admitted and organization not in current:
        raise ActivityError(NOT_ADMITTED, field, name=organization.name)


def plan_items_on(day: date, kind: ActivityKind, numbers: list[int] | None) -> list[PlanItem]:
    """The items numbered ``numbers`` (None: those of ``kind``) of the programme linked on
    ``day`` (:func:`~partnercrm.roadmap.queries.linked_programme`). Before every programme
    there are none, and numbers are refused."""
    programme = linked_programme(db.session, day)
    if programme is None:
        if numbers:
            raise ActivityError(NO_PROGRAMME, "plan_items", day=day.strftime(DATE_FORMAT))
        return []
    if numbers is None:
        return kind_plan_items(programme, kind.value)
    items = plan_items_of(programme, numbers)
    if len(items) != len(set(numbers)):
        raise ActivityError("Unknown roadmap plan item.", "plan_items")
    return items


def create_activity(data: ActivityData, created_by: User | None = None) -> Activity:
    check_activity(data)
    activity = Activity(created_by=created_by)
    _apply_activity(activity, data)
    if KINDS[data.kind].details == "parent_meeting":
        activity.parent_meeting = ParentMeeting()
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: Activity, data: ActivityData) -> None:
    if data.kind is not activity.kind:
        raise ActivityError("The kind of an activity cannot be changed.", "kind")
    if not can_move(activity.status, data.status):
        raise ActivityError("This change of status is not possible.", "status")
    check_activity(data, activity)
    _apply_activity(activity, data)
    db.session.flush()


def _apply_activity(activity: Activity, data: ActivityData) -> None:
    activity.kind = data.kind
    activity.ref = (data.ref or "").strip() or None
    activity.title = data.title.strip()
    activity.description = (data.description or "").strip() or None
    activity.location = (data.location or "").strip() or None
    activity.host, activity.organizer = data.host, data.organizer
    activity.status, activity.public = data.status, data.public
    if data.first_day is not None:
        assert data.last_day is not None, "check_activity requires the last day"
        activity.set_days(data.first_day, data.last_day)
    else:
        assert data.starts_at is not None, "check_activity requires a start"
        activity.set_time(data.starts_at, data.ends_at)
    activity.schools = list(data.schools or [])
    activity.hours = activity_hours(
        data.kind, data.hours, data.starts_at, data.ends_at, data.first_day, data.last_day
    )
    activity.plan_items = plan_items_on(activity.starts_on, data.kind, data.plan_items)


def activity_hours(
    kind: ActivityKind,
    hours: Decimal | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Decimal | None:
    """The hours an activity stores (DESIGN §8): those given, else the default of its times;
    none for a kind students take no part in (parent meetings). The form and the import both."""
    if not KINDS[kind].students_take_part:
        return None
    if hours is not None:
        return hours
    return default_hours(starts_at, ends_at, first_day, last_day)


def participant_total(activity: Activity) -> int:
    """Named participants and headcount rows of ``activity``: what deleting it would lose."""
    named = db.session.scalar(
        sa.select(sa.func.count()).where(Participation.activity_id == activity.id)
    )
    counted = db.session.scalar(
        sa.select(sa.func.count()).where(Headcount.activity_id == activity.id)
    )
    return (named or 0) + (counted or 0)


def delete_activity(activity: Activity) -> None:
    """Delete an activity logged by mistake (the audit trail keeps its entry). One with
    participants is refused: remove them first, or cancel it instead."""
    if participant_total(activity):
        raise ActivityError(
            "This activity has participants: remove them first, or cancel the activity instead."
        )
    db.session.delete(activity)
    db.session.flush()


def set_status(activity: Activity, status: ActivityStatus) -> None:
    if not can_move(activity.status, status):
        raise ActivityError("This change of status is not possible.")
    if held_too_early(status, activity.starts_at, utcnow()):
        raise ActivityError(HELD_BEFORE_START, "status")
    activity.status = status
    db.session.flush()


@dataclass
class PresenterData:
    """A presenting organization and its representative (name and position, if given)."""

    organization: Organization
    name: str | None = None
    position: str | None = None


def set_parent_meeting_details(
    activity: Activity,
    *,
    parents_count: int | None,
    professions: str | None,
    presenters: Sequence[Organization | PresenterData],
) -> None:
    """The parent meeting's details; ``presenters`` replace the meeting's (an organization
    given twice is kept once, with the first representative given)."""
    if KINDS[activity.kind].details != "parent_meeting":
        raise ActivityError("Only a parent meeting has presenters.")
    if parents_count is not None and parents_count < 0:
        raise ActivityError("The number of parents cannot be negative.", "parents_count")
    details = activity.parent_meeting
    if details is None:
        # Set from the activity's side: the cascade adds it to the session (a backref does not).
        details = activity.parent_meeting = ParentMeeting()
    wanted: dict[int, PresenterData] = {}
    for given in presenters:
        presenter = given if isinstance(given, PresenterData) else PresenterData(given)
        check_admitted(presenter.organization, "presenters", details.presenters)
        wanted.setdefault(presenter.organization.id, presenter)
    details.parents_count = parents_count
    details.professions = (professions or "").strip() or None
    details.presenters = [presenter.organization for presenter in wanted.values()]
    db.session.flush()
    # The links exist now; their representatives (an audited update of each row).
    for row in db.session.scalars(
        sa.select(Presenter).where(Presenter.activity_id == details.activity_id)
    ):
        presenter = wanted[row.organization_id]
        row.name = (presenter.name or "").strip() or None
        row.position = (presenter.position or "").strip() or None
    db.session.flush()
    db.session.expire(details, ["presenter_rows"])


def set_camp_shift_details(
    activity: Activity, *, camp_type: CampType, theme: str | None, capacity: int | None
) -> None:
    if KINDS[activity.kind].details != "camp_shift":
        raise ActivityError("Only a camp shift has a camp type.")
    refusal = host_refusal(activity.kind, activity.host.kind, camp_type)
    if refusal is not None:
        raise ActivityError(refusal, "host")
    if capacity is not None and capacity <= 0:
        raise ActivityError("The capacity must be positive.", "capacity")
    details = activity.camp_shift
    if details is None:
        details = activity.camp_shift = CampShift()
    details.camp_type = camp_type
    details.theme = (theme or "").strip() or None
    details.capacity = capacity
    db.session.flush()


# --- participation ---


def _add_visiting_school(activity: Activity, school: Organization) -> None:
    if school.kind is not OrganizationKind.SCHOOL:
        raise ActivityError("Only schools can be visiting schools.")
    if school not in activity.schools:
        activity.schools.append(school)


def _check_participation_open(activity: Activity) -> None:
    if not participation_open(activity.kind, activity.status):
        raise ActivityError(
            "Participants are not recorded at parent meetings or cancelled activities."
        )


def set_named_participants(
    activity: Activity, school: Organization, students: list[Student]
) -> None:
    """Make ``students`` the named participants of ``school`` at ``activity``.

    Other schools' participants are untouched; the school becomes a visiting school.
    """
    _check_participation_open(activity)
    if any(student.school_id != school.id for student in students):
        raise ActivityError("A school can add only its own students.")
    _add_visiting_school(activity, school)
    wanted = {student.id for student in students}
    current = {
        participation.student_id: participation
        for participation in db.session.scalars(
            sa.select(Participation)
            .join(Student, Student.id == Participation.student_id)
            .where(Participation.activity_id == activity.id, Student.school_id == school.id)
        )
    }
    for student_id, participation in current.items():
        if student_id not in wanted:
            db.session.delete(participation)
    for student_id in wanted - current.keys():
        db.session.add(Participation(activity=activity, student_id=student_id))
    db.session.flush()


def set_headcount(
    activity: Activity,
    school: Organization,
    *,
    grade: int | None,
    count: int,
    ovz_count: int = 0,
) -> Headcount | None:
    """Record how many students of ``school`` (of one grade, or none given) took part.

    A count of 0 removes the row. Headcounts are ignored when the school has named participants.
    """
    _check_participation_open(activity)
    grade = NO_GRADE if grade is None else grade
    if grade != NO_GRADE and not MIN_GRADE <= grade <= MAX_GRADE:
        raise ActivityError("The grade must be from 1 to 11.", "grade")
    if count < 0 or not 0 <= ovz_count <= count:
        raise ActivityError(
            "Counts cannot be negative, and students with disabilities are part of the count."
        )
    _add_visiting_school(activity, school)
    row = db.session.scalar(
        sa.select(Headcount).where(
            Headcount.activity_id == activity.id,
            Headcount.school_id == school.id,
            Headcount.grade == grade,
        )
    )
    if count == 0:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return None
    if row is None:
        row = Headcount(activity=activity, school=school, grade=grade)
        db.session.add(row)
    row.count, row.ovz_count = count, ovz_count
    db.session.flush()
    return row


MAX_ESCORT_LENGTH = 2000


def set_trip_escort(activity: Activity, school: Organization, staff: str) -> TripEscort | None:
    """The staff ``school`` sends with its students to ``activity`` (names and positions, one
    per line), printed on its trip list; empty text removes them."""
    _check_participation_open(activity)
    lines = [line.strip() for line in staff.splitlines() if line.strip()]
    text = "\n".join(lines)
    if len(text) > MAX_ESCORT_LENGTH:
        raise ActivityError(
            "The accompanying staff take at most %(max)d characters.",
            "staff",
            max=MAX_ESCORT_LENGTH,
        )
    row = db.session.scalar(
        sa.select(TripEscort).where(
            TripEscort.activity_id == activity.id, TripEscort.school_id == school.id
        )
    )
    if not text:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return None
    if row is None:
        row = TripEscort(activity=activity, school=school)
        db.session.add(row)
    row.staff = text
    db.session.flush()
    return row
