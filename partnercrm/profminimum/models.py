from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.database import Model, str_enum
from partnercrm.directory.models import Organization
from partnercrm.profminimum.rules import Level


class ProfminimumLevel(Model):
    """The профминимум level a school chose for a school year (DESIGN §8). No row: basic."""

    __tablename__ = "profminimum_level"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("school_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    # The year the school year starts in: 2025 is 2025/26.
    school_year: Mapped[int]
    level: Mapped[Level] = mapped_column(str_enum(Level, "profminimum_level"))

    school: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"profminimum level {self.school_id}/{self.school_year}"


# --- counters (issue #18): kept by profminimum/counters.py in the transaction of every change ---
# A school year is the year it starts in. Derived data: no audit. What depends on the roster
# (the school's kind and municipality, archived, grade) is read with the figures.


class StudentHoursCount(Model):
    """A student's hours in a school year: the sum of the hours of the held activities of
    that year where they are a named participant (students with none have no row)."""

    __tablename__ = "profminimum_student_hours"

    student_id: Mapped[int] = mapped_column(
        sa.ForeignKey("student.id", ondelete="CASCADE"), primary_key=True
    )
    school_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))


class HeadcountHoursCount(Model):
    """A school's student-hours without names in a school year: its headcount rows that
    count (grade 6–11 or none given, where it named nobody), times their activity's hours."""

    __tablename__ = "profminimum_headcount_hours"

    school_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    school_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(9, 2))
