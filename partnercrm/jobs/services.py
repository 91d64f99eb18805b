"""Writes about holiday jobs (plan item 7): postings and their review, applicants, applications
and their status moves. Services flush; the caller's unit of work (a request, the demo, a test)
commits once or rolls back.

Refusals raise :class:`JobError` with an English msgid and its parameters (translated where they
are shown) and the form field they concern. A refusal under the Labour Code raises
:class:`LabourViolations` carrying every violation, each with its article.

Places are taken by a conditional UPDATE (``hired_count < places``) and an application's status
moves by a conditional UPDATE on its current status, so neither concurrent hires of one job nor
two moves of one application can exceed the places; the table's CHECK is the backstop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.database import fold, folded, rowcount, utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.errors import N_, Refusals, UserError
from partnercrm.extensions import db
from partnercrm.jobs import labour
from partnercrm.jobs.models import (
    ApplicationStatusChange,
    HolidayJob,
    JobApplication,
    YoungPerson,
)
from partnercrm.jobs.queries import holiday_periods
from partnercrm.jobs.rules import (
    ALL_WEEKDAYS,
    CHECK_DATES,
    JOB_DATES,
    MAX_BREAK_MINUTES,
    WORKING_DAYS,
    ApplicationStatus,
    JobStatus,
    weekdays,
)
from partnercrm.localtime import local_today
from partnercrm.plausible import check_date
from partnercrm.students.models import Student
from partnercrm.students.rules import BIRTH_DATES

AS = ApplicationStatus
MIN_AGE, MAX_MIN_AGE = 14, 17
MAX_HOURS_PER_DAY, MAX_HOURS_PER_WEEK = Decimal(24), Decimal(168)

# Where an application may go from each status; the others are final. Leaving ``hired`` for
# ``withdrawn`` (the young person left or never started) gives the place back.
TRANSITIONS: dict[ApplicationStatus, tuple[ApplicationStatus, ...]] = {
    AS.APPLIED: (AS.REFERRED, AS.REJECTED, AS.WITHDRAWN),
    AS.REFERRED: (AS.HIRED, AS.REJECTED, AS.WITHDRAWN),
    AS.HIRED: (AS.COMPLETED, AS.WITHDRAWN),
}
# Statuses that hold one of the job's places (``HolidayJob.hired_count``).
HOLDING_PLACE = frozenset({AS.HIRED, AS.COMPLETED})
# Consent and medical examination dates may change until the applicant is hired.
CHECKS_OPEN = frozenset({AS.APPLIED, AS.REFERRED})

NO_PLACES_LEFT = N_("No places are left in this job.")


class JobError(UserError):
    """A refused change; ``field`` names the form field it concerns, if any."""


class LabourViolations(JobError):
    """A refusal under the Labour Code: ``violations`` lists every rule broken."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        violations: Iterable[labour.Violation] = (),
        **params: object,
    ) -> None:
        super().__init__(message, field, **params)
        self.violations = list(violations)


# --- postings ---


@dataclass
class JobData:
    """The fields of a posting as the form gives them (text stripped, empty text as None)."""

    employer: Organization
    title: str
    duties: str
    municipality_id: int
    address: str
    places: int
    min_age: int
    hours_per_day: Decimal
    hours_per_week: Decimal
    shift_starts: time
    shift_ends: time
    first_day: date
    last_day: date
    pay: str | None = None
    not_prohibited_attested: bool = False
    break_minutes: int = 0
    # A bit per ISO weekday, as stored (rules.working_days_mask).
    working_days: int = WORKING_DAYS


# The posting's own columns, as named in JobData (the employer is set as a relationship).
# Changes of time, place or status raise the calendar SEQUENCE by themselves (feeds/sequence.py).
JOB_COLUMNS = tuple(f.name for f in fields(JobData) if f.name != "employer")


