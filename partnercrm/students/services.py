"""Writes about students. Services flush; the unit of work commits.

Refusals raise :class:`StudentError` with an English msgid and the form field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.plausible import check_date
from partnercrm.students.models import Student
from partnercrm.students.rules import BIRTH_DATES, MAX_GRADE, MIN_GRADE, normalise_class_letter

DUPLICATE_LOCAL_ID = N_("The school already has a student with this roster id.")


class StudentError(UserError):
    pass


@dataclass
class StudentData:
    local_id: str
    full_name: str
    grade: int
    class_letter: str | None = None
    birth_date: date | None = None
    ovz: bool = False


def _check_student(school: Organization, data: StudentData) -> None:
    if school.kind is not OrganizationKind.SCHOOL:
        raise StudentError("Students belong to schools only.")
    if not data.local_id.strip() or not data.full_name.strip():
        raise StudentError("The roster id and the full name are required.")
    if not MIN_GRADE <= data.grade <= MAX_GRADE:
        raise StudentError("The grade must be from 1 to 11.", "grade")
    check_date(data.birth_date, BIRTH_DATES, StudentError, "birth_date")


def find_student(school: Organization, local_id: str) -> Student | None:
    return db.session.scalar(
        sa.select(Student).where(Student.school_id == school.id, Student.local_id == local_id)
    )


def create_student(school: Organization, data: StudentData) -> Student:
    _check_student(school, data)
    if find_student(school, data.local_id.strip()) is not None:
        raise StudentError(DUPLICATE_LOCAL_ID, "local_id")
    student = Student(school=school)
    _apply_student(student, data)
    db.session.add(student)
    _flush()
    return student


def update_student(student: Student, data: StudentData) -> None:
    _check_student(student.school, data)
    other = find_student(student.school, data.local_id.strip())
    if other is not None and other.id != student.id:
        raise StudentError(DUPLICATE_LOCAL_ID, "local_id")
    _apply_student(student, data)
    _flush()


def _flush() -> None:
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        # Another request took the roster id between the check above and this write.
        raise StudentError(DUPLICATE_LOCAL_ID, "local_id") from error


def _apply_student(student: Student, data: StudentData) -> None:
    student.local_id = data.local_id.strip()
    student.full_name = " ".join(data.full_name.split())
    student.grade = data.grade
    student.class_letter = normalise_class_letter(data.class_letter)
    student.birth_date = data.birth_date
    student.ovz = data.ovz


def set_archived(student: Student, archived: bool) -> None:
    """Archived students leave the roster lists; their past participation still counts."""
    student.archived_at = utcnow() if archived else None
    db.session.flush()
