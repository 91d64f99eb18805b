"""No page's number of SQL queries grows with the rows it shows (DESIGN §5).

Each case below opens one list or detail page twice: once when it shows a few rows (10) and
once when it shows many (100, or a full page where the page size is smaller), and counts the SQL
statements the request sends (``before_cursor_execute`` on the engine). The counts must be equal.

Rows are made with distinct related objects (each activity its own host, organizer and visiting
school; each organization its own municipality), so a lazy load per row would show as more
queries rather than hide in the session's identity map. Every request runs in an app context of
its own (a fresh session, as in production), after one warm-up request. The texts each case
returns are checked on the page, so the page really shows the rows that were counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import factory
import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Headcount, Participation
from partnercrm.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
)
from partnercrm.agreements.rules import CooperationKind
from partnercrm.database import utcnow
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.jobs.models import ApplicationStatusChange, HolidayJob
from partnercrm.jobs.rules import ApplicationStatus
from partnercrm.localtime import local_date, local_today, to_utc
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import CampaignStatus, ReportStatus
from partnercrm.roadmap.models import Indicator, PlanItem, Programme
from partnercrm.web.pagination import PER_PAGE
from tests.activity_factories import ActivityFactory, StudentFactory, build_world, sign_in
from tests.conftest import request_scoped_client
from tests.factories import BaseFactory, MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import HolidayJobFactory, JobApplicationFactory
from tests.offer_factories import (
    BookingFactory,
    OfferFactory,
    SlotFactory,
    SpeakerOfferFactory,
    SpeakerRequestFactory,
)
from tests.portal_factories import RegistrationFactory

FEW, MANY = 10, 100
# Lists show PER_PAGE rows a page (25): they are counted with a few rows and a full page.
LIST = (FEW, PER_PAGE)
YEAR = 2021


# --- factories for the rows these pages show ---


class AgreementFactory(BaseFactory):
    class Meta:
        model = Agreement

    number = factory.Sequence(lambda n: f"ДС-{n:04d}")
    subject = factory.Sequence(lambda n: f"Сотрудничество {n}")
    signed_on = date(YEAR, 2, 1)
    valid_to = date(YEAR + 10, 12, 31)


def agreement_between(*organizations, **values) -> Agreement:
    agreement = AgreementFactory(**values)
    agreement.parties = [AgreementParty(organization=o, role="сторона") for o in organizations]
    agreement.kinds = [AgreementKind(kind=CooperationKind.EXCURSIONS)]
    db.session.flush()
    return agreement


def organization(kind=OrganizationKind.SCHOOL, **values):
    """An organization in a municipality of its own, unless one is given."""
    return OrganizationFactory(kind=kind, **values)


def held_activity(w, *, school=None, **values):
    """A held excursion in YEAR with its own host, organizer and visiting school, and one
    participant and one headcount row of that school."""
    school = school or organization(municipality=w.m1)
    activity = ActivityFactory(
        host=organization(OrganizationKind.EMPLOYER),
        organizer=organization(),
        schools=[school],
        **values,
    )
    student = StudentFactory(school=school)
    db.session.add(Participation(activity=activity, student=student))
    db.session.add(Headcount(activity=activity, school=school, grade=9, count=5))
    db.session.flush()
    return activity


def plan_item(number: int) -> PlanItem:
    return db.session.scalar(sa.select(PlanItem).where(PlanItem.number == number))


def _hours_activity(students, title=None):
    """A held activity of this school year giving ``students`` one hour each."""
    today = local_today()
    values = {"title": title} if title else {}
    activity = ActivityFactory(
        starts_at=to_utc(datetime(today.year, today.month, today.day, 0, 30)),
        starts_on=today,
        hours=Decimal(1),
        **values,
    )
    db.session.add_all(Participation(activity=activity, student=s) for s in students)
    db.session.flush()
    return activity


def _class_students(w, n):
    """More students of class 7Я of school 1, each with an hour this school year."""
    students = [StudentFactory(school=w.school1, grade=7, class_letter="Я") for _ in range(n)]
    _hours_activity(students)
    return [s.full_name for s in students]


def _set_student(w):
    w.student = StudentFactory(school=w.school1, grade=9)


def _student_hours(w, n):
    """More activities that gave ``w.student`` hours."""
    return [_hours_activity([w.student]).title for _ in range(n)]


def _hours_schools(w, n):
    """More schools of municipality 1, each with a student of grade 8 with an hour."""
    names = []
    for _ in range(n):
        school = organization(municipality=w.m1)
        _hours_activity([StudentFactory(school=school)])
        names.append(school.name)
    return names


# --- the pages ---


@dataclass(frozen=True)
class Page:
    """``grow(w, n)`` adds n rows to what ``url(w)`` shows and returns texts that the page must
    show (``w`` is :func:`build_world`'s world plus what ``setup`` added)."""

    name: str
    user: str | None  # None: not logged in
    url: Callable[[SimpleNamespace], str]
    grow: Callable[[SimpleNamespace, int], list[str]]
    setup: Callable[[SimpleNamespace], None] = lambda w: None
    sizes: tuple[int, int] = (FEW, MANY)


def counted_only(grow):
    """For pages that show figures computed from the rows rather than the rows themselves."""

    def grow_unseen(w, n):
        grow(w, n)
        return []

    return grow_unseen


def _activities(w, n, **values):
    return [held_activity(w, **values).title for _ in range(n)]


def _activity_schools(w, n):
    """More visiting schools at ``w.activity``, each with a participant and a headcount."""
    names = []
    for _ in range(n):
        school = organization()
        w.activity.schools.append(school)
        db.session.add(Participation(activity=w.activity, student=StudentFactory(school=school)))
        db.session.add(Headcount(activity=w.activity, school=school, grade=0, count=3))
        names.append(school.name)
    db.session.flush()
    return names


def _own_participants(w, n):
    """More students of school 1 taking part in ``w.activity``."""
    students = [StudentFactory(school=w.school1, grade=5 + i % 6) for i in range(n)]
    db.session.add_all(Participation(activity=w.activity, student=s) for s in students)
    db.session.flush()
    return [s.full_name for s in students]


def _set_activity(w):
    w.activity = held_activity(w, school=w.school1)


def _agreements(w, n):
    return [
        f"№ {agreement_between(organization(), organization(OrganizationKind.EMPLOYER)).number}"
        for _ in range(n)
    ]


def _set_agreement(w):
    w.agreement = agreement_between(w.school1, w.employer)


def _agreement_parties(w, n):
    names = []
    for i in range(n):
        party = organization(OrganizationKind.EMPLOYER)
        w.agreement.parties.append(AgreementParty(organization=party))
        uploader = UserFactory(role=Role.ADMIN)
        db.session.add(
            AgreementDocument(
                agreement=w.agreement,
                stored_name=f"{party.code}.pdf",
                original_name=f"скан-{party.code}.pdf",
                size=1000 + i,
                uploaded_by=uploader,
            )
        )
        names += [party.name, uploader.full_name]
    db.session.flush()
    return names


def _agreement_activities(w, n):
    return _activities(w, n, agreement_id=w.agreement.id)


def _organizations(w, n):
    return [organization(OrganizationKind.UNIVERSITY).name for _ in range(n)]


def _municipalities(w, n):
    """Municipalities, each with an organization."""
    return [organization().municipality.name for _ in range(n)]


def _users(w, n):
    users = [
        UserFactory(role=Role.SCHOOL if i % 2 else Role.COORDINATOR, full_name=f"Staff {i}")
        for i in range(n)
    ]
    return [u.email for u in users]


def _roster(w, n):
    return [StudentFactory(school=w.school1, grade=1 + i % 11).full_name for i in range(n)]


def _report_municipalities(w, n):
    """Held activities of YEAR, each at a school of a new municipality."""
    for _ in range(n):
        held_activity(w, school=organization())
    return []


def _report_schools(w, n):
    """Schools of municipality 1, each with a held activity."""
    schools = [organization(municipality=w.m1) for _ in range(n)]
    for school in schools:
        held_activity(w, school=school)
    return [s.name for s in schools]


def _school_activities(w, n):
    return _activities(w, n, school=w.school1)


def _roadmap_activities(w, n):
    """Activities linked to plan items, in municipalities of their own."""
    items = [plan_item(4), plan_item(7)]
    titles = []
    for _ in range(n):
        activity = held_activity(w, school=organization())
        activity.plan_items = items
        titles.append(activity.title)
    db.session.flush()
    return titles


def _item_4(w, n):
    """Activities linked to plan item 4 and agreements signed in municipalities of their own."""
    titles = _roadmap_activities(w, n)
    for i in range(n):
        agreement_between(organization(), signed_on=date(2000 + i % 25, 3, 1))
    return titles


def _campaigns(w, n):
    first = 1900 + len(db.session.scalars(sa.select(MonitoringCampaign.id)).all())
    years = range(first, first + n)
    for year in years:
        campaign = MonitoringCampaign(
            year=year,
            deadline=date(year + 1, 2, 1),
            status=CampaignStatus.CLOSED,
            programme=_roadmap(),
        )
        campaign.reports = [
            MunicipalReport(municipality=w.m1, status=ReportStatus.SUBMITTED, frozen_values={})
        ]
        db.session.add(campaign)
    db.session.flush()
    return []


def _roadmap() -> Programme:
    return db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))


