from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.activities.rules import ActivityKind
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Organization


class ActivitySeries(Model):
    """A weekly series of a school's classes («Россия — мои горизонты», Thursdays): its sessions
    are ordinary activities (``Activity.series_id``), so reports, feeds and trip lists see them;
    the series keeps what made them, and what a change of it applies to the future ones."""

    __tablename__ = "activity_series"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        sa.CheckConstraint("length_minutes > 0 AND length_minutes <= 720", name="length_range"),
        sa.CheckConstraint("hours > 0 AND hours <= 100", name="hours_range"),
        sa.CheckConstraint(
            "(last_date IS NULL) <> (session_count IS NULL)", name="last_date_or_count"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"))
    # The organizing school: its staff keep the series, its classes take part.
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    # ISO weekday: Monday 1 … Sunday 7.
    weekday: Mapped[int]
    first_date: Mapped[date]
    # One of the two: the last date, or the number of sessions.
    last_date: Mapped[date | None]
    session_count: Mapped[int | None]
    # Local (Kaliningrad) time of each session's start.
    starts_at: Mapped[time] = mapped_column(sa.Time)
    length_minutes: Mapped[int]
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[Organization] = relationship(foreign_keys=[school_id])
    host: Mapped[Organization] = relationship(foreign_keys=[host_id])
    created_by: Mapped[User | None] = relationship()
    classes: Mapped[list[SeriesClass]] = relationship(
        cascade="all, delete-orphan",
        order_by="(SeriesClass.grade, SeriesClass.letter)",
        back_populates="series",
    )

    def __str__(self) -> str:
        return self.title


class SeriesClass(Model):
    """A class of the organizing school taking part: its grade and letter ('' for none)."""

    __tablename__ = "activity_series_class"
    __audited__ = True

    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity_series.id", ondelete="CASCADE"), primary_key=True
    )
    grade: Mapped[int] = mapped_column(primary_key=True)
    letter: Mapped[str] = mapped_column(sa.String(5), primary_key=True, default="")

    series: Mapped[ActivitySeries] = relationship(back_populates="classes")

    def __str__(self) -> str:
        return f"series class {self.series_id}/{self.grade}{self.letter}"
