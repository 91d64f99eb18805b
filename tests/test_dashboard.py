"""Each role's dashboard shows numbers counted from the database, for its own scope."""

from __future__ import annotations

import re
from datetime import date, datetime

import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.activities import services
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.conftest import csrf_token, log_in, request_scoped_client
from tests.factories import OrganizationFactory, UserFactory


def numbers(page: str) -> dict[str, int]:
    """{label: value} of the dashboard's cards."""
    found = re.findall(
        r'<div class="display-6">(\d+)</div>\s*(?:<a[^>]*>)?([^<]+?)\s*(?:</a>)?\s*</div>', page
    )
    return {label.strip(): int(value) for value, label in found}


def activity(day: date, status=ActivityStatus.HELD, **kwargs):
    return ActivityFactory(
        status=status,
        starts_at=to_utc(datetime.combine(day, datetime.min.time())),
        starts_on=day,
        kind=ActivityKind.EXCURSION,
        **kwargs,
    )


@time_machine.travel(datetime(2026, 11, 26, 12, 0), tick=False)
def test_school_dashboard_counts_its_own_year(app):
    user = UserFactory(role=Role.SCHOOL)
    school = user.organization
    other_school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    students = StudentFactory.create_batch(3, school=school)
    StudentFactory(school=school, archived_at=to_utc(datetime(2026, 9, 1)))
    visit = activity(date(2026, 10, 5), organizer=school)
    services.set_named_participants(visit, school, students[:2])
    services.set_headcount(activity(date(2026, 11, 1), organizer=school), school, grade=7, count=20)
    activity(date(2025, 12, 1), organizer=school)  # last year
    activity(date(2026, 12, 10), status=ActivityStatus.PLANNED, organizer=school)
    activity(date(2026, 10, 7), organizer=other_school)  # not ours
    db.session.commit()
    client = request_scoped_client(app)
    log_in(client, user.email)
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/dashboard")})
    shown = numbers(client.get("/dashboard").get_data(as_text=True))
    assert shown["Activities held this year"] == 2
    assert shown["Planned activities ahead"] == 1
    assert shown["Students who took part this year"] == 22
    assert shown["Students in the roster"] == 3
    assert shown["Colleagues with an account"] == 0  # not oneself
    UserFactory(role=Role.SCHOOL, organization=school)
    UserFactory(role=Role.SCHOOL, organization=school, active=False)
    db.session.commit()
    shown = numbers(client.get("/dashboard").get_data(as_text=True))
    assert shown["Colleagues with an account"] == 1


@time_machine.travel(datetime(2026, 11, 26, 12, 0), tick=False)
def test_dashboard_offers_the_school_year(app):
    user = UserFactory(role=Role.SCHOOL)
    school = user.organization
    services.set_headcount(activity(date(2026, 3, 5), organizer=school), school, grade=7, count=4)
    services.set_headcount(activity(date(2026, 8, 31), organizer=school), school, grade=7, count=5)
    services.set_headcount(activity(date(2026, 9, 1), organizer=school), school, grade=7, count=6)
    db.session.commit()
    client = request_scoped_client(app)
    log_in(client, user.email)
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/dashboard")})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "period=school-year" in page
    shown = numbers(page)
    assert shown["Activities held this year"] == 3
    assert shown["Students who took part this year"] == 15
    shown = numbers(client.get("/dashboard?period=school-year").get_data(as_text=True))
    assert shown["Activities held this school year"] == 1
    assert shown["Students who took part this school year"] == 6


@time_machine.travel(datetime(2026, 11, 26, 12, 0), tick=False)
def test_admin_and_coordinators_count_each_student_once_in_their_scope(app):
    """The admin's region and a coordinator's municipality (activities it hosts, organizes or
    visits; a school visits where it names or counts participants): a student at two held
    activities once, cancelled, future and last year's activities not at all, a school's
    headcount only where it named nobody."""
    school_a = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    school_b = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    school_c = OrganizationFactory(kind=OrganizationKind.SCHOOL)  # a third municipality
    employer_b = OrganizationFactory(
        kind=OrganizationKind.EMPLOYER, municipality=school_b.municipality
    )
    admin = UserFactory(role=Role.ADMIN)
    coordinator_a = UserFactory(role=Role.COORDINATOR, municipality=school_a.municipality)
    coordinator_b = UserFactory(role=Role.COORDINATOR, municipality=school_b.municipality)
    s1, s2, s4, s5 = StudentFactory.create_batch(4, school=school_a)
    s3 = StudentFactory(school=school_b)
    at_a = activity(date(2026, 10, 5), host=school_a, organizer=school_a)
    services.set_named_participants(at_a, school_a, [s1, s2])
    services.set_headcount(at_a, school_a, grade=7, count=50)  # named wins
    services.set_headcount(at_a, school_c, grade=7, count=10)
    visited = activity(date(2026, 10, 20), host=employer_b, organizer=employer_b)
    visited.schools = [school_a]
    services.set_named_participants(visited, school_a, [s1])
    services.set_named_participants(visited, school_b, [s3])
    at_b = activity(date(2026, 11, 1), host=school_b, organizer=school_b)
    services.set_named_participants(at_b, school_b, [s3])
    services.set_headcount(at_b, school_c, grade=8, count=7)
    for day, status, who in (
        (date(2026, 10, 10), ActivityStatus.CANCELLED, s4),
        (date(2026, 12, 10), ActivityStatus.HELD, s5),  # after today
        (date(2025, 12, 1), ActivityStatus.HELD, s5),  # last year
    ):
        other = activity(day, host=school_a, organizer=school_a)
        services.set_named_participants(other, school_a, [who])
        other.status = status  # cancelled after its participants were named
    db.session.commit()
    label = "Students who took part this year"
    expected = {admin: 3 + 10 + 7, coordinator_a: 3 + 10, coordinator_b: 2 + 7}
    clients = {}
    for user in expected:
        clients[user] = request_scoped_client(app)
        log_in(clients[user], user.email)
        clients[user].post(
            "/language", data={"lang": "en", "csrf_token": csrf_token(clients[user], "/dashboard")}
        )
    shown = {
        user: numbers(client.get("/dashboard").get_data(as_text=True))
        for user, client in clients.items()
    }
    assert {user: numbers_[label] for user, numbers_ in shown.items()} == expected
    # The visit cancelled: s3 stays in the region (and in B, at B's own activity), leaves A.
    visited.status = ActivityStatus.CANCELLED
    db.session.commit()
    shown = {
        user: numbers(client.get("/dashboard").get_data(as_text=True))
        for user, client in clients.items()
    }
    assert {user: numbers_[label] for user, numbers_ in shown.items()} == {
        admin: 20,
        coordinator_a: 2 + 10,
        coordinator_b: 1 + 7,
    }
    # A participant added (nothing else of the activity changes): in the region and in B.
    services.set_named_participants(at_b, school_b, [s3, StudentFactory(school=school_b)])
    db.session.commit()
    shown = {
        user: numbers(client.get("/dashboard").get_data(as_text=True))
        for user, client in clients.items()
    }
    assert {user: numbers_[label] for user, numbers_ in shown.items()} == {
        admin: 21,
        coordinator_a: 12,
        coordinator_b: 9,
    }