def check_job(data: JobData, job: HolidayJob | None = None) -> None:
    """Raise :class:`JobError` for the values the database or common sense refuses, all of them
    at once (:class:`~partnercrm.errors.Refusals`).

    The Labour Code is not checked here: a draft may break it (the page lists what to fix); a
    published job may not (:func:`update_job`, :func:`publish_job`).
    """
    refusals = Refusals()
    employer = data.employer
    if employer.kind is not OrganizationKind.EMPLOYER:
        refusals.add(JobError(N_("Pick an employer."), "employer"))
    elif employer.approval_state is not ApprovalState.APPROVED:
        refusals.add(
            JobError(
                N_("%(name)s is not an approved employer yet."), "employer", name=employer.name
            )
        )
    for name in ("title", "duties", "address"):
        if not (getattr(data, name) or "").strip():
            refusals.add(JobError(N_("This field is required."), name))
    if data.places < 1:
        refusals.add(JobError(N_("A job has at least one place."), "places"))
    elif job is not None and data.places < job.hired_count:
        refusals.add(
            JobError(
                N_(
                    "%(count)s applicants are already hired: the job needs at least as many places."
                ),
                "places",
                count=job.hired_count,
            )
        )
    if not MIN_AGE <= data.min_age <= MAX_MIN_AGE:
        refusals.add(JobError(N_("The minimum age must be from 14 to 17."), "min_age"))
    if not 0 < data.hours_per_day <= MAX_HOURS_PER_DAY:
        refusals.add(
            JobError(N_("Hours per day must be more than 0 and at most 24."), "hours_per_day")
        )
    if not 0 < data.hours_per_week <= MAX_HOURS_PER_WEEK:
        refusals.add(
            JobError(N_("Hours per week must be more than 0 and at most 168."), "hours_per_week")
        )
    if not 0 <= data.break_minutes <= MAX_BREAK_MINUTES or (
        data.shift_starts < data.shift_ends
        and labour.shift_hours(data.shift_starts, data.shift_ends, data.break_minutes) <= 0
    ):
        refusals.add(JobError(N_("The breaks must be shorter than the shift."), "break_minutes"))
    if not 0 < data.working_days <= ALL_WEEKDAYS:
        refusals.add(JobError(N_("Pick the working days."), "working_days"))
    for value, field in ((data.first_day, "first_day"), (data.last_day, "last_day")):
        with refusals.check():
            check_date(value, JOB_DATES, JobError, field)
    if data.last_day < data.first_day:
        refusals.add(JobError(N_("The last day must not be before the first day."), "last_day"))
    refusals.raise_any()


def violations(
    posting: JobData | HolidayJob, holidays: list[tuple[date, date]] | None = None
) -> list[labour.Violation]:
    """What in ``posting`` (a saved job or the form's values) breaks the Labour Code;
    ``holidays``: the school holidays around it, if already read (else they are)."""
    return labour.posting_violations(
        min_age=posting.min_age,
        hours_per_day=posting.hours_per_day,
        hours_per_week=posting.hours_per_week,
        shift_starts=posting.shift_starts,
        shift_ends=posting.shift_ends,
        first_day=posting.first_day,
        last_day=posting.last_day,
        holidays=holiday_periods(db.session, posting.first_day, posting.last_day)
        if holidays is None
        else holidays,
        attested=posting.not_prohibited_attested,
        break_minutes=posting.break_minutes,
        working_days=weekdays(posting.working_days),
    )


def _refuse_unlawful(posting: JobData | HolidayJob) -> None:
    found = violations(posting)
    if found:
        raise LabourViolations(
            N_("The job breaks the Labour Code and cannot be published."), violations=found
        )


def create_job(
    data: JobData, user: User, *, proposed: bool = False, center: Organization | None = None
) -> HolidayJob:
    """A draft posted by the employment center, or a proposal of the employer (``proposed``)."""
    check_job(data)
    job = HolidayJob(
        status=JobStatus.PROPOSED if proposed else JobStatus.DRAFT,
        center=center,
        created_by_id=user.id,
        employer=data.employer,
        **{name: getattr(data, name) for name in JOB_COLUMNS},
    )
    db.session.add(job)
    db.session.flush()
    return job


def update_job(job: HolidayJob, data: JobData) -> None:
    """Change the posting; a published one must keep to the Labour Code."""
    if job.status is JobStatus.CLOSED:
        raise JobError(N_("A closed job can no longer be changed."))
    check_job(data, job)
    if job.status is JobStatus.PUBLISHED:
        _refuse_unlawful(data)
    job.employer = data.employer
    for name in JOB_COLUMNS:
        if getattr(job, name) != getattr(data, name):
            setattr(job, name, getattr(data, name))
    db.session.flush()


def publish_job(job: HolidayJob, user: User, today: date | None = None) -> None:
    """Publish a draft or a proposal that keeps to the Labour Code (every violation is listed
    otherwise); a job without a responsible center gets the publishing user's center."""
    if job.status not in (JobStatus.DRAFT, JobStatus.PROPOSED):
        raise JobError(N_("Only a draft or a proposed job can be published."))
    if job.last_day < (today or local_today()):
        raise JobError(N_("The job's period is over: change the dates first."))
    check_job(data_of(job), job)
    _refuse_unlawful(job)
    if job.center_id is None:
        organization = user.organization
        if organization is not None and organization.kind is OrganizationKind.EMPLOYMENT_CENTER:
            job.center = organization
    job.status = JobStatus.PUBLISHED
    db.session.flush()