def _set_campaign(w):
    w.campaign = MonitoringCampaign(year=YEAR, deadline=date(YEAR + 1, 2, 1), programme=_roadmap())
    db.session.add(w.campaign)
    db.session.flush()


def _campaign_reports(w, n):
    names = []
    for _ in range(n):
        held = held_activity(w, school=organization())
        municipality = held.schools[0].municipality
        db.session.add(
            MunicipalReport(
                campaign=w.campaign,
                municipality=municipality,
                status=ReportStatus.SUBMITTED,
                frozen_values={"2": {"value": 1, "named": 1, "headcount": 0}},
                submitted_by=UserFactory(role=Role.COORDINATOR, municipality=municipality),
            )
        )
        names.append(municipality.name)
    db.session.flush()
    return names


def _plans(w, n):
    names = []
    for i in range(n):
        municipality = MunicipalityFactory()
        db.session.add(
            MunicipalPlan(
                municipality=municipality,
                year=YEAR,
                approved_on=date(YEAR, 1 + i % 12, 1),
                title=f"План {municipality.name}",
            )
        )
        names.append(municipality.name)
    db.session.flush()
    return names


def _entered_values(w, n):
    indicators = db.session.scalars(
        sa.select(Indicator).where(Indicator.number.in_((5, 7))).order_by(Indicator.number)
    ).all()
    first = 1900 + len(db.session.scalars(sa.select(IndicatorValue.id)).all())
    for year in range(first, first + n):
        for indicator in indicators:
            db.session.add(
                IndicatorValue(
                    indicator=indicator,
                    year=year,
                    value=1,
                    entered_by=UserFactory(role=Role.ADMIN),
                )
            )
    db.session.flush()
    return []


