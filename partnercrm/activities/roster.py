"""A school's roster as the activity pages show it: its classes, and its students at one
activity (names are for the school's own staff: the callers check it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from partnercrm.activities.models import Activity, Participation
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.students.models import Student


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


def _by_class(students, ticked: set[int]) -> list[RosterClass]:
    classes: dict[str, RosterClass] = {}
    for student in students:
        key = class_key(student.grade, student.class_letter)
        group = classes.setdefault(key, RosterClass(key, [], set()))
        group.students.append(student)
        if student.id in ticked:
            group.ticked.add(student.id)
    return list(classes.values())


def _students(school_id: int, also: Collection[int] = ()):
    """The school's current students (and those of ``also``, archived or not), in class order."""
    return db.session.scalars(
        sa.select(Student)
        .where(
            Student.school_id == school_id,
            sa.or_(Student.archived_at.is_(None), Student.id.in_(list(also) or [0])),
        )
        .order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
    ).all()


def roster(school: Organization, activity: Activity):
    """The school's current students (and any archived ones already taking part), every class
    on one page; and the ids of those taking part."""
    current = participant_ids(activity, school.id)
    return _by_class(_students(school.id, current), current), current


def school_roster(school_id: int) -> list[RosterClass]:
    """The school's current students by class (the new activity form: classes and absentees)."""
    return _by_class(_students(school_id), set())


def class_students(school_id: int, keys: set[str], absent: set[int]) -> list[Student]:
    """The current students of the classes ``keys``, but those of ``absent``."""
    return [
        student
        for group in school_roster(school_id)
        if group.key in keys
        for student in group.students
        if student.id not in absent
    ]
