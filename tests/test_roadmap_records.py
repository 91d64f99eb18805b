"""The live roadmap's record figures (the registry in partnercrm/indicators/roadmap_records.py,
filled by partnercrm/dashboard/roadmap_records.py and partnercrm/monitoring/roadmap_records.py):
agreements for plan item 4, holiday jobs for item 7 and the monitoring campaign for items 33–35,
for the region, a municipality and a school, within the period and scope only, with links to
their pages.

The world (2026 unless said otherwise), in municipalities m1 and m2 of ``build_world``:

- agreements: A (school1 + employer, m1; ends 30.06.2026) and B (school3 + college of m2 and
  school1 of m1; signed 01.03.2026, terminated 01.10.2026) are in force in 2026; C ended
  31.12.2025, D is a draft, E is signed in 2027, F was terminated on 01.01.2026 (the first day) —
  none of them counts in 2026. Region 2, m1 2, m2 1, school1 2.
- holiday jobs: m1 published, 5 places, hires 2 (one hired, one completed; one applied, one
  withdrawn before hiring); m2 closed, 3 places, 1 hire, from 28.12.2026 into 2027; not counted:
  a draft in m1 (10 places) and a job of July 2025 in m2 (4 places, 1 hire). Region 8 places
  and 3 hires; m1 5 and 2; m2 3 and 1.
- monitoring: the 2026 campaign with m1's report submitted and m2's returned for correction
  (region 1, m1 1, m2 0); the 2025 campaign, closed, with both submitted.
- an activity linked to plan item 4, and an excursion planned by a confirmed booking (items 5
  and 23): counted as activities, and nowhere in the record figures.
"""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from partnercrm.activities.rules import ActivityStatus
from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.indicators.roadmap_records import record_counts
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.localtime import Period, to_utc
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.roadmap_records import campaigns_in
from partnercrm.monitoring.rules import CampaignStatus, ReportStatus
from partnercrm.offers import bookings as offer_bookings
from partnercrm.offers.rules import BookingStatus
from partnercrm.roadmap.models import PlanItem, Programme
from tests.activity_factories import ActivityFactory, build_world, sign_in
from tests.conftest import request_scoped_client
from tests.factories import OrganizationFactory
from tests.feed_factories import agreement_between
from tests.job_factories import HolidayJobFactory, JobApplicationFactory
from tests.offer_factories import NOW, BookingFactory, OfferFactory, SlotFactory

YEAR = 2026

AGREEMENTS, JOB_PLACES, JOB_HIRES = "agreements", "job_places", "job_hires"
MUNICIPAL_REPORTS = "municipal_reports"
# The rows under each plan item, in their order; the first one gives the item its ✓.
ITEM_SOURCES = {
    4: (AGREEMENTS,),
    7: (JOB_PLACES, JOB_HIRES),
    33: (MUNICIPAL_REPORTS,),
    34: (MUNICIPAL_REPORTS,),
    35: (MUNICIPAL_REPORTS,),
}


