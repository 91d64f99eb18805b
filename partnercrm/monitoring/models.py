from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Municipality
from partnercrm.monitoring.rules import CampaignStatus, ReportStatus
from partnercrm.roadmap.models import Programme


class MonitoringCampaign(Model):
    """The ministry's collection of a year's indicator values from the municipalities, by the
    indicators of one programme, fixed when the campaign opens (docs/monitoring.md): the frozen
    values are keyed by that programme's indicator numbers."""

    __tablename__ = "monitoring_campaign"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"))
    deadline: Mapped[date]
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.OPEN
    )
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()
    reports: Mapped[list[MunicipalReport]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"monitoring {self.year}"


class MunicipalReport(Model):
    """A municipality's submission: the values as computed when it was submitted, frozen."""

    __tablename__ = "municipal_report"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("campaign_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("monitoring_campaign.id", ondelete="CASCADE")
    )
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_status"))
    # {"2": {"value": 34, "named": 4, "headcount": 30}, …} as computed at submission, keyed by
    # the numbers of the campaign's programme's indicators.
    frozen_values: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the ministry last returned it; the next return overwrites it.
    return_reason: Mapped[str | None] = mapped_column(sa.Text)

    campaign: Mapped[MonitoringCampaign] = relationship(back_populates="reports")
    municipality: Mapped[Municipality] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    def __str__(self) -> str:
        return f"report {self.campaign_id}/{self.municipality_id}"
