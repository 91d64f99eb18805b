"""`partnercrm demo`: a believable school year 2025/26 of rosters, activities and participation."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from partnercrm.accounts.passwords import hash_password
from partnercrm.activities.models import (
    Activity,
    CampShift,
    Headcount,
    ParentMeeting,
    Participation,
    activity_school,
    parent_meeting_presenter,
)
from partnercrm.activities.queries import named_pairs
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
from partnercrm.agreements.models import Agreement
from partnercrm.audit.models import AuditEntry
from partnercrm.demo import (
    ACTIVITIES,
    BOYS_NAMES,
    DEMO_PASSWORD,
    GIRLS_NAMES,
    ROSTERS,
    demo_roster,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import local_today, to_local
from partnercrm.monitoring.models import MunicipalReport
from partnercrm.monitoring.rules import ReportStatus
from partnercrm.offers.models import Booking
from partnercrm.offers.rules import BookingStatus
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import Level
from partnercrm.students.models import Student
from tests.conftest import csrf_token, request_scoped_client
from tests.test_roadmap_records import roadmap

TABLES = (
    Organization,
    Student,
    Activity,
    Participation,
    Headcount,
    ParentMeeting,
    CampShift,
    activity_school,
    parent_meeting_presenter,
)


def count(table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(table))


_hashes: dict[str, str] = {}


def _hash_once(password: str) -> str:
    """argon2 takes a while by design; the six demo accounts share one real hash per run."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


@pytest.fixture(autouse=True)
def _fast_demo_passwords(monkeypatch):
    monkeypatch.setattr("partnercrm.accounts.services.hash_password", _hash_once)


@pytest.fixture
def demo(runner):
    seed = runner.invoke(args=["seed"])
    assert seed.exit_code == 0, seed.output
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_seed_then_demo_through_the_cli_prints_what_was_added(demo):
    assert "14 organizations added" in demo.output
    assert re.search(r"\b\d{3} students added", demo.output)
    assert f"{len(ACTIVITIES)} activities added" in demo.output
    assert re.search(r"\b\d{3} named participants added", demo.output)
    assert re.search(r"\b\d+ headcounts added", demo.output)
    # The lyceum advanced, school No. 49 main: for 2025/26 and the current school year.
    assert re.search(r"\b[24] profminimum levels added", demo.output)


def test_demo_schools_have_their_levels(demo):
    levels = {
        (row.school.code, row.school_year): row.level
        for row in db.session.scalars(sa.select(ProfminimumLevel))
    }
    assert levels[("school-kgd-lyceum-18", 2025)] is Level.ADVANCED
    assert levels[("school-kgd-49", 2025)] is Level.MAIN
    assert {code for code, _year in levels} == {"school-kgd-lyceum-18", "school-kgd-49"}


def test_demo_twice_adds_nothing(demo, runner):
    before = {table: count(table) for table in TABLES}
    audit = count(AuditEntry)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "0 students added" in second.output
    assert "0 activities added" in second.output
    assert "0 named participants added" in second.output
    assert "0 profminimum levels added" in second.output
    db.session.expire_all()
    assert {table: count(table) for table in TABLES} == before
    assert count(AuditEntry) == audit


def test_every_demo_school_has_a_roster_of_grades_5_to_11(demo):
    for code in ROSTERS:
        school = db.session.scalar(sa.select(Organization).where(Organization.code == code))
        students = list(db.session.scalars(sa.select(Student).where(Student.school == school)))
        assert 60 <= len(students) <= 120, code
        assert {s.grade for s in students} <= set(range(5, 12))
        assert len({s.grade for s in students}) >= 5  # the lyceum starts at grade 7
        assert {s.class_letter for s in students} <= {"А", "Б"}
        assert len({s.local_id for s in students}) == len(students)
        assert len({s.full_name for s in students}) == len(students)
        assert any(s.ovz for s in students)
        assert sum(s.ovz for s in students) < len(students) / 10
        assert any(s.birth_date is None for s in students)  # the birth date is optional
        assert sum(s.archived_at is not None for s in students) == 1


def test_names_are_russian_with_gender_agreement(demo):
    for student in db.session.scalars(sa.select(Student)):
        surname, first_name, patronymic = student.full_name.split(" ")
        if patronymic.endswith("на"):
            assert first_name in GIRLS_NAMES, student.full_name
            assert not surname.endswith(("ов", "ев", "ёв", "ин", "ский", "цкий")), student.full_name
        else:
            assert patronymic.endswith("ич"), student.full_name
            assert first_name in BOYS_NAMES, student.full_name
            assert not surname.endswith(("ова", "ева", "ёва", "ина", "ская", "цкая"))