@pytest.fixture
def world(seeded):
    w = build_world()
    agreement_between(w.school1, w.employer)
    agreement_between(
        w.school3,
        w.college,
        w.school1,
        signed_on=date(2026, 3, 1),
        valid_from=date(2026, 3, 1),
        valid_to=None,
        terminated_on=date(2026, 10, 1),
    )
    agreement_between(w.school2, signed_on=date(2024, 1, 10), valid_to=date(2025, 12, 31))
    agreement_between(w.school3, w.college, signed_on=None, valid_from=None, valid_to=None)
    agreement_between(w.school1, signed_on=date(2027, 1, 10), valid_from=None, valid_to=None)
    agreement_between(
        w.school3, signed_on=date(2024, 1, 10), valid_to=None, terminated_on=date(2026, 1, 1)
    )

    def job(municipality, **values):
        return HolidayJobFactory(
            employer=w.employer, center=w.center, municipality=municipality, **values
        )

    def apply(job, status):
        JobApplicationFactory(job=job, status=status, young_person__municipality=job.municipality)

    m1_job = job(w.m1, places=5)
    for status in (
        ApplicationStatus.HIRED,
        ApplicationStatus.COMPLETED,
        ApplicationStatus.APPLIED,
        ApplicationStatus.WITHDRAWN,
    ):
        apply(m1_job, status)
    m2_job = job(
        w.m2,
        status=JobStatus.CLOSED,
        places=3,
        first_day=date(2026, 12, 28),
        last_day=date(2027, 1, 10),
    )
    apply(m2_job, ApplicationStatus.HIRED)
    job(w.m1, status=JobStatus.DRAFT, places=10)
    old_job = job(w.m2, places=4, first_day=date(2025, 7, 1), last_day=date(2025, 7, 14))
    apply(old_job, ApplicationStatus.HIRED)

    roadmap = db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))
    w.campaign = MonitoringCampaign(year=2026, deadline=date(2027, 2, 1), programme=roadmap)
    w.campaign.reports = [
        MunicipalReport(municipality=w.m1, status=ReportStatus.SUBMITTED),
        MunicipalReport(municipality=w.m2, status=ReportStatus.REOPENED),
    ]
    w.old_campaign = MonitoringCampaign(
        year=2025, deadline=date(2026, 2, 1), status=CampaignStatus.CLOSED, programme=roadmap
    )
    w.old_campaign.reports = [
        MunicipalReport(municipality=m, status=ReportStatus.SUBMITTED) for m in (w.m1, w.m2)
    ]
    db.session.add_all([w.campaign, w.old_campaign])

    item_4 = db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 4))
    linked = ActivityFactory(
        host=w.employer,
        organizer=w.school1,
        schools=[w.school1],
        status=ActivityStatus.HELD,
        starts_at=to_utc(datetime(2026, 4, 1, 10, 0)),
        starts_on=date(2026, 4, 1),
    )
    linked.plan_items = [item_4]
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=w.employer)),
        school=w.school1,
        status=BookingStatus.REQUESTED,
    )
    offer_bookings.confirm_booking(booking, None, NOW)
    db.session.commit()
    return w


# --- reading the page ---


class _Records(HTMLParser):
    """{(plan item, source, cell key): (value or None for "—", link or None)} of the record
    rows, and the activity cells {(plan item, cell key): (held, planned)}."""

    def __init__(self):
        super().__init__()
        self.records: dict = {}
        self.activities: dict = {}
        self.item = self.source = self.cell = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "tr" and "data-item" in found:
            self.item, self.source = int(found["data-item"]), None
        elif tag == "tr" and "data-records" in found:
            self.source = found["data-records"]
        elif tag == "td" and "data-record" in found:
            value = found.get("data-value")
            self.cell = (self.item, self.source, found["data-record"])
            self.records[self.cell] = (int(value) if value is not None else None, None)
        elif tag == "td" and "data-cell" in found:
            self.activities[(self.item, found["data-cell"])] = (
                int(found["data-held"]),
                int(found["data-planned"]),
            )
        elif tag == "a" and self.cell is not None:
            self.records[self.cell] = (self.records[self.cell][0], found["href"])

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None


def roadmap(client, status=200, **args) -> _Records:
    response = client.get("/reports/roadmap", query_string=args)
    assert response.status_code == status
    page = _Records()
    page.feed(response.get_data(as_text=True))
    page.html = response.get_data(as_text=True)
    return page


def values(page: _Records, key) -> dict[tuple[int, str], int | None]:
    """The record values of one column, by (plan item, source)."""
    return {
        (item, source): value
        for (item, source, cell), (value, _) in page.records.items()
        if cell == key
    }


def client_for(app, user):
    client = request_scoped_client(app)
    sign_in(client, user)
    return client


EXPECTED_2026 = {
    "region": {"agreements": 2, "job_places": 8, "job_hires": 3, "municipal_reports": 1},
    "m1": {"agreements": 2, "job_places": 5, "job_hires": 2, "municipal_reports": 1},
    "m2": {"agreements": 1, "job_places": 3, "job_hires": 1, "municipal_reports": 0},
}


def expected(figures: dict) -> dict:
    return {
        (number, str(source)): figures[source]
        for number, sources in ITEM_SOURCES.items()
        for source in sources
    }


# --- the module ---


