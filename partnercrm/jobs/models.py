from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Municipality, Organization
from partnercrm.jobs.rules import WORKING_DAYS, ApplicationStatus, JobStatus, weekdays
from partnercrm.students.models import Student


class SchoolHoliday(Model):
    """A school holiday period (local dates, inclusive), used by the Labour Code rules."""

    __tablename__ = "school_holiday"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("last_day >= first_day", name="last_after_first"),
        sa.UniqueConstraint("school_year", "first_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "2026/2027"
    school_year: Mapped[str] = mapped_column(sa.String(9), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    first_day: Mapped[date]
    last_day: Mapped[date]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"


class HolidayJob(Model):
    """A temporary job for minors (plan item 7), posted or published by the employment center.

    ``hired_count`` counts the applications in ``hired`` or ``completed``; it changes only by a
    conditional UPDATE (jobs/services.py), with the CHECK as backstop, so hires never exceed
    places.
    """

    __tablename__ = "holiday_job"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("places > 0", name="places_positive"),
        sa.CheckConstraint(
            "hired_count >= 0 AND hired_count <= places", name="hired_within_places"
        ),
        sa.CheckConstraint("min_age BETWEEN 14 AND 17", name="min_age_range"),
        sa.CheckConstraint("last_day >= first_day", name="last_after_first"),
        sa.CheckConstraint("hours_per_day > 0 AND hours_per_week > 0", name="hours_positive"),
        sa.CheckConstraint("break_minutes >= 0", name="break_minutes_positive"),
        sa.CheckConstraint("working_days BETWEEN 1 AND 127", name="working_days_range"),
        sa.Index("ix_holiday_job_status_first_day", "status", "first_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    # The employment center responsible for the posting.
    center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    duties: Mapped[str] = mapped_column(sa.Text)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(500))
    places: Mapped[int]
    hired_count: Mapped[int] = mapped_column(default=0)
    min_age: Mapped[int]
    hours_per_day: Mapped[Decimal] = mapped_column(sa.Numeric(3, 1))
    hours_per_week: Mapped[Decimal] = mapped_column(sa.Numeric(4, 1))
    # The daily shift window, local time.
    shift_starts: Mapped[time]
    shift_ends: Mapped[time]
    # Breaks within the shift, in minutes: not working time (art. 108).
    break_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    # The ISO weekdays of work, a bit each (Monday 1 … Sunday 64): 31 is Monday to Friday.
    working_days: Mapped[int] = mapped_column(
        default=WORKING_DAYS, server_default=str(WORKING_DAYS)
    )
    first_day: Mapped[date]
    last_day: Mapped[date] = mapped_column(index=True)
    pay: Mapped[str | None] = mapped_column(sa.String(200))
    # The poster attests the work is not on the list of work prohibited for minors.
    not_prohibited_attested: Mapped[bool] = mapped_column(default=False)
    # Raised when time, place or status change (calendar feeds).
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    employer: Mapped[Organization] = relationship(foreign_keys=[employer_id])
    center: Mapped[Organization | None] = relationship(foreign_keys=[center_id])
    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User | None] = relationship()
    applications: Mapped[list[JobApplication]] = relationship(back_populates="job")

    @property
    def free_places(self) -> int:
        return self.places - self.hired_count

    @property
    def weekdays(self) -> frozenset[int]:
        return weekdays(self.working_days)

    def __str__(self) -> str:
        return self.title


class YoungPerson(Model):
    """An applicant registered by the employment center who is not on a school roster here."""

    __tablename__ = "young_person"
    __audited__ = True
    __audit_hidden__ = frozenset({"full_name", "birth_date", "contact", "parent_contact"})

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # Required at registration; cleared only by retention (anonymised_at).
    birth_date: Mapped[date | None]
    contact: Mapped[str | None] = mapped_column(sa.String(300))
    parent_contact: Mapped[str | None] = mapped_column(sa.String(300))
    # Attends a school full-time (parental consent at 14–15, DESIGN §3.3).
    is_school_student: Mapped[bool] = mapped_column(default=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    registered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    # Set by retention: personal data removed, the record kept for counts.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality | None] = relationship()

    def __str__(self) -> str:
        return f"young person {self.id}"


class JobApplication(Model):
    """An application of a student or a registered young person for a holiday job."""

    __tablename__ = "job_application"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(
            "(student_id IS NULL) <> (young_person_id IS NULL)", name="one_applicant"
        ),
        sa.UniqueConstraint("job_id", "student_id"),
        sa.UniqueConstraint("job_id", "young_person_id"),
        sa.Index("ix_job_application_job_status", "job_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("holiday_job.id"))
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey("student.id"), index=True)
    young_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("young_person.id"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.APPLIED
    )
    # Written consent of a parent (or the guardianship body), needed at 14–15 before hiring.
    consent_received_on: Mapped[date | None]
    # The medical examination (art. 266), needed before hiring.
    medical_exam_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    job: Mapped[HolidayJob] = relationship(back_populates="applications")
    student: Mapped[Student | None] = relationship()
    young_person: Mapped[YoungPerson | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    history: Mapped[list[ApplicationStatusChange]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationStatusChange.id",
    )

    def __str__(self) -> str:
        return f"application {self.id}"


class ApplicationStatusChange(Model):
    """Who moved an application to which status, and when (kept for every change)."""

    __tablename__ = "application_status_change"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_application.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(
        str_enum(ApplicationStatus, "from_status")
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus, "to_status"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[JobApplication] = relationship(back_populates="history")
    changed_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"status change {self.id}"
