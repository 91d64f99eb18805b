from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus, CampType
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Organization
from partnercrm.localtime import local_date, start_of_local_day
from partnercrm.roadmap.models import PlanItem
from partnercrm.students.models import Student

activity_school = sa.Table(
    "activity_school",
    Model.metadata,
    sa.Column("activity_id", sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("school_id", sa.ForeignKey("organization.id"), primary_key=True, index=True),
)

activity_plan_item = sa.Table(
    "activity_plan_item",
    Model.metadata,
    sa.Column("activity_id", sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("plan_item_id", sa.ForeignKey("plan_item.id"), primary_key=True, index=True),
)


class Presenter(Model):
    """An organization presenting at a parent meeting, with its representative's name and
    position (issue #15): «ООО Янтарь — Иванов И. И., главный инженер»."""

    __tablename__ = "parent_meeting_presenter"
    __audited__ = True

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("parent_meeting.activity_id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id"), primary_key=True, index=True
    )
    name: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[str | None] = mapped_column(sa.String(200))

    # Read only: the links are written through ParentMeeting.presenters.
    organization: Mapped[Organization] = relationship(viewonly=True)

    def __str__(self) -> str:
        return f"presenter {self.activity_id}/{self.organization_id}"


# The link table, for the access rules' SQL.
parent_meeting_presenter = Presenter.__table__


class Activity(Model):
    """A career-guidance event. Timed, or all-day over one or more local days (camp shifts)."""

    __tablename__ = "activity"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_on_after_start"),
        sa.CheckConstraint("NOT all_day OR ends_on IS NOT NULL", name="all_day_has_last_day"),
        sa.CheckConstraint("hours > 0 AND hours <= 100", name="hours_range"),
        # Indicator queries filter held activities by local start date.
        sa.Index("ix_activity_status_starts_on", "status", "starts_on"),
        # Lists show the newest first (starts_at, then id, descending): the first page is read
        # from the index instead of sorting every visible activity.
        sa.Index("ix_activity_starts_at", "starts_at", "id"),
        # Calendar feeds: the latest activities gone from feeds by their date (docs/feeds.md).
        sa.Index("ix_activity_ends_on_starts_on", "ends_on", "starts_on", "status"),
        sa.Index("ix_activity_status_ends_on", "status", "ends_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # External key used by imports; activities made in the interface may have none.
    ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # For all-day activities: local midnight of the first day.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(default=False)
    # The local date of the start, kept with starts_at: what periods and indicators filter on.
    starts_on: Mapped[date] = mapped_column(index=True)
    # All-day activities: the last day, inclusive.
    ends_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(sa.String(500))
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    status: Mapped[ActivityStatus] = mapped_column(
        str_enum(ActivityStatus, "activity_status"), default=ActivityStatus.PLANNED
    )
    public: Mapped[bool] = mapped_column(default=False)
    # Профминимум hours each named participant gets (DESIGN §8); None for parent meetings.
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    # The cooperation agreement this activity was carried out under, if any.
    agreement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agreement.id", ondelete="SET NULL"), index=True
    )
    # The weekly series this activity is a session of (partnercrm/series), if any.
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity_series.id", ondelete="SET NULL"), index=True
    )
    # Raised when time, place or status change, so calendar clients update the event (RFC 5545).
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    created_by: Mapped[User | None] = relationship()
    host: Mapped[Organization] = relationship(foreign_keys=[host_id])
    organizer: Mapped[Organization] = relationship(foreign_keys=[organizer_id])
    schools: Mapped[list[Organization]] = relationship(secondary=activity_school)
    plan_items: Mapped[list[PlanItem]] = relationship(
        secondary=activity_plan_item, order_by=PlanItem.number
    )
    parent_meeting: Mapped[ParentMeeting | None] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )
    camp_shift: Mapped[CampShift | None] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )
    participations: Mapped[list[Participation]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", passive_deletes=True
    )
    headcounts: Mapped[list[Headcount]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", passive_deletes=True
    )
    escorts: Mapped[list[TripEscort]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_time(self, starts_at: datetime, ends_at: datetime | None = None) -> None:
        """A timed activity (aware datetimes)."""
        self.all_day = False
        self.starts_at, self.ends_at = starts_at, ends_at
        self.starts_on, self.ends_on = local_date(starts_at), None

    def set_days(self, first: date, last: date) -> None:
        """An all-day activity from ``first`` to ``last`` (local dates, inclusive)."""
        self.all_day = True
        self.starts_at, self.ends_at = start_of_local_day(first), None
        self.starts_on, self.ends_on = first, last

    def __str__(self) -> str:
        return self.title


class ParentMeeting(Model):
    """What a parent meeting adds: who presented, how many parents came, which professions."""

    __tablename__ = "parent_meeting"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("parents_count IS NULL OR parents_count >= 0", name="parents_count"),
    )

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    parents_count: Mapped[int | None]
    professions: Mapped[str | None] = mapped_column(sa.Text)

    activity: Mapped[Activity] = relationship(back_populates="parent_meeting")
    # The presenting organizations (the links); their representatives are on presenter_rows,
    # read only (services.set_parent_meeting_details writes both).
    presenters: Mapped[list[Organization]] = relationship(secondary="parent_meeting_presenter")
    presenter_rows: Mapped[list[Presenter]] = relationship(
        viewonly=True, order_by=Presenter.organization_id
    )

    def __str__(self) -> str:
        return f"parent meeting {self.activity_id}"


