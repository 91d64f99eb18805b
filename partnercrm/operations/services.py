"""Retention (152-FZ): personal data of students and young people is removed once it is no
longer needed, while every record that counts stays. Services flush; the caller commits.

A student's clock starts when the school archives the student — the school archives those who
leave, and its graduates at the end of the school year; a young person's at the last day of the
last holiday job applied for, or at registration for one who never applied. A holiday job keeps
its applicant (a student too) until a year after it ends, whatever the archive says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.database import rowcount, utcnow
from partnercrm.extensions import db
from partnercrm.jobs.models import ApplicationStatusChange, HolidayJob, JobApplication, YoungPerson
from partnercrm.localtime import local_date
from partnercrm.students.models import Student


@dataclass(frozen=True)
class RetentionResult:
    students: int
    young_people: int
    dry_run: bool


def _placeholder(id_column) -> sa.ColumnElement[str]:
    # Data, not interface text: the same words for every reader, in the language of the records.
    return sa.literal("Обезличен (№ ") + sa.cast(id_column, sa.String) + sa.literal(")")


def _no_job_since(applicant_column, id_column, last_day) -> sa.ColumnElement[bool]:
    """No application of this applicant for a job that ended on or after ``last_day``."""
    return ~sa.exists().where(
        applicant_column == id_column,
        JobApplication.job_id == HolidayJob.id,
        HolidayJob.last_day >= last_day,
    )


def _students_due(kept_since: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        Student.anonymised_at.is_(None),
        Student.archived_at < kept_since,
        _no_job_since(JobApplication.student_id, Student.id, local_date(kept_since)),
    ]


def _young_people_due(kept_since: datetime) -> list[sa.ColumnElement[bool]]:
    applied = sa.exists().where(JobApplication.young_person_id == YoungPerson.id)
    return [
        YoungPerson.anonymised_at.is_(None),
        _no_job_since(JobApplication.young_person_id, YoungPerson.id, local_date(kept_since)),
        sa.or_(applied, YoungPerson.created_at < kept_since),
    ]


def apply_retention(days: int, dry_run: bool = False) -> RetentionResult:
    """Anonymise everybody past ``days`` of retention (or only count them, ``dry_run``).

    Set-based UPDATEs, so no row is loaded and the trail gets one entry for the run with the
    numbers, instead of one per person. Grade, class, school, the ОВЗ flag, participations and
    applications stay: every count and report gives the same numbers afterwards. Idempotent.
    """
    now = utcnow()
    kept_since = now - timedelta(days=days)
    due = {Student: _students_due(kept_since), YoungPerson: _young_people_due(kept_since)}
    if dry_run:
        counts = {
            model: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
            or 0
            for model, where in due.items()
        }
        return RetentionResult(counts[Student], counts[YoungPerson], dry_run=True)
    students = rowcount(
        db.session.execute(
            sa.update(Student)
            .where(*due[Student])
            .values(
                full_name=_placeholder(Student.id),
                # The school's roster id would lead back to the person in the school's records.
                local_id=sa.literal("обезличен-") + sa.cast(Student.id, sa.String),
                birth_date=None,
                anonymised_at=now,
            )
        )
    )
    young_people = rowcount(
        db.session.execute(
            sa.update(YoungPerson)
            .where(*due[YoungPerson])
            .values(
                full_name=_placeholder(YoungPerson.id),
                birth_date=None,
                contact=None,
                parent_contact=None,
                anonymised_at=now,
            )
        )
    )
    _clear_notes_of_anonymised()
    record(
        AuditAction.UPDATE,
        "retention",
        details={"retention_days": days, "students": students, "young_people": young_people},
    )
    db.session.flush()
    return RetentionResult(students, young_people, dry_run=False)


def _clear_notes_of_anonymised() -> None:
    """Notes on application status changes are free text that may name the applicant or their
    health; the statuses and dates stay."""
    anonymised = (
        sa.select(JobApplication.id)
        .outerjoin(Student, JobApplication.student_id == Student.id)
        .outerjoin(YoungPerson, JobApplication.young_person_id == YoungPerson.id)
        .where(sa.or_(Student.anonymised_at.is_not(None), YoungPerson.anonymised_at.is_not(None)))
    )
    db.session.execute(
        sa.update(ApplicationStatusChange)
        .where(
            ApplicationStatusChange.note.is_not(None),
            ApplicationStatusChange.application_id.in_(anonymised),
        )
        .values(note=None)
    )