def _involving_own(w, n):
    """Held activities of this year involving the user's organization or municipality."""
    new_year = local_today().replace(month=1, day=1)
    return _activities(
        w,
        n,
        starts_on=new_year,
        starts_at=to_utc(datetime(new_year.year, 1, 1, 10, 0)),
        school=w.school1,
    )


# --- the employer portal, offers, holiday jobs and calendar feeds ---


def _ahead(days: int = 30) -> datetime:
    return utcnow() + timedelta(days=days)


def _offers(w, n):
    """Published excursion offers of employers of their own, each with a slot ahead."""
    offers = [OfferFactory() for _ in range(n)]
    for offer in offers:
        SlotFactory(offer=offer, starts_at=_ahead(), starts_on=local_date(_ahead()))
    return [offer.topic for offer in offers]


def _set_offer(w):
    w.offer = OfferFactory(organization=w.employer)


def _offer_bookings(w, n):
    """Slots of ``w.offer``, each booked by a school of its own."""
    names = []
    for i in range(n):
        slot = SlotFactory(
            offer=w.offer, starts_at=_ahead(i + 1), starts_on=local_date(_ahead(i + 1))
        )
        names.append(BookingFactory(slot=slot).school.name)
    return names


def _bookings(w, n):
    return [
        BookingFactory(
            slot=SlotFactory(starts_at=_ahead(), starts_on=local_date(_ahead()))
        ).school.name
        for _ in range(n)
    ]


