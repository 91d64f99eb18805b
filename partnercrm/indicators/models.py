from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.database import Model, UTCDateTime, utcnow
from partnercrm.directory.models import Municipality
from partnercrm.roadmap.models import Indicator


class MunicipalPlan(Model):
    """A municipality's approved career-guidance plan or programme for a year (what a
    ``municipal_plans`` rule counts; the roadmap's indicator 1)."""

    __tablename__ = "municipal_plan"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("municipality_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    year: Mapped[int]
    approved_on: Mapped[date]
    title: Mapped[str | None] = mapped_column(sa.String(500))
    # A server-made file name under instance/uploads/; None until a PDF is attached.
    document: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        return f"municipal plan {self.municipality_id}/{self.year}"


class IndicatorValue(Model):
    """A yearly value of a ``manual`` indicator, entered by the ministry: a number or yes/no."""

    __tablename__ = "indicator_value"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("indicator_id", "year"),
        sa.CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"))
    year: Mapped[int]
    # Indicator 7 ("да/нет") stores 1 or 0.
    value: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    indicator: Mapped[Indicator] = relationship()
    entered_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"indicator value {self.indicator_id}/{self.year}"


# --- counters (issue #18): kept by indicators/counters.py in the transaction of every change ---
# A month is the integer YYYYMM of an activity's local start date. Derived data: no audit, no
# foreign key to the school (a student's school is copied so that reads need no student row).
# The student month rows have no foreign keys at all: an import writes tens of thousands of
# them, and PostgreSQL checks a key row by row (0.28 s of an import's 20,000 participations).
# A student or indicator deleted through the app is marked and its rows recounted away
# (activities/changes.py); ``partnercrm counters verify`` finds rows left by a deletion made
# behind the app's back, and ``rebuild`` removes them.


class StudentMonthCount(Model):
    """A student counted by a ``students`` indicator in a month: a held activity of that
    month counts them (their school and grade as they are now; the school's kind and
    municipality are read with the figures)."""

    __tablename__ = "indicator_student_month"
    __table_args__ = (
        sa.Index("ix_indicator_student_month_school", "indicator_id", "school_id", "month"),
        sa.Index("ix_indicator_student_month_month", "indicator_id", "month"),
    )

    indicator_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    student_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    school_id: Mapped[int]
    grade: Mapped[int]


# The month rows an addition of participations writes (``counters._add_participations``), each
# with whether it is its student's first of the year: found once, then read twice (what they
# add to the school summaries, and the rows themselves), and deleted before the settling ends.
# Settling is one transaction at a time (an advisory lock on PostgreSQL, the one writer on
# SQLite), so no other transaction ever sees a row here. A table of the schema rather than a
# temporary one: creating one needs a privilege a hardened database may withhold.
student_months_added = sa.Table(
    "indicator_student_month_added",
    Model.metadata,
    *(
        sa.Column(name, sa.Integer, nullable=False)
        for name in ("indicator_id", "student_id", "month", "school_id", "grade", "new_in_year")
    ),
)


class SchoolMonthCount(Model):
    """The distinct students of a school and grade counted by an indicator in a month."""

    __tablename__ = "indicator_school_month"

    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    school_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grade: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    students: Mapped[int]


class SchoolYearCount(Model):
    """The distinct students of a school and grade counted by an indicator in a calendar
    year (a student counted in several months once)."""

    __tablename__ = "indicator_school_year"

    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    school_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grade: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    students: Mapped[int]


class HeadcountMonthCount(Model):
    """What the headcount rows of a school and grade (0: none given) add to an indicator in
    a month: rows of activities it counts where the school named nobody."""

    __tablename__ = "indicator_headcount_month"

    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    school_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    grade: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[int]
