"""What the series pages read, counted in SQL: present and absent students per session, and
the students of a session's attendance list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.activities.models import Activity, Participation
from partnercrm.series.models import ActivitySeries
from partnercrm.series.services import class_members, series_classes
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Attendance:
    present: int
    absent: int


def attendance_by_session(session: Session, series: ActivitySeries) -> dict[int, Attendance]:
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


def attendance_list(session: Session, series: ActivitySeries, activity: Activity):
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