def _speaker_requests(w, n):
    return [SpeakerRequestFactory(starts_at=_ahead()).school.name for _ in range(n)]


def _set_speaker_offer(w):
    w.offer = SpeakerOfferFactory(organization=w.employer)


def _offer_speaker_requests(w, n):
    return [SpeakerRequestFactory(offer=w.offer, starts_at=_ahead()).school.name for _ in range(n)]


def _registrations(w, n):
    return [RegistrationFactory().email for _ in range(n)]


def _open_jobs(w, n):
    """Published jobs next summer, each of an employer and a centre of its own; lawful (the
    board hides the others) with no school holidays entered: the school-year week."""
    summer = local_today().year + 1
    return [
        HolidayJobFactory(
            first_day=date(summer, 7, 1),
            last_day=date(summer, 7, 14),
            hours_per_week=Decimal("17.5"),
        ).title
        for _ in range(n)
    ]


def _set_job(w):
    (title,) = _open_jobs(w, 1)
    w.job = db.session.scalar(sa.select(HolidayJob).where(HolidayJob.title == title))


def _job_applications(w, n):
    return [JobApplicationFactory(job=w.job).young_person.full_name for _ in range(n)]


def _application_history(w, n):
    """Status changes of ``w.application``, each by a user of its own."""
    users = [UserFactory(role=Role.EMPLOYMENT_CENTER) for _ in range(n)]
    db.session.add_all(
        ApplicationStatusChange(
            application=w.application,
            to_status=ApplicationStatus.APPLIED,
            note=f"Звонок {user.id}",
            changed_by=user,
        )
        for user in users
    )
    db.session.flush()
    return [user.full_name for user in users]


def _set_application(w):
    _set_job(w)
    w.application = JobApplicationFactory(job=w.job)


def _centers(w, n):
    """Employment centers, the board's contacts for a job without a center of its own."""
    return [organization(OrganizationKind.EMPLOYMENT_CENTER).name for _ in range(n)]


def _set_job_without_center(w):
    _set_job(w)
    # Only the centers made by _centers, so the board shows every one of them (at most 100).
    db.session.delete(w.job.center)
    w.job.center = None
    db.session.delete(w.center)
    w.center_user.organization = None


def _public_activities(w, n):
    """Public activities next week, as the public calendar feed shows them."""
    soon = _ahead(7)
    return _activities(w, n, public=True, starts_at=soon, starts_on=local_date(soon))