def test_record_counts_for_the_region_a_municipality_and_a_school(world):
    counts = record_counts(db.session, Period.year(YEAR), [world.m1, world.m2], world.school1.id)
    figures = counts.figures
    assert figures[AGREEMENTS].region == 2
    assert figures[AGREEMENTS].by_municipality == {world.m1.id: 2, world.m2.id: 1}
    assert figures[AGREEMENTS].school == 2
    assert (figures[JOB_PLACES].region, figures[JOB_HIRES].region) == (8, 3)
    assert figures[JOB_PLACES].by_municipality == {world.m1.id: 5, world.m2.id: 3}
    assert figures[JOB_HIRES].by_municipality == {world.m1.id: 2, world.m2.id: 1}
    assert figures[JOB_HIRES].school is None
    assert figures[MUNICIPAL_REPORTS].region == 1
    assert figures[MUNICIPAL_REPORTS].by_municipality == {world.m1.id: 1, world.m2.id: 0}
    assert [campaign.year for campaign in campaigns_in(db.session, Period.year(YEAR))] == [2026]
    assert {
        number: tuple(row.source for row in counts.of_item(number)) for number in range(1, 38)
    } == {number: ITEM_SOURCES.get(number, ()) for number in range(1, 38)}
    assert all(counts.done(number) for number in ITEM_SOURCES)
    assert not counts.done(5)  # an activity item: its ✓ comes from held activities


def test_records_outside_the_period_are_not_counted(world):
    school3 = record_counts(db.session, Period.year(YEAR), [], world.school3.id)
    assert school3.figures[AGREEMENTS].school == 1  # B only: D is a draft, F ended
    # 2025: A (signed 01.09.2025), C (until 31.12.2025), F (terminated 01.01.2026), not B or E.
    counts = record_counts(db.session, Period.year(2025), [world.m1, world.m2])
    figures = counts.figures
    assert figures[AGREEMENTS].region == 3
    assert figures[AGREEMENTS].by_municipality == {world.m1.id: 2, world.m2.id: 1}
    assert (figures[JOB_PLACES].region, figures[JOB_HIRES].region) == (4, 1)
    assert figures[JOB_PLACES].by_municipality == {world.m1.id: 0, world.m2.id: 4}
    assert figures[MUNICIPAL_REPORTS].by_municipality == {world.m1.id: 1, world.m2.id: 1}
    # 2027: E, and the m2 job running into January.
    counts = record_counts(db.session, Period.year(2027), [world.m1, world.m2])
    assert counts.figures[AGREEMENTS].by_municipality == {world.m1.id: 1, world.m2.id: 0}
    assert counts.figures[JOB_PLACES].by_municipality == {world.m1.id: 0, world.m2.id: 3}
    assert campaigns_in(db.session, Period.year(2027)) == []
    assert counts.figures[MUNICIPAL_REPORTS].region == 0
    assert not counts.done(33) and counts.done(4)
    # A period over two years takes both campaigns.
    counts_period = Period(date(2025, 6, 1), date(2026, 6, 30))
    counts = record_counts(db.session, counts_period, [world.m1])
    assert [campaign.year for campaign in campaigns_in(db.session, counts_period)] == [2025, 2026]
    assert counts.figures[MUNICIPAL_REPORTS].region == 3


# --- the page ---


def test_the_region_view_shows_the_records_with_links(app, world):
    client = client_for(app, world.admin)
    page = roadmap(client, year=YEAR)
    m1, m2 = str(world.m1.id), str(world.m2.id)
    assert values(page, "region") == expected(EXPECTED_2026["region"])
    assert values(page, m1) == expected(EXPECTED_2026["m1"])
    assert values(page, m2) == expected(EXPECTED_2026["m2"])
    # Every seeded municipality has its record cells too, at zero.
    assert len({cell for *_, cell in page.records}) == 1 + 22 + 2
    links = {key: link for key, (_, link) in page.records.items()}
    assert links[(4, "agreements", "region")] == "/agreements/"
    assert links[(4, "agreements", m2)] == f"/agreements/?municipality={m2}"
    assert links[(7, "job_places", "region")] == f"/jobs/report?year={YEAR}"
    assert links[(7, "job_hires", m1)] == f"/jobs/report?municipality={m1}&year={YEAR}"
    for number in (33, 34, 35):
        assert links[(number, "municipal_reports", "region")] == (
            f"/monitoring/campaigns/{world.campaign.id}"
        )
        assert links[(number, "municipal_reports", m2)] == (
            f"/monitoring/campaigns/{world.campaign.id}/municipalities/{m2}"
        )
    assert "Municipal reports submitted to the monitoring of 2026" in page.html
    # Activities are counted beside the records, never added to them.
    assert page.activities[(4, "region")] == (1, 0)
    assert page.activities[(5, "region")] == (0, 1)  # the booking's planned excursion
    assert page.activities[(23, m1)] == (0, 1)
    assert page.activities[(7, "region")] == (0, 0)
    assert 'data-done="5"' in page.html  # items 4 (records and an activity: once), 7, 33–35


