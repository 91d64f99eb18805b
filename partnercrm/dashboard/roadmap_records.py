"""The live roadmap's figures of agreements (plan item 4 of the 2020–2022 roadmap) and holiday
jobs (item 7), and the registration of every record source of the roadmap (docs/counting-rules.md,
"Plan items fed by other records"). The sources name the roadmap's items; a later programme shows
them under the items that continue those (``indicators.roadmap_records``).

The roadmap belongs to the indicators package, which imports neither agreements nor jobs; this
roof module, which may import every domain, contributes their figures. A fixed number of
queries: three for agreements, three for jobs (the job report's own).

Offers have no figure here: a confirmed booking is already a planned excursion (items 5 and
23), and an accepted speaker request a parent meeting (6 and 17), so counting bookings too would
count them twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from partnercrm.access.agreements import can_see_agreements
from partnercrm.access.base import is_admin
from partnercrm.access.jobs import can_report_jobs_in
from partnercrm.access.reports import can_report_on_municipality
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.agreements.queries import status_where
from partnercrm.agreements.rules import AgreementStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality, Organization
from partnercrm.indicators.roadmap_records import Figure, Page, Records, register_record_source
from partnercrm.jobs.report import job_report
from partnercrm.localtime import Period
from partnercrm.monitoring.roadmap_records import municipal_reports


def register(app: Flask) -> None:
    """The sources in the order their rows are shown under a plan item."""
    for source in (agreements, holiday_jobs, municipal_reports):
        register_record_source(app, source)


# --- item 4: cooperation agreements ---


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


def agreements_in_force(
    session: SessionLike, period: Period, municipality_ids: Sequence[int], school_id: int | None
) -> Figure:
    """Each agreement once in the region, and once in every municipality (or school) that has a
    party to it, so the municipalities may add up to more than the region."""
    condition = _in_force(period)
    region = session.scalar(sa.select(sa.func.count()).select_from(Agreement).where(condition)) or 0
    by_municipality: dict[int, int] = {}
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


def _agreement_links(page: Page) -> dict[int | str, str]:
    """The agreements list filtered by the municipality (or, for a school, the organization)."""
    user = page.user
    if not can_see_agreements(user):
        return {}
    links: dict[int | str, str] = {}
    if is_admin(user):
        links["region"] = url_for("agreements.index")
    for m in page.municipalities:
        if can_report_on_municipality(user, m.id):
            links[m.id] = url_for("agreements.index", municipality=m.id)
    if page.school_id is not None:
        links["school"] = url_for("agreements.index", organization=page.school_id)
    return links


def agreements(
    session: SessionLike,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None,
) -> list[Records]:
    figure = agreements_in_force(session, period, [m.id for m in municipalities], school_id)
    return [
        Records("agreements", (4,), _l("Cooperation agreements in force"), figure, _agreement_links)
    ]


# --- item 7: temporary jobs for minors ---


def _job_links(page: Page) -> dict[int | str, str]:
    """The plan item 7 report for the same period (and municipality)."""
    places: list[tuple[int | str, int | None]] = [("region", None)]
    places += [(m.id, m.id) for m in page.municipalities]
    return {
        key: url_for("job_report.report", municipality=municipality_id, **page.period_args)
        for key, municipality_id in places
        if can_report_jobs_in(page.user, municipality_id)
    }


def holiday_jobs(
    session: SessionLike,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None,
) -> list[Records]:
    """Places and hires of the plan item 7 report for the region, which has a row for every
    municipality (by its unique name). A job is a municipality's: no school figure."""
    report = job_report(session, period.start, period.end)
    rows = {row.municipality: row.figures for row in report.rows}
    places = Figure(report.total.places, {m.id: rows[m.name].places for m in municipalities})
    hires = Figure(report.total.hired, {m.id: rows[m.name].hired for m in municipalities})
    return [
        Records("job_places", (7,), _l("Places in holiday jobs"), places, _job_links),
        Records("job_hires", (7,), _l("Young people hired for holiday jobs"), hires, _job_links),
    ]
