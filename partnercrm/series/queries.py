"""What the series pages read, counted in SQL: present and absent students per session, and
the students of a session's attendance list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from partnercrm.activities.models import Activity, Participation
from partnercrm.database import SessionLike
from partnercrm.series.models import ActivitySeries
from partnercrm.students.models import Student


def class_members(school_id: int, classes) -> sa.Select:
    """The ids of the current students of ``classes`` ((grade, letter) pairs) of the school."""
    letter = sa.func.coalesce(Student.class_letter, "")
    return sa.select(Student.id).where(
        Student.school_id == school_id,
        Student.archived_at.is_(None),
        sa.or_(
            sa.false(),
            *(
                sa.and_(Student.grade == grade, letter == (class_letter or ""))
                for grade, class_letter in classes
            ),
        ),
    )


def series_classes(series: ActivitySeries) -> list[tuple[int, str | None]]:
    return [(row.grade, row.letter or None) for row in series.classes]


@dataclass(frozen=True)
class Attendance:
    present: int
    absent: int


def attendance_by_session(session: SessionLike, series: ActivitySeries) -> dict[int, Attendance]:
    """Per session: its named participants, and the current students of the series' classes
    who are not among them (the absent)."""
    members = class_members(series.school_id, series_classes(series)).subquery()
    member_total = session.scalar(sa.select(sa.func.count()).select_from(members)) or 0
    is_member = Participation.student_id.in_(sa.select(members.c.id))
    rows = session.execute(
        sa.select(
            Activity.id,
            sa.func.count(Participation.id),
            sa.func.coalesce(sa.func.sum(sa.case((is_member, 1), else_=0)), 0),
        )
        .outerjoin(Participation, Participation.activity_id == Activity.id)
        .where(Activity.series_id == series.id)
        .group_by(Activity.id)
    )
    return {
        activity_id: Attendance(present, member_total - present_members)
        for activity_id, present, present_members in rows
    }


def attendance_list(session: SessionLike, series: ActivitySeries, activity: Activity):
    """The current students of the series' classes and the school's other participants of the
    session, in class order; and the ids of those present."""
    present = set(
        session.scalars(
            sa.select(Participation.student_id)
            .join(Student, Student.id == Participation.student_id)
            .where(
                Participation.activity_id == activity.id,
                Student.school_id == series.school_id,
            )
        )
    )
    members = class_members(series.school_id, series_classes(series))
    students = session.scalars(
        sa.select(Student)
        .where(sa.or_(Student.id.in_(members), Student.id.in_(present or {0})))
        .order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
    ).all()
    return students, present
