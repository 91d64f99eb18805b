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
