from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.database import Model, UTCDateTime, utcnow
from partnercrm.directory.models import Organization


class Student(Model):
    """A school's student. Names and birth dates are seen only by the school's own staff."""

    __tablename__ = "student"
    __audited__ = True
    # Personal data stays out of the audit trail; the entry says only that it changed.
    __audit_hidden__ = frozenset({"full_name", "birth_date"})
    __table_args__ = (
        sa.UniqueConstraint("school_id", "local_id"),
        sa.CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
        sa.Index("ix_student_school_class", "school_id", "grade", "class_letter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    # The school's own roster id: text, leading zeros kept.
    local_id: Mapped[str] = mapped_column(sa.String(64))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    grade: Mapped[int]
    class_letter: Mapped[str | None] = mapped_column(sa.String(5))
    birth_date: Mapped[date | None]
    ovz: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by retention (operations/services.py): personal data removed, the record kept for
    # counts.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    school: Mapped[Organization] = relationship()

    @property
    def class_name(self) -> str:
        return f"{self.grade}{self.class_letter or ''}"

    def __str__(self) -> str:
        return f"student {self.id}"
