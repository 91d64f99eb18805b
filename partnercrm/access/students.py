"""Who sees a minor's name — the whole truth, whatever the page (DESIGN §1, 152-FZ).

A student's identity (full name, birth date, ОВЗ status) is seen by:

- the staff of the student's own school — the roster (:func:`students_scope`), and the names of
  their own school's participants at any activity (:func:`can_see_participant_names`);
- for a holiday job application, also the employment center handling the job, and the job's
  employer once the student is hired (``partnercrm.access.jobs.application_visibility``).

Nobody else: admins, coordinators, other schools, hosts and organizers of activities see counts
(named participants and headcounts), never names. Only the own school's staff keep the roster.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import roster_school_id
from partnercrm.accounts.models import User
from partnercrm.students.models import Student


def can_manage_roster(user: User) -> bool:
    """May ``user`` list, add, edit and archive the students of their school?"""
    return roster_school_id(user) is not None


def can_see_student(user: User, student: Student) -> bool:
    """Names and personal data of ``student``: the staff of the student's own school only."""
    school_id = roster_school_id(user)
    return school_id is not None and student.school_id == school_id


def can_manage_student(user: User, student: Student) -> bool:
    return can_see_student(user, student)


def students_scope(user: User) -> sa.Select:
    """Students whose names ``user`` may see: the own school's roster, or nothing."""
    school_id = roster_school_id(user)
    query = sa.select(Student)
    if school_id is None:
        return query.where(sa.false())
    return query.where(Student.school_id == school_id)


def can_see_participant_names(user: User, school_id: int) -> bool:
    """Names of participants from ``school_id``: that school's own staff only (as
    :func:`can_see_student`, for a whole school's participants)."""
    own = roster_school_id(user)
    return own is not None and own == school_id