class CampShift(Model):
    __tablename__ = "camp_shift"
    __audited__ = True
    __table_args__ = (sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),)

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    camp_type: Mapped[CampType] = mapped_column(str_enum(CampType, "camp_type"))
    theme: Mapped[str | None] = mapped_column(sa.String(300))
    capacity: Mapped[int | None]

    activity: Mapped[Activity] = relationship(back_populates="camp_shift")

    def __str__(self) -> str:
        return f"camp shift {self.activity_id}"


class Participation(Model):
    """A named participant: one student at one activity, at most once."""

    __tablename__ = "participation"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("activity_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="participations")
    student: Mapped[Student] = relationship()

    def __str__(self) -> str:
        return f"participation {self.activity_id}/{self.student_id}"


class Headcount(Model):
    """Participants counted without names, per school and grade (0: grade not given).

    Ignored by every count when the same school has named participants at the activity.
    """

    __tablename__ = "headcount"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "school_id", "grade"),
        sa.CheckConstraint(f"grade BETWEEN {NO_GRADE} AND 11", name="grade_range"),
        sa.CheckConstraint("count >= 0", name="count_not_negative"),
        sa.CheckConstraint("ovz_count >= 0 AND ovz_count <= count", name="ovz_within_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    grade: Mapped[int] = mapped_column(default=NO_GRADE)
    count: Mapped[int]
    ovz_count: Mapped[int] = mapped_column(default=0)

    activity: Mapped[Activity] = relationship(back_populates="headcounts")
    school: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"headcount {self.activity_id}/{self.school_id}/{self.grade}"


class TripEscort(Model):
    """The staff a school sends with its students to an activity, for the school's trip list
    (names and positions, one per line)."""

    __tablename__ = "trip_escort"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("activity_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    staff: Mapped[str] = mapped_column(sa.Text)

    activity: Mapped[Activity] = relationship(back_populates="escorts")
    school: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"trip escort {self.activity_id}/{self.school_id}"


# --- counters (issue #18): kept by activities/counters.py in the transaction of every change ---
# What the admin's and the coordinator's dashboards count of this year's held activities.
# ``municipality_id`` is the scope: a municipality (an activity counts in those of its host, its
# organizer and its visiting schools) or 0, the whole region. Derived data: no audit, and no
# foreign key to the student, for the reason indicators/models.py gives for its student months.


class ParticipantYear(Model):
    """The first day in a calendar year (or a school year, from 1 September) on which a
    student was a named participant of a held activity of the scope (none: no row). The
    students who took part from the year's start to a day are the rows up to that day."""

    __tablename__ = "participant_year"
    __table_args__ = (
        sa.Index("ix_participant_year_scope", "school_year", "year", "municipality_id", "first_on"),
    )

    student_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    school_year: Mapped[bool] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    municipality_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_on: Mapped[date]


class HeadcountDay(Model):
    """A school's headcounts that count (where it named nobody) at the held activities of the
    scope on one day."""

    __tablename__ = "headcount_day"
    __table_args__ = (sa.Index("ix_headcount_day_scope", "municipality_id", "starts_on", "count"),)

    school_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    starts_on: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int]