def close_job(job: HolidayJob) -> None:
    """Close a job (a proposal: decline it). Its applications stay as they are."""
    if job.status is JobStatus.CLOSED:
        raise JobError(N_("The job is already closed."))
    job.status = JobStatus.CLOSED
    db.session.flush()


def data_of(job: HolidayJob) -> JobData:
    return JobData(employer=job.employer, **{name: getattr(job, name) for name in JOB_COLUMNS})


# --- applicants and applications ---


@dataclass
class YoungPersonData:
    full_name: str
    birth_date: date
    contact: str | None = None
    parent_contact: str | None = None
    is_school_student: bool = True


def _check_applicant(job: HolidayJob, birth_date: date | None, today: date) -> None:
    if job.status is not JobStatus.PUBLISHED:
        raise JobError(N_("Applications are taken for published jobs only."))
    if job.last_day < today:
        raise JobError(N_("The job's period is over."))
    if birth_date is None:
        raise JobError(
            N_(
                "The student's birth date is not in the roster: the age on the job's first day"
                " decides. Add the birth date first."
            ),
            "student",
        )
    found = labour.applicant_violations(birth_date=birth_date, first_day=job.first_day)
    if found:
        raise LabourViolations(N_("The applicant cannot apply for this job."), violations=found)
    # The posting's hours were checked for its minimum age, so younger applicants don't fit.
    age = labour.age_on(birth_date, job.first_day)
    if age < job.min_age:
        raise JobError(
            N_(
                "The job is for applicants from %(min_age)s; the applicant is %(age)s on its"
                " first day."
            ),
            min_age=job.min_age,
            age=age,
        )


def _new_application(
    job: HolidayJob,
    user: User,
    student: Student | None = None,
    young_person: YoungPerson | None = None,
) -> JobApplication:
    if student is not None:
        applicant = JobApplication.student_id == student.id
    else:
        assert young_person is not None, "a student or a young person applies"
        applicant = JobApplication.young_person_id == young_person.id
    taken = db.session.scalar(
        sa.select(JobApplication.id).where(JobApplication.job_id == job.id, applicant)
    )
    if taken is not None:
        raise JobError(N_("This applicant has already applied for this job."))
    application = JobApplication(
        job=job, student=student, young_person=young_person, created_by_id=user.id
    )
    application.history.append(
        ApplicationStatusChange(
            from_status=None, to_status=AS.APPLIED, changed_by_id=user.id, changed_at=utcnow()
        )
    )
    db.session.add(application)
    db.session.flush()
    return application


def apply_for_student(
    job: HolidayJob, student: Student, user: User, today: date | None = None
) -> JobApplication:
    """School staff apply for a student of their roster."""
    if student.archived_at is not None:
        raise JobError(N_("This student has left the school."), "student")
    _check_applicant(job, student.birth_date, today or local_today())
    return _new_application(job, user, student=student)


def apply_for_young_person(
    job: HolidayJob, data: YoungPersonData, user: User, today: date | None = None
) -> JobApplication:
    """The employment center registers a young person (or finds the one it registered with the
    same name and birth date, and updates the contacts) and applies for them."""
    check_date(data.birth_date, BIRTH_DATES, JobError, "birth_date")
    _check_applicant(job, data.birth_date, today or local_today())
    person = register_young_person(data, user.organization, job.municipality_id)
    return _new_application(job, user, young_person=person)


def register_young_person(
    data: YoungPersonData, center: Organization | None, municipality_id: int | None
) -> YoungPerson:
    full_name = " ".join(data.full_name.split())
    if not full_name:
        raise JobError(N_("This field is required."), "full_name")
    check_date(data.birth_date, BIRTH_DATES, JobError, "birth_date")
    center_id = center.id if center is not None else None
    person = db.session.scalars(
        sa.select(YoungPerson)
        .where(
            YoungPerson.registered_by_id.is_(None)
            if center_id is None
            else YoungPerson.registered_by_id == center_id,
            folded(YoungPerson.full_name) == fold(full_name),
            YoungPerson.birth_date == data.birth_date,
            YoungPerson.anonymised_at.is_(None),
        )
        .order_by(YoungPerson.id)
        .limit(1)
    ).first()
    if person is None:
        person = YoungPerson(
            full_name=full_name,
            birth_date=data.birth_date,
            registered_by_id=center_id,
            municipality_id=municipality_id,
        )
        db.session.add(person)
    person.is_school_student = data.is_school_student
    # Keep known contacts when the form leaves them empty this time.
    person.contact = data.contact or person.contact
    person.parent_contact = data.parent_contact or person.parent_contact
    db.session.flush()
    return person