def test_birth_dates_fit_the_grade(demo):
    for student in db.session.scalars(sa.select(Student).where(Student.birth_date.is_not(None))):
        age_on_1_september = (
            2025
            - student.birth_date.year
            - ((student.birth_date.month, student.birth_date.day) > (9, 1))
        )
        assert 5 + student.grade <= age_on_1_september <= 6 + student.grade, student.birth_date


def test_the_roster_is_the_same_on_every_run():
    for code in ROSTERS:
        assert demo_roster(code) == demo_roster(code)


def test_a_school_year_of_every_kind_mostly_held(demo):
    booked = sa.select(Booking.activity_id).where(Booking.activity_id.is_not(None))
    # The excursion a confirmed demo booking planned is the offers' (test_offers.py).
    # Sessions of the weekly series are the series' (test_the_demo_weekly_series).
    activities = list(
        db.session.scalars(
            sa.select(Activity).where(Activity.id.not_in(booked), Activity.series_id.is_(None))
        )
    )
    assert 20 <= len(activities) <= 30
    assert all(a.ref and a.ref.startswith("demo-") for a in activities)
    assert {a.kind for a in activities} == set(ActivityKind)
    statuses = [a.status for a in activities]
    assert statuses.count(ActivityStatus.HELD) > len(activities) / 2
    assert 1 <= statuses.count(ActivityStatus.CANCELLED) <= 2
    assert statuses.count(ActivityStatus.PLANNED) >= 3
    today = local_today()
    for activity in activities:
        if activity.status is ActivityStatus.PLANNED:
            # Planned activities lie ahead of the day the demo was loaded.
            assert activity.starts_on > today, activity.ref
            continue
        assert date(2025, 9, 1) <= activity.starts_on <= date(2026, 6, 30), activity.ref
        # The roadmap ended with 2022 but governs until the next programme is published.
        assert activity.plan_items, activity.ref
        assert {item.programme.code for item in activity.plan_items} == {"kgd-2020-2022"}
        if activity.starts_on >= date(2026, 6, 1):
            assert activity.kind is ActivityKind.CAMP_SHIFT
            assert activity.all_day and activity.ends_on > activity.starts_on
        else:
            # Timed in local Kaliningrad hours: school-day and evening events.
            assert 9 <= to_local(activity.starts_at).hour <= 19, activity.ref
    held = [a for a in activities if a.status is ActivityStatus.HELD]
    assert all(a.starts_on < date(2026, 5, 1) for a in held)


def test_the_live_roadmap_of_the_demos_year_shows_its_activities(demo, client):
    """The demo's activities of 2026 link to the roadmap's items (the latest programme that
    started), and the live roadmap of 2026, which counts by it, shows them."""
    year = sa.extract("year", Activity.starts_on) == 2026
    excursions = sa.select(sa.func.count()).where(
        year, Activity.kind == ActivityKind.EXCURSION, Activity.status == ActivityStatus.HELD
    )
    held_excursions = db.session.scalar(excursions)
    assert held_excursions
    with client.session_transaction() as session:
        session["lang"] = "en"
    client.post(
        "/login",
        data={
            "email": "admin@demo.partnercrm.ru",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    page = roadmap(client, year=2026)
    # Items 5 and 23 are the excursions' (kgd-2020-2022).
    assert page.activities[(5, "region")][0] == held_excursions
    assert page.activities[(23, "region")][0] == held_excursions


def test_held_activities_have_named_participants_and_headcounts(demo):
    held_named = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Participation.activity_id)))
        .join(Activity, Activity.id == Participation.activity_id)
        .where(Activity.status == ActivityStatus.HELD)
    )
    held_counted = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Headcount.activity_id)))
        .join(Activity, Activity.id == Headcount.activity_id)
        .where(Activity.status == ActivityStatus.HELD)
    )
    assert held_named >= 10
    assert held_counted >= 3
    # Participants of held activities include students with ОВЗ, named and counted.
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Participation)
            .join(Student, Student.id == Participation.student_id)
            .where(Student.ovz)
        )
        > 0
    )
    assert db.session.scalar(sa.select(sa.func.sum(Headcount.ovz_count))) > 0
    # Named participants are of the demo schools, and every one is a visiting school.
    for activity in db.session.scalars(sa.select(Activity)):
        visiting = {school.id for school in activity.schools}
        assert {p.student.school_id for p in activity.participations} <= visiting
        assert {h.school_id for h in activity.headcounts} <= visiting
        assert all(school.kind is OrganizationKind.SCHOOL for school in activity.schools)
    # No school has both names and a headcount at one activity (named rows would win).
    named = {tuple(row) for row in db.session.execute(named_pairs())}
    counted = set(db.session.execute(sa.select(Headcount.activity_id, Headcount.school_id)))
    assert not named & {tuple(row) for row in counted}


