"""A school's roster as the activity pages show it: its classes, and its students at one
activity (names are for the school's own staff: the callers check it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from partnercrm.activities.models import Activity, Participation
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.students.models import Student

_CLASS_KEY = re.compile(r"^(\d{1,2})(.{0,5})$")


def class_key(grade: int, letter: str | None) -> str:
    return f"{grade}{letter or ''}"


def school_classes(school_id: int) -> list[tuple[int, str | None]]:
    """(grade, letter) of the school's current students, in class order."""
    letter = sa.func.coalesce(Student.class_letter, "")
    rows = db.session.execute(
        sa.select(Student.grade, letter)
        .where(Student.school_id == school_id, Student.archived_at.is_(None))
        .group_by(Student.grade, letter)
        .order_by(Student.grade, letter)
    ).all()
    return [(grade, letter or None) for grade, letter in rows]


def participant_ids(activity: Activity, school_id: int) -> set[int]:
    """The ids of the school's students named at ``activity``."""
    return set(
        db.session.scalars(
            sa.select(Participation.student_id)
            .join(Student, Student.id == Participation.student_id)
            .where(Participation.activity_id == activity.id, Student.school_id == school_id)
        )
    )


def own_participants(activity: Activity, school_id: int) -> list[Student]:
    return list(
        db.session.scalars(
            sa.select(Student)
            .join(Participation, Participation.student_id == Student.id)
            .where(Participation.activity_id == activity.id, Student.school_id == school_id)
            .order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
        )
    )


@dataclass
class RosterClass:
    key: str
    students: list
    ticked: set


def roster(school: Organization, activity: Activity, only_class: str | None):
    """The school's current students (and any archived ones already taking part), by class;
    and the ids of those taking part."""
    current = participant_ids(activity, school.id)
    query = sa.select(Student).where(
        Student.school_id == school.id,
        sa.or_(Student.archived_at.is_(None), Student.id.in_(current or [0])),
    )
    match = _CLASS_KEY.match(only_class or "")
    if match:
        grade, letter = int(match.group(1)), match.group(2).strip()
        query = query.where(
            Student.grade == grade, sa.func.coalesce(Student.class_letter, "") == letter
        )
    students = db.session.scalars(
        query.order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
    ).all()
    classes: dict[str, RosterClass] = {}
    for student in students:
        key = class_key(student.grade, student.class_letter)
        group = classes.setdefault(key, RosterClass(key, [], set()))
        group.students.append(student)
        if student.id in current:
            group.ticked.add(student.id)
    return list(classes.values()), current
