"""Plan items 33–35 of the live roadmap (docs/counting-rules.md): the municipal reports
submitted to the monitoring campaigns of the period's years. Two queries.

Items 34 (analysis) and 35 (recommendations) have no record of their own: they show the
campaign whose results they work on. The numbers are those of the 2020–2022 roadmap's items; a
later programme shows the row under the items that carry them on (``continues``, as
``indicators.roadmap_records`` maps every source's rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from partnercrm.access.monitoring import (
    can_manage_campaigns,
    can_see_municipal_report,
    can_use_monitoring,
)
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality
from partnercrm.indicators.roadmap_records import Figure, Page, Records
from partnercrm.localtime import Period
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import ReportStatus

SOURCE = "municipal_reports"
ITEMS = (33, 34, 35)


@dataclass(frozen=True)
class Campaign:
    id: int
    year: int


def _years(period: Period) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        MonitoringCampaign.year >= period.start.year,
        MonitoringCampaign.year <= period.end.year,
    )


def campaigns_in(session: SessionLike, period: Period) -> list[Campaign]:
    """The monitoring campaigns of the period's years, oldest first."""
    return [
        Campaign(*row)
        for row in session.execute(
            sa.select(MonitoringCampaign.id, MonitoringCampaign.year)
            .where(*_years(period))
            .order_by(MonitoringCampaign.year)
        ).all()
    ]


def submitted_reports(
    session: SessionLike, period: Period, municipality_ids: Sequence[int]
) -> Figure:
    submitted = dict(
        session.execute(
            sa.select(MunicipalReport.municipality_id, sa.func.count())
            .join(MonitoringCampaign, MonitoringCampaign.id == MunicipalReport.campaign_id)
            .where(*_years(period), MunicipalReport.status == ReportStatus.SUBMITTED)
            .group_by(MunicipalReport.municipality_id)
        ).all()
    )
    # A report is one municipality's, so the region is the sum of the municipalities' counts.
    return Figure(
        sum(submitted.values()),
        {
            municipality_id: submitted.get(municipality_id, 0)
            for municipality_id in municipality_ids
        },
    )


def _links(campaigns: list[Campaign]):
    def links(page: Page) -> dict[int | str, str]:
        """The campaign (admins) or the municipality's report in it (its coordinator); the
        monitoring overview when the period spans several campaigns or none."""
        found: dict[int | str, str] = {}
        if len(campaigns) == 1:
            campaign_id = campaigns[0].id
            if can_manage_campaigns(page.user):
                found["region"] = url_for("monitoring.campaign", campaign_id=campaign_id)
            for m in page.municipalities:
                if can_see_municipal_report(page.user, m.id):
                    found[m.id] = url_for(
                        "monitoring.report", campaign_id=campaign_id, municipality_id=m.id
                    )
        elif can_use_monitoring(page.user):
            found["region"] = url_for("monitoring.index")
        return found

    return links


def municipal_reports(
    session: SessionLike,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None,
) -> list[Records]:
    """The roadmap's record source of the monitoring (see ``indicators.roadmap_records``)."""
    campaigns = campaigns_in(session, period)
    if campaigns:
        years = ", ".join(str(campaign.year) for campaign in campaigns)
        label = _l("Municipal reports submitted to the monitoring of %(years)s", years=years)
    else:
        label = _l("Municipal reports submitted (no monitoring campaign in this period)")
    figure = submitted_reports(session, period, [m.id for m in municipalities])
    return [Records(SOURCE, ITEMS, label, figure, _links(campaigns))]