def test_a_college_records_headcounts_for_a_school(demo):
    organizers = set(
        db.session.scalars(
            sa.select(Organization.kind)
            .join(Activity, Activity.organizer_id == Organization.id)
            .join(Headcount, Headcount.activity_id == Activity.id)
        )
    )
    assert OrganizationKind.COLLEGE in organizers
    assert OrganizationKind.UNIVERSITY in organizers


def test_parent_meetings_and_camp_shifts_have_their_details(demo):
    meetings = list(db.session.scalars(sa.select(ParentMeeting)))
    assert len(meetings) >= 3
    for meeting in meetings:
        assert meeting.presenters
        assert meeting.activity.host.kind is OrganizationKind.SCHOOL
        assert not meeting.activity.participations  # the participants are parents
        if meeting.activity.status is ActivityStatus.HELD:
            assert meeting.parents_count > 0 and meeting.professions
    presenter_kinds = {o.kind for m in meetings for o in m.presenters}
    assert OrganizationKind.EMPLOYER in presenter_kinds
    shifts = list(db.session.scalars(sa.select(CampShift)))
    assert {shift.camp_type for shift in shifts} == set(CampType)
    assert all(shift.capacity and shift.theme for shift in shifts)
    country = next(s for s in shifts if s.camp_type is CampType.COUNTRY)
    assert country.activity.host.kind is OrganizationKind.CAMP
    assert country.activity.starts_on.month == 6


def test_the_demo_shows_agreements_bookings_and_a_returned_report(demo, client):
    today = local_today()
    agreements = db.session.scalars(sa.select(Agreement).order_by(Agreement.id)).all()
    ends = sorted((agreement.valid_to - today).days for agreement in agreements)
    assert ends[0] < 0 and 0 <= ends[1] <= 60 and ends[2] > 60  # expired, expiring, in force
    for agreement in agreements:
        assert len(agreement.documents) == 1 and len(agreement.parties) == 2
        assert db.session.scalar(
            sa.select(sa.func.count()).where(Activity.agreement_id == agreement.id)
        )
    report = db.session.scalars(sa.select(MunicipalReport)).one()
    assert report.status is ReportStatus.REOPENED and report.return_reason
    statuses = set(db.session.scalars(sa.select(Booking.status)))
    assert statuses == {BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CANCELLED}

    with client.session_transaction() as session:
        session["lang"] = "en"
    client.post(
        "/login",
        data={
            "email": "admin@demo.partnercrm.ru",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    page = client.get("/agreements/").get_data(as_text=True)
    assert all(agreement.number in page for agreement in agreements)
    document = agreements[0].documents[0]
    response = client.get(f"/agreements/{agreements[0].id}/documents/{document.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_demo_school_account_sees_its_roster(demo, client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    client.post(
        "/login",
        data={
            "email": "school@demo.partnercrm.ru",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    page = client.get("/students/", query_string={"grade": 8, "letter": "А"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    names = re.findall(r'href="/students/\d+">([^<]+)</a>', html)
    assert 9 <= len(names) <= 13
    own = db.session.scalar(sa.select(Organization).where(Organization.code == "school-kgd-49"))
    eighth = sa.select(Student.full_name).where(Student.school_id == own.id, Student.grade == 8)
    assert set(names) <= set(db.session.scalars(eighth))


@pytest.mark.parametrize("shown", [True, False])
def test_the_login_page_lists_the_demo_accounts_only_where_configured(make_app, shown):
    """The demo contributes the list to the login page (a template hook); accounts knows no
    demo."""
    app = make_app({"SHOW_DEMO_ACCOUNTS": shown, "SERVER_NAME": "partnercrm.test"})
    client = request_scoped_client(app)
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ("school@demo.partnercrm.ru" in page) is shown
    assert (DEMO_PASSWORD in page) is shown
    if shown:
        assert "<code>czn@demo.partnercrm.ru</code> — " in page


def test_the_demo_weekly_series(demo):
    """«Россия — мои горизонты» for grades 6–9 of the demo school, Thursdays of 2025/26 but the
    holidays; the sessions held have their classes' students but a few absentees."""
    from partnercrm.series.models import ActivitySeries

    series = db.session.scalars(sa.select(ActivitySeries)).one()
    assert series.title == "Россия — мои горизонты"
    assert {row.grade for row in series.classes} == {6, 7, 8, 9}
    sessions = list(db.session.scalars(sa.select(Activity).where(Activity.series_id == series.id)))
    days = {session.starts_on for session in sessions}
    assert len(sessions) == 34 and all(day.isoweekday() == 4 for day in days)
    assert date(2025, 10, 30) not in days and date(2026, 1, 8) not in days  # holidays
    members = count(Student)  # an upper bound: every student of the demo
    for session in sessions:
        present = db.session.scalar(
            sa.select(sa.func.count()).where(Participation.activity_id == session.id)
        )
        assert 0 < present < members
        assert session.status is (
            ActivityStatus.HELD if session.starts_on < local_today() else ActivityStatus.PLANNED
        )