PAGES = [
    # Activities
    Page("activities list", "admin", lambda w: "/activities/", _activities, sizes=LIST),
    Page(
        "activities list filtered",
        "admin",
        lambda w: (
            f"/activities/?municipality={w.m1.id}&kind=excursion"
            f"&status=held&from={YEAR}-01-01&to={YEAR}-12-31"
        ),
        _activities,
        sizes=LIST,
    ),
    Page(
        "activities list, school",
        "school1_user",
        lambda w: "/activities/",
        lambda w, n: _activities(w, n, school=w.school1),
        sizes=LIST,
    ),
    Page(
        "activity detail, visiting schools",
        "admin",
        lambda w: f"/activities/{w.activity.id}",
        _activity_schools,
        _set_activity,
    ),
    Page(
        "activity detail, own participants",
        "school1_user",
        lambda w: f"/activities/{w.activity.id}",
        _own_participants,
        _set_activity,
    ),
    Page(
        "activity participants",
        "school1_user",
        lambda w: f"/activities/{w.activity.id}/participants",
        _own_participants,
        _set_activity,
    ),
    Page(
        "activity participants, visiting schools",
        "admin",
        lambda w: f"/activities/{w.activity.id}/participants",
        _activity_schools,
        _set_activity,
    ),
    # Agreements
    Page("agreements list", "admin", lambda w: "/agreements/", _agreements, sizes=LIST),
    Page("agreements stats", "admin", lambda w: "/agreements/stats", counted_only(_agreements)),
    Page(
        "agreement detail, parties and documents",
        "admin",
        lambda w: f"/agreements/{w.agreement.id}",
        _agreement_parties,
        _set_agreement,
    ),
    Page(
        "agreement detail, activities",
        "admin",
        lambda w: f"/agreements/{w.agreement.id}",
        _agreement_activities,
        _set_agreement,
        sizes=(FEW, 20),  # ACTIVITIES_PER_PAGE
    ),
    # Directory and users
    Page(
        "organizations",
        "admin",
        lambda w: "/organizations?kind=university",
        _organizations,
        sizes=LIST,
    ),
    Page("municipalities", "admin", lambda w: "/municipalities", _municipalities),
    Page("users", "admin", lambda w: "/users?q=staff", _users, sizes=LIST),
    # Students (the roster's page size is 50)
    Page(
        "students roster", "school1_user", lambda w: "/students/?q=ученик", _roster, sizes=(FEW, 50)
    ),
    # Reports
    Page("report, region", "admin", lambda w: f"/reports/?year={YEAR}", _report_municipalities),
    Page(
        "report, municipality",
        "admin",
        lambda w: f"/reports/?year={YEAR}&municipality={w.m1.id}",
        _report_schools,
    ),
    Page(
        "report, municipality's schools",
        "admin",
        lambda w: f"/reports/municipalities/{w.m1.id}?year={YEAR}",
        _report_schools,
        sizes=(FEW, 50),  # SCHOOLS_PER_PAGE
    ),
    Page(
        "report, school's activities",
        "admin",
        lambda w: f"/reports/schools/{w.school1.id}?year={YEAR}",
        _school_activities,
        sizes=LIST,
    ),
    Page(
        "report export, region",
        "admin",
        lambda w: f"/reports/export?year={YEAR}&format=csv",
        _report_municipalities,
    ),
    Page(
        "live roadmap, region",
        "admin",
        lambda w: f"/reports/roadmap?year={YEAR}",
        counted_only(_roadmap_activities),
    ),
    Page(
        "live roadmap, municipality",
        "coordinator",
        lambda w: f"/reports/roadmap?year={YEAR}",
        counted_only(_roadmap_activities),
    ),
    # Monitoring
    Page("monitoring campaigns", "admin", lambda w: "/monitoring/", _campaigns),
    Page("monitoring, coordinator", "coordinator", lambda w: "/monitoring/", _campaigns),
    Page(
        "monitoring campaign",
        "admin",
        lambda w: f"/monitoring/campaigns/{w.campaign.id}",
        _campaign_reports,
        _set_campaign,
    ),
    Page(
        "monitoring municipal report",
        "coordinator",
        lambda w: f"/monitoring/campaigns/{w.campaign.id}/municipalities/{w.m1.id}",
        counted_only(_report_schools),
        _set_campaign,
    ),
    Page("municipal plans", "admin", lambda w: f"/monitoring/plans?year={YEAR}", _plans),
    Page("ministry values", "admin", lambda w: "/monitoring/values", _entered_values),
    # Dashboards
    *(
        Page(f"dashboard, {user}", user, lambda w: "/dashboard", counted_only(_involving_own))
        for user in (
            "admin",
            "coordinator",
            "school1_user",
            "college_user",
            "employer_user",
            "center_user",
        )
    ),
    # Профминимум
    Page(
        "profminimum class table",
        "school1_user",
        lambda w: f"/profminimum/hours/school/{w.school1.id}/class?grade=7&letter=Я",
        _class_students,
    ),
    Page(
        "profminimum student page",
        "school1_user",
        lambda w: f"/students/{w.student.id}",
        _student_hours,
        _set_student,
    ),
    Page(
        "profminimum municipality",
        "coordinator",
        lambda w: f"/profminimum/hours/municipality/{w.m1.id}",
        _hours_schools,
    ),
    Page(
        "profminimum school",
        "school1_user",
        lambda w: f"/profminimum/hours/school/{w.school1.id}",
        counted_only(_class_students),
    ),
    # Roadmap
    Page("roadmap", "school1_user", lambda w: "/roadmap/", counted_only(_roadmap_activities)),
    Page(
        "roadmap item 4",
        "admin",
        lambda w: "/roadmap/items/4",
        _item_4,
        sizes=LIST,
    ),
    Page(
        "roadmap item, school",
        "school1_user",
        lambda w: "/roadmap/items/7",
        lambda w, n: _activities(w, n, school=w.school1, plan_items=[plan_item(7)]),
        sizes=LIST,
    ),
    Page("roadmap indicators", "admin", lambda w: "/roadmap/indicators", _entered_values),
    # Employer portal
    Page("approvals queue", "admin", lambda w: "/approvals", _registrations, sizes=LIST),
    # Offers
    Page("offers list", "admin", lambda w: "/offers/", _offers, sizes=LIST),
    Page("public offers", None, lambda w: "/offers/public", _offers, sizes=LIST),
    Page(
        "offer detail, slots and bookings",
        "admin",
        lambda w: f"/offers/{w.offer.id}",
        _offer_bookings,
        _set_offer,
    ),
    Page(
        "offer detail, speaker requests",
        "admin",
        lambda w: f"/offers/{w.offer.id}",
        _offer_speaker_requests,
        _set_speaker_offer,
    ),
    Page("bookings", "admin", lambda w: "/offers/bookings", _bookings, sizes=LIST),
    Page(
        "speaker requests",
        "admin",
        lambda w: "/offers/speaker-requests",
        _speaker_requests,
        sizes=LIST,
    ),
    # Holiday jobs
    Page("jobs list", "admin", lambda w: "/jobs/", _open_jobs, sizes=LIST),
    Page("job board", None, lambda w: "/jobs/board", _open_jobs, sizes=LIST),
    Page("jobs API", None, lambda w: "/api/v1/jobs", counted_only(_open_jobs), sizes=LIST),
    Page(
        "job detail, applications",
        "admin",
        lambda w: f"/jobs/{w.job.id}",
        _job_applications,
        _set_job,
        sizes=(FEW, 50),  # APPLICATIONS_PER_PAGE
    ),
    Page(
        "job application, history",
        "admin",
        lambda w: f"/jobs/applications/{w.application.id}",
        _application_history,
        _set_application,
    ),
    Page(
        "job on the board, contacts",
        None,
        lambda w: f"/jobs/board/{w.job.id}",
        _centers,
        _set_job_without_center,
    ),
    Page("jobs report", "admin", lambda w: "/jobs/report", counted_only(_open_jobs)),
    # Calendar
    Page("calendar page", "admin", lambda w: "/calendar/", _municipalities),
    Page(
        "public calendar feed",
        None,
        lambda w: "/calendar/public.ics",
        counted_only(_public_activities),
    ),
]


def count_queries(client, url: str) -> tuple[int, str]:
    """The number of SQL statements one GET of ``url`` sends, after a warm-up request."""
    assert client.get(url).status_code == 200, url
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_queries_do_not_grow_with_rows(app, seeded, page):
    w = build_world()
    page.setup(w)
    db.session.commit()
    client = request_scoped_client(app)
    if page.user is not None:
        sign_in(client, getattr(w, page.user))
    counts, shown, made = [], [], 0
    for size in page.sizes:
        shown += page.grow(w, size - made)
        made = size
        db.session.commit()
        queries, body = count_queries(client, page.url(w))
        missing = [text for text in shown if text not in body]
        assert not missing, f"{page.name}: rows not shown: {missing[:3]}"
        counts.append(queries)
    assert counts[0] == counts[1], (
        f"{page.name}: {counts[0]} queries for {page.sizes[0]} rows,"
        f" {counts[1]} for {page.sizes[1]}"
    )