def test_the_region_view_of_other_periods(app, world):
    client = client_for(app, world.admin)
    page = roadmap(client, year=2027)
    assert values(page, "region")[(7, "job_places")] == 3
    assert values(page, "region")[(33, "municipal_reports")] == 0
    assert "no monitoring campaign in this period" in page.html
    assert (33, "municipal_reports", "region") in page.records
    assert page.records[(33, "municipal_reports", "region")][1] == "/monitoring/"
    page = roadmap(client, **{"from": "2025-06-01", "to": "2026-06-30"})
    assert values(page, "region")[(33, "municipal_reports")] == 3
    assert "Municipal reports submitted to the monitoring of 2025, 2026" in page.html
    link = page.records[(7, "job_places", "region")][1]
    assert link == "/jobs/report?from=2025-06-01&to=2026-06-30"


def test_a_municipality_view(app, world):
    client = client_for(app, world.admin)
    page = roadmap(client, year=YEAR, municipality=world.m2.id)
    assert {cell for *_, cell in page.records} == {"region", str(world.m2.id)}
    assert values(page, "region") == expected(EXPECTED_2026["region"])
    assert values(page, str(world.m2.id)) == expected(EXPECTED_2026["m2"])


def test_the_coordinators_view_and_the_other_municipality(app, world):
    client = client_for(app, world.coordinator)
    page = roadmap(client, year=YEAR)
    m1 = str(world.m1.id)
    assert {cell for *_, cell in page.records} == {"region", m1}
    assert values(page, "region") == expected(EXPECTED_2026["region"])
    assert values(page, m1) == expected(EXPECTED_2026["m1"])
    links = {key: link for key, (_, link) in page.records.items()}
    # The regional pages are not the coordinator's: no link there.
    assert links[(4, "agreements", "region")] is None
    assert links[(7, "job_places", "region")] is None
    assert links[(33, "municipal_reports", "region")] is None
    assert links[(4, "agreements", m1)] == f"/agreements/?municipality={m1}"
    assert links[(7, "job_places", m1)] == f"/jobs/report?municipality={m1}&year={YEAR}"
    assert links[(33, "municipal_reports", m1)] == (
        f"/monitoring/campaigns/{world.campaign.id}/municipalities/{m1}"
    )
    for link in {link for link in links.values() if link}:
        assert client.get(link).status_code == 200, link
    roadmap(client, 403, year=YEAR, municipality=world.m2.id)


def test_school_staff_see_their_schools_agreements(app, world):
    client = client_for(app, world.school1_user)
    page = roadmap(client, year=YEAR)
    assert values(page, "school") == {
        **{key: None for key in expected(EXPECTED_2026["region"])},
        (4, "agreements"): 2,
    }
    assert values(page, str(world.m1.id)) == expected(EXPECTED_2026["m1"])
    links = {key: link for key, (_, link) in page.records.items() if link}
    assert links == {(4, "agreements", "school"): f"/agreements/?organization={world.school1.id}"}
    roadmap(client, 403, year=YEAR, municipality=world.m2.id)


def _statements(app, client, url) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_queries_do_not_grow_with_the_records(app, world):
    client = client_for(app, world.school1_user)  # every column: region, municipality, school
    url = f"/reports/roadmap?year={YEAR}"
    client.get(url)
    before = _statements(app, client, url)
    for municipality in db.session.scalars(
        sa.select(Municipality).where(Municipality.id.not_in([world.m1.id, world.m2.id]))
    ):
        world.campaign.reports.append(
            MunicipalReport(municipality=municipality, status=ReportStatus.SUBMITTED)
        )
    for _ in range(10):
        agreement_between(world.school1, OrganizationFactory(), world.school3)
        HolidayJobFactory(employer=world.employer, center=world.center, municipality=world.m2)
    db.session.commit()
    assert _statements(app, client, url) == before
    page = roadmap(client, year=YEAR)
    assert values(page, "region")[(4, "agreements")] == 12
    assert values(page, "region")[(33, "municipal_reports")] == 1 + 22
