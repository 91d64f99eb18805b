"""Plan items the live roadmap counts from records other than activities (no Flask;
docs/counting-rules.md, "What the live roadmap counts"):

- 4, cooperation agreements: agreements in force during the period with a party in the scope;
- 7, temporary jobs for minors: the places of the published and closed holiday jobs overlapping
  the period and the hires for them, as the plan item 7 report counts them (jobs/report.py);
- 33–35, monitoring: the municipal reports submitted to the campaigns of the period's years.

These figures are shown beside the activities linked to the same items
(``reports.roadmap_counts``), never added to them. Offers have no figure here: a confirmed
booking is already a planned excursion (items 5 and 23), and an accepted speaker request a
parent meeting (6 and 17), so counting bookings too would count them twice.

A fixed number of queries, whatever the amount of data: three for agreements, three for jobs (the
job report's own), two for monitoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.agreements.queries import status_where
from partnercrm.agreements.rules import AgreementStatus
from partnercrm.directory.models import Municipality, Organization
from partnercrm.indicators.rules import Period
from partnercrm.jobs.report import job_report
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import ReportStatus


class Source(StrEnum):
    AGREEMENTS = "agreements"
    JOB_PLACES = "job_places"
    JOB_HIRES = "job_hires"
    MUNICIPAL_REPORTS = "municipal_reports"


# The figures shown under each plan item. The first one above zero in the region marks the item
# done, as a held activity does. Items 34 (analysis) and 35 (recommendations) have no record of
# their own: they show the campaign whose results they work on.
ITEM_SOURCES: dict[int, tuple[Source, ...]] = {
    4: (Source.AGREEMENTS,),
    7: (Source.JOB_PLACES, Source.JOB_HIRES),
    33: (Source.MUNICIPAL_REPORTS,),
    34: (Source.MUNICIPAL_REPORTS,),
    35: (Source.MUNICIPAL_REPORTS,),
}


@dataclass(frozen=True)
class Figure:
    region: int = 0
    by_municipality: dict[int, int] = field(default_factory=dict)
    # None: the records belong to a municipality, not to a school (jobs, municipal reports).
    school: int | None = None


@dataclass(frozen=True)
class Campaign:
    id: int
    year: int


@dataclass(frozen=True)
class RecordCounts:
    figures: dict[Source, Figure]
    # The monitoring campaigns of the period's years, oldest first.
    campaigns: list[Campaign]

    def of_item(self, number: int) -> list[tuple[Source, Figure]]:
        return [(source, self.figures[source]) for source in ITEM_SOURCES.get(number, ())]

    def done(self, number: int) -> bool:
        sources = ITEM_SOURCES.get(number, ())
        return bool(sources) and self.figures[sources[0]].region > 0


def _in_force(period: Period) -> sa.ColumnElement[bool]:
    """Agreements in force on some day of ``period``: signed by its last day and, by the status
    rule on its first day, active or expiring — not a draft, not expired and not terminated
    before the period began (one terminated or expiring within it still counts)."""
    return sa.and_(
        sa.or_(
            status_where(AgreementStatus.ACTIVE, period.start),
            status_where(AgreementStatus.EXPIRING, period.start),
        ),
        Agreement.signed_on <= period.end,
    )


def _agreements(
    session: Session, period: Period, municipality_ids: list[int], school_id: int | None
) -> Figure:
    """Each agreement once in the region, and once in every municipality (or school) that has a
    party to it, so the municipalities may add up to more than the region."""
    condition = _in_force(period)
    region = session.scalar(sa.select(sa.func.count()).select_from(Agreement).where(condition))
    by_municipality = {}
    if municipality_ids:
        by_municipality = dict(
            session.execute(
                sa.select(Organization.municipality_id, sa.func.count(sa.distinct(Agreement.id)))
                .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
                .join(Organization, Organization.id == AgreementParty.organization_id)
                .where(condition, Organization.municipality_id.in_(municipality_ids))
                .group_by(Organization.municipality_id)
            ).all()
        )
    school = None
    if school_id is not None:
        school = session.scalar(
            sa.select(sa.func.count())
            .select_from(Agreement)
            .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
            .where(condition, AgreementParty.organization_id == school_id)
        )
    return Figure(
        region,
        {
            municipality_id: by_municipality.get(municipality_id, 0)
            for municipality_id in municipality_ids
        },
        school,
    )


def _jobs(
    session: Session, period: Period, municipalities: Sequence[Municipality]
) -> tuple[Figure, Figure]:
    """Places and hires of the plan item 7 report for the region, which has a row for every
    municipality (by its unique name)."""
    report = job_report(session, period.start, period.end)
    rows = {row.municipality: row.figures for row in report.rows}
    return (
        Figure(report.total.places, {m.id: rows[m.name].places for m in municipalities}),
        Figure(report.total.hired, {m.id: rows[m.name].hired for m in municipalities}),
    )


def _monitoring(
    session: Session, period: Period, municipality_ids: list[int]
) -> tuple[Figure, list[Campaign]]:
    years = (
        MonitoringCampaign.year >= period.start.year,
        MonitoringCampaign.year <= period.end.year,
    )
    campaigns = [
        Campaign(*row)
        for row in session.execute(
            sa.select(MonitoringCampaign.id, MonitoringCampaign.year)
            .where(*years)
            .order_by(MonitoringCampaign.year)
        ).all()
    ]
    submitted = dict(
        session.execute(
            sa.select(MunicipalReport.municipality_id, sa.func.count())
            .join(MonitoringCampaign, MonitoringCampaign.id == MunicipalReport.campaign_id)
            .where(*years, MunicipalReport.status == ReportStatus.SUBMITTED)
            .group_by(MunicipalReport.municipality_id)
        ).all()
    )
    # A report is one municipality's, so the region is the sum of the municipalities' counts.
    figure = Figure(
        sum(submitted.values()),
        {
            municipality_id: submitted.get(municipality_id, 0)
            for municipality_id in municipality_ids
        },
    )
    return figure, campaigns


def record_counts(
    session: Session,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None = None,
) -> RecordCounts:
    """The record figures of the roadmap for the region, each of ``municipalities`` (the
    roadmap's columns) and, with ``school_id``, the agreements that school is a party to."""
    municipality_ids = [m.id for m in municipalities]
    places, hires = _jobs(session, period, municipalities)
    reports, campaigns = _monitoring(session, period, municipality_ids)
    return RecordCounts(
        figures={
            Source.AGREEMENTS: _agreements(session, period, municipality_ids, school_id),
            Source.JOB_PLACES: places,
            Source.JOB_HIRES: hires,
            Source.MUNICIPAL_REPORTS: reports,
        },
        campaigns=campaigns,
    )