def applicant_birth_date(application: JobApplication) -> date | None:
    applicant = application.student or application.young_person
    return applicant.birth_date if applicant is not None else None


def is_school_student(application: JobApplication) -> bool:
    if application.student is not None:
        return True
    return application.young_person is not None and application.young_person.is_school_student


def hiring_violations(application: JobApplication) -> list[labour.Violation]:
    """What the Labour Code still needs before ``application`` may be hired (a roster entry
    may have lost its birth date since the student applied: that is refused outright)."""
    birth_date = applicant_birth_date(application)
    if birth_date is None:
        raise JobError(N_("The applicant's birth date is unknown: add it to the roster first."))
    return labour.hiring_violations(
        birth_date=birth_date,
        first_day=application.job.first_day,
        is_school_student=is_school_student(application),
        consent_received=application.consent_received_on is not None,
        medical_exam_done=application.medical_exam_on is not None,
    )


def record_checks(
    application: JobApplication,
    consent_received_on: date | None,
    medical_exam_on: date | None,
    today: date | None = None,
) -> None:
    """Record (or correct) the parent's consent and the medical examination before hiring."""
    if application.status not in CHECKS_OPEN:
        raise JobError(
            N_("The consent and the medical examination are fixed once the applicant is hired.")
        )
    today = today or local_today()
    for name, value in (
        ("consent_received_on", consent_received_on),
        ("medical_exam_on", medical_exam_on),
    ):
        if value is not None and value > today:
            raise JobError(N_("The date cannot be in the future."), name)
        check_date(value, CHECK_DATES, JobError, name, today)
    application.consent_received_on = consent_received_on
    application.medical_exam_on = medical_exam_on
    db.session.flush()


def move_application(
    application: JobApplication,
    to_status: ApplicationStatus,
    user: User,
    note: str | None = None,
) -> None:
    """Move ``application`` to ``to_status``, keeping who and when.

    Hiring needs a published job, the Labour Code's checks and a free place; leaving ``hired``
    gives the place back.
    """
    from_status = application.status
    if to_status not in TRANSITIONS.get(from_status, ()):
        raise JobError(N_("This change of status is not possible."))
    job = application.job
    if to_status is AS.HIRED:
        if job.status is not JobStatus.PUBLISHED:
            raise JobError(N_("Applicants are hired for published jobs only."))
        found = hiring_violations(application)
        if found:
            raise LabourViolations(N_("The applicant cannot be hired yet."), violations=found)
    moved = db.session.execute(
        sa.update(JobApplication)
        .where(JobApplication.id == application.id, JobApplication.status == from_status)
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    if rowcount(moved) != 1:
        raise JobError(N_("Someone has changed this application meanwhile. Reload the page."))
    holds, held = to_status in HOLDING_PLACE, from_status in HOLDING_PLACE
    if holds and not held:
        _take_place(job)
    elif held and not holds:
        _give_back_place(job)
    application.history.append(
        ApplicationStatusChange(
            from_status=from_status,
            to_status=to_status,
            note=note,
            changed_by_id=user.id,
            changed_at=utcnow(),
        )
    )
    db.session.flush()
    db.session.expire(application, ["status", "updated_at"])


def _take_place(job: HolidayJob) -> None:
    try:
        taken = db.session.execute(
            sa.update(HolidayJob)
            .where(HolidayJob.id == job.id, HolidayJob.hired_count < HolidayJob.places)
            .values(hired_count=HolidayJob.hired_count + 1)
            .execution_options(synchronize_session=False)
        )
    except sa.exc.IntegrityError as error:  # the CHECK, should the condition ever miss
        raise JobError(NO_PLACES_LEFT) from error
    if rowcount(taken) != 1:
        raise JobError(NO_PLACES_LEFT)
    db.session.expire(job, ["hired_count"])


def _give_back_place(job: HolidayJob) -> None:
    db.session.execute(
        sa.update(HolidayJob)
        .where(HolidayJob.id == job.id, HolidayJob.hired_count > 0)
        .values(hired_count=HolidayJob.hired_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(job, ["hired_count"])
