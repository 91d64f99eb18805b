"""Agreements: the derived status (Python and SQL), create/edit/list/filter through the pages,
access by role and by id, linking activities and what they produced, the plan item 4 figures."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Headcount, Participation
from partnercrm.activities.rules import ActivityStatus
from partnercrm.agreements import queries
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.agreements.rules import (
    AgreementStatus,
    CooperationKind,
    agreement_status,
    due_reminder,
)
from partnercrm.audit.models import AuditEntry
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import UserFactory
from tests.test_agreement_support import (
    NOON,
    TODAY,
    client_for,
    make_agreement,
    token,
    world_fixture,  # noqa: F401 (the world fixture)
)

D = TODAY
DAY = timedelta(days=1)

# --- the derived status ---

S = AgreementStatus


@pytest.mark.parametrize(
    ("signed_on", "valid_to", "terminated_on", "expected"),
    [
        # not signed: a draft, whatever the dates say
        (None, None, None, S.DRAFT),
        (None, D + 365 * DAY, None, S.DRAFT),
        # indefinite
        (D - 100 * DAY, None, None, S.ACTIVE),
        # the 60-day boundary
        (D - 100 * DAY, D + 61 * DAY, None, S.ACTIVE),
        (D - 100 * DAY, D + 60 * DAY, None, S.EXPIRING),
        (D - 100 * DAY, D + 1 * DAY, None, S.EXPIRING),
        # the last valid day is today: still valid, expiring
        (D - 100 * DAY, D, None, S.EXPIRING),
        (D - 100 * DAY, D - 1 * DAY, None, S.EXPIRED),
        # signed today
        (D, D + 365 * DAY, None, S.ACTIVE),
        # terminated today or before
        (D - 100 * DAY, D + 365 * DAY, D, S.TERMINATED),
        (D - 100 * DAY, D + 365 * DAY, D - 1 * DAY, S.TERMINATED),
        (D - 100 * DAY, D - 10 * DAY, D - 20 * DAY, S.TERMINATED),
        (D - 100 * DAY, None, D - 1 * DAY, S.TERMINATED),
        # terminated in the future: not yet
        (D - 100 * DAY, D + 365 * DAY, D + 1 * DAY, S.ACTIVE),
        (D - 100 * DAY, D + 30 * DAY, D + 1 * DAY, S.EXPIRING),
        (D - 100 * DAY, None, D + 10 * DAY, S.ACTIVE),
        (D - 100 * DAY, D - 1 * DAY, D + 10 * DAY, S.EXPIRED),
    ],
)
def test_derived_status(signed_on, valid_to, terminated_on, expected):
    assert agreement_status(D, signed_on, valid_to, terminated_on) is expected


SIGNED = (None, D - 400 * DAY, D)
ENDS = (None, D - 30 * DAY, D - DAY, D, D + DAY, D + 59 * DAY, D + 60 * DAY, D + 61 * DAY)
TERMINATED = (None, D - DAY, D, D + DAY)


@pytest.mark.parametrize("today", [D, D + 30 * DAY, D - 61 * DAY])
def test_sql_status_filter_agrees_with_the_rule(app, world, today):
    expected: dict[AgreementStatus, set[int]] = {status: set() for status in AgreementStatus}
    for number, (signed_on, valid_to, terminated_on) in enumerate(
        itertools.product(SIGNED, ENDS, TERMINATED)
    ):
        agreement = make_agreement(
            [world.school, world.employer],
            number=f"N{number}",
            signed_on=signed_on,
            valid_to=valid_to,
            terminated_on=terminated_on,
            commit=False,
        )
        expected[agreement_status(today, signed_on, valid_to, terminated_on)].add(agreement.id)
    db.session.commit()
    for status in AgreementStatus:
        found = set(
            db.session.scalars(sa.select(Agreement.id).where(queries.status_where(status, today)))
        )
        assert found == expected[status], status
    # every agreement has exactly one status
    assert sum(len(ids) for ids in expected.values()) == len(SIGNED) * len(ENDS) * len(TERMINATED)
    counts = queries.status_counts(db.session, sa.select(Agreement), today)
    assert counts == {status: len(ids) for status, ids in expected.items()}


@pytest.mark.parametrize(
    ("days_left", "due"),
    [
        (None, None),
        (-1, None),
        (61, None),
        (60, 60),
        (59, 60),
        (15, 60),
        (14, 14),
        (1, 14),
        (0, 14),
    ],
)
def test_due_reminder(days_left, due):
    valid_to = None if days_left is None else D + days_left * DAY
    assert due_reminder(D, valid_to) == due


# --- create and edit through the pages ---


def _form(number="7/2021", subject="Экскурсии и профпробы", parties=(), **fields):
    data = {"number": number, "subject": subject}
    for index, (organization, role) in enumerate(parties):
        data[f"parties-{index}-organization"] = organization
        data[f"parties-{index}-role"] = role
    data.update(fields)
    return data


@time_machine.travel(NOON, tick=False)
def test_school_creates_an_agreement_with_an_employer(app, world):
    client = client_for(app, world.school_user)
    page = client.get("/agreements/new").get_data(as_text=True)
    # the user's own organization is the first party
    assert "Школа № 1 [SCH1]" in page
    data = _form(
        parties=[("Школа № 1 [SCH1]", "Школа"), ("EMP1", "Работодатель"), ("", "")],
        kinds=["excursions", "profprobes"],
        signed_on="2021-05-20",
        valid_from="2021-05-20",
        valid_to="2022-05-19",
        contact_persons="Иванова И. И., +7 900 000-00-00",
        csrf_token=token(client, "/agreements/new"),
    )
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    agreement = db.session.scalars(sa.select(Agreement)).one()
    assert response.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert agreement.number == "7/2021"
    assert agreement.created_by_id == world.school_user.id
    assert {(p.organization.code, p.role) for p in agreement.parties} == {
        ("SCH1", "Школа"),
        ("EMP1", "Работодатель"),
    }
    assert {k.kind for k in agreement.kinds} == {
        CooperationKind.EXCURSIONS,
        CooperationKind.PROFPROBES,
    }
    assert agreement.valid_to == date(2022, 5, 19)
    assert agreement.status_on(TODAY) is AgreementStatus.ACTIVE
    # the audit trail has the agreement and its parties
    audited = set(db.session.scalars(sa.select(AuditEntry.object_type)))
    assert {"agreement", "agreement_party", "agreement_kind"} <= audited

    # the employer's staff find it in their list and on its page
    employer = client_for(app, world.employer_user)
    listing = employer.get("/agreements/").get_data(as_text=True)
    assert "7/2021" in listing
    detail = employer.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Завод Янтарь" in detail and "Работодатель" in detail
    assert 'data-status="active"' in detail


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parties-1-organization": ""}, "at least two parties"),
        ({"parties-1-organization": "SCH1"}, "named twice"),
        ({"parties-1-organization": "Нет такой"}, "No such organization"),
        ({"valid_from": "2021-05-01", "valid_to": "2021-04-01"}, "before its start"),
        ({"terminated_on": "2021-05-25"}, "reason for the termination"),
        ({"termination_reason": "по соглашению сторон"}, "date of the termination"),
        (
            {"signed_on": "", "terminated_on": "2021-05-25", "termination_reason": "x"},
            "Only a signed agreement",
        ),
        ({"signed_on": "2021-06-02"}, "cannot be in the future"),
        ({"number": ""}, "This field is required"),
        ({"kinds": ["bogus"]}, "Unknown choice"),
        # plausible: dates from 2000 to 25 years ahead, no control characters.
        ({"valid_to": "9999-12-31"}, "The date must be from 01.01.2000 to 01.06.2046."),
        ({"signed_on": "1999-12-31"}, "The date must be from 01.01.2000 to 01.06.2046."),
        ({"valid_from": "0001-01-01"}, "The date must be from 01.01.2000 to 01.06.2046."),
        ({"number": "7/2021\x00"}, "invisible control character (U+0000)"),
        ({"notes": "Строка\r\nСтро\x0cка"}, "invisible control character (U+000C)"),
        ({"parties-1-role": "Работодатель\x7f"}, "invisible control character (U+007F)"),
        # (before the organization is looked up: PostgreSQL refuses a NUL in a query)
        ({"parties-1-organization": "EMP1\x00"}, "invisible control character (U+0000)"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(app, world, change, message):
    client = client_for(app, world.school_user, lang="en")
    data = _form(
        parties=[("SCH1", ""), ("EMP1", "")],
        signed_on="2021-05-20",
        csrf_token=token(client, "/agreements/new"),
    )
    data.update(change)
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    if "control character" in message:
        assert "No such organization" not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0


@time_machine.travel(NOON, tick=False)
def test_staff_must_name_their_own_organization(app, world):
    client = client_for(app, world.school_user)
    data = _form(parties=[("SCH2", ""), ("EMP1", "")], csrf_token=token(client, "/agreements/new"))
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0


@time_machine.travel(NOON, tick=False)
def test_the_same_number_with_a_common_party_is_refused(app, world):
    make_agreement([world.school, world.employer], number="7/2021")
    client = client_for(app, world.school_user)
    data = _form(parties=[("SCH1", ""), ("COL1", "")], csrf_token=token(client, "/agreements/new"))
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 1


@time_machine.travel(NOON, tick=False)
def test_edit_changes_fields_parties_and_roles(app, world):
    agreement = make_agreement(
        [(world.school, "Школа"), (world.employer, "Предприятие")], valid_to=date(2021, 12, 31)
    )
    client = client_for(app, world.employer_user)
    page = client.get(f"/agreements/{agreement.id}/edit").get_data(as_text=True)
    assert "Завод Янтарь [EMP1]" in page and 'value="2021-12-31"' in page
    data = _form(
        number="1-СП",
        subject="Новый предмет",
        parties=[("EMP1", "Работодатель"), ("COL1", "Колледж"), ("", "")],
        kinds=["holiday_jobs"],
        signed_on="2021-01-15",
        valid_to="2023-12-31",
        terminated_on="2021-05-31",
        termination_reason="Реорганизация школы",
        csrf_token=token(client, f"/agreements/{agreement.id}/edit"),
    )
    response = client.post(f"/agreements/{agreement.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.subject == "Новый предмет"
    assert {(p.organization.code, p.role) for p in agreement.parties} == {
        ("EMP1", "Работодатель"),
        ("COL1", "Колледж"),
    }
    assert [k.kind for k in agreement.kinds] == [CooperationKind.HOLIDAY_JOBS]
    assert agreement.status_on(TODAY) is AgreementStatus.TERMINATED
    assert agreement.termination_reason == "Реорганизация школы"


@time_machine.travel(NOON, tick=False)
def test_staff_cannot_edit_their_organization_out(app, world):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, world.school_user)
    data = _form(
        number="1-СП",
        parties=[("EMP1", ""), ("COL1", "")],
        csrf_token=token(client, f"/agreements/{agreement.id}/edit"),
    )
    assert client.post(f"/agreements/{agreement.id}/edit", data=data).status_code == 200
    db.session.expire_all()
    codes = {p.organization.code for p in db.session.get(Agreement, agreement.id).parties}
    assert codes == {"SCH1", "EMP1"}


# --- lists and filters ---


def _numbers(page: str) -> list[str]:
    return re.findall(r">№ ([^<]+)</a>", page)


@time_machine.travel(NOON, tick=False)
def test_list_filters(app, world):
    make_agreement([world.school, world.employer], number="A-active", valid_to=D + 365 * DAY)
    make_agreement(
        [world.school, world.college],
        number="B-expiring",
        valid_to=D + 20 * DAY,
        kinds=[CooperationKind.PARENT_MEETINGS],
    )
    make_agreement([world.school, world.employer], number="C-expired", valid_to=D - DAY)
    make_agreement([world.school, world.employer], number="D-draft", signed_on=None)
    make_agreement(
        [world.school, world.employer],
        number="E-terminated",
        terminated_on=D - 10 * DAY,
        termination_reason="x",
    )
    make_agreement([world.other_school, world.college], number="F-other", valid_to=None)
    client = client_for(app, world.admin)

    def numbers(**args) -> set[str]:
        response = client.get("/agreements/", query_string=args)
        assert response.status_code == 200
        return set(_numbers(response.get_data(as_text=True)))

    assert len(numbers()) == 6
    assert numbers(status="active") == {"A-active", "F-other"}
    assert numbers(status="expiring") == {"B-expiring"}
    assert numbers(status="expired") == {"C-expired"}
    assert numbers(status="draft") == {"D-draft"}
    assert numbers(status="terminated") == {"E-terminated"}
    assert numbers(status="nonsense") == numbers()
    assert numbers(party="колледж") == {"B-expiring", "F-other"}
    assert numbers(party="EMP1") == {"A-active", "C-expired", "D-draft", "E-terminated"}
    assert numbers(municipality=world.south.id) == {"B-expiring", "F-other"}
    assert numbers(kind="parent_meetings") == {"B-expiring"}
    assert numbers(expires=30) == {"B-expiring"}
    assert numbers(expires=400) == {"A-active", "B-expiring"}
    assert numbers(expires=400, party="Янтарь") == {"A-active"}
    assert numbers(q="draft") == {"D-draft"}
    assert numbers(organization=world.college.id) == {"B-expiring", "F-other"}
    assert client.get("/agreements/", query_string={"expires": "abc"}).status_code == 200


@time_machine.travel(NOON, tick=False)
def test_list_is_paginated(app, world):
    for number in range(30):
        make_agreement([world.school, world.employer], number=f"P{number:02d}", commit=False)
    db.session.commit()
    client = client_for(app, world.school_user)
    first = _numbers(client.get("/agreements/").get_data(as_text=True))
    second = _numbers(client.get("/agreements/?page=2").get_data(as_text=True))
    assert len(first) == 25 and len(second) == 5
    assert not set(first) & set(second)


# --- access by role and by id ---

SEES = {
    "admin": True,
    "coordinator": True,  # of the school's and employer's municipality
    "south_coordinator": False,
    "school_user": True,
    "employer_user": True,
    "college_user": False,
    "other_school_user": False,  # same municipality, not a party
    "other_employer_user": False,
}


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(("who", "sees"), list(SEES.items()))
def test_access_matrix(app, world, who, sees):
    agreement = make_agreement([world.school, world.employer], number="SECRET-1")
    client = client_for(app, getattr(world, who))
    expected = 200 if sees else 404
    assert client.get(f"/agreements/{agreement.id}").status_code == expected
    assert client.get(f"/agreements/{agreement.id}/edit").status_code == expected
    listing = client.get("/agreements/").get_data(as_text=True)
    assert ("SECRET-1" in listing) is sees
    # a write by id changes nothing for those who may not see it
    path = f"/agreements/{agreement.id}/edit"
    data = _form(
        number="HACKED",
        parties=[("SCH1", ""), ("EMP1", "")],
        csrf_token=token(client, "/agreements/"),
    )
    response = client.post(path, data=data)
    db.session.expire_all()
    number = db.session.get(Agreement, agreement.id).number
    if sees:
        assert response.status_code == 302 and number == "HACKED"
    else:
        assert response.status_code == 404 and number == "SECRET-1"


def test_anonymous_users_are_sent_to_log_in(app, world):
    agreement = make_agreement([world.school, world.employer])
    client = client_for(app, None)
    for path in (
        "/agreements/",
        f"/agreements/{agreement.id}",
        "/agreements/new",
        "/agreements/stats",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_id_is_not_found(app, world):
    client = client_for(app, world.admin)
    assert client.get("/agreements/999").status_code == 404


def test_navigation_has_agreements(app, world):
    page = client_for(app, world.employer_user).get("/agreements/").get_data(as_text=True)
    assert 'href="/agreements/"' in page


def test_organization_search_for_the_picker(app, world):
    client = client_for(app, world.school_user)
    found = client.get("/organizations/search?q=янтар").get_json()
    assert [item["value"] for item in found] == ["Завод Янтарь [EMP1]"]
    # only what the directory shows every logged-in user
    assert set(found[0]) == {"id", "value", "code", "name", "short_name", "municipality"}
    assert client.get("/organizations/search?q=я").get_json() == []


# --- activities under the agreement: linking and outcomes ---


def _activity(host, organizer, day: date, status=ActivityStatus.HELD, **kwargs):
    from datetime import datetime

    return ActivityFactory(
        host=host,
        organizer=organizer,
        status=status,
        starts_at=to_utc(datetime.combine(day, datetime.min.time()).replace(hour=10)),
        starts_on=day,
        **kwargs,
    )


@time_machine.travel(NOON, tick=False)
def test_link_and_unlink_an_activity(app, world):
    agreement = make_agreement([world.school, world.employer])
    own = _activity(world.employer, world.school, date(2021, 3, 1))
    foreign = _activity(world.other_employer, world.other_school, date(2021, 3, 2))
    db.session.commit()
    own_id, foreign_id = own.id, foreign.id
    client = client_for(app, world.school_user)
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f'<option value="{own_id}">' in page
    assert f'<option value="{foreign_id}">' not in page
    csrf = token(client, f"/agreements/{agreement.id}")

    # another organization's activity cannot be linked by id
    response = client.post(
        f"/agreements/{agreement.id}/activities", data={"activity": foreign_id, "csrf_token": csrf}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(type(own), foreign_id).agreement_id is None

    response = client.post(
        f"/agreements/{agreement.id}/activities", data={"activity": own_id, "csrf_token": csrf}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(own), own_id).agreement_id == agreement.id

    # an outsider cannot unlink it
    outsider = client_for(app, world.other_school_user)
    response = outsider.post(
        f"/agreements/{agreement.id}/activities/{own_id}/unlink",
        data={"csrf_token": token(outsider, "/agreements/")},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(own), own_id).agreement_id == agreement.id

    response = client.post(
        f"/agreements/{agreement.id}/activities/{own_id}/unlink", data={"csrf_token": csrf}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(own), own_id).agreement_id is None


@time_machine.travel(NOON, tick=False)
def test_outcomes_per_year(app, world):
    agreement = make_agreement([world.school, world.employer])
    other = make_agreement([world.school, world.college], number="2-СП")
    students = StudentFactory.create_batch(3, school=world.school)
    a2021 = _activity(world.employer, world.school, date(2021, 3, 1), agreement_id=agreement.id)
    b2021 = _activity(world.employer, world.school, date(2021, 4, 1), agreement_id=agreement.id)
    _activity(
        world.employer,
        world.school,
        date(2021, 9, 1),
        status=ActivityStatus.PLANNED,
        agreement_id=agreement.id,
    )
    c2020 = _activity(world.employer, world.school, date(2020, 10, 1), agreement_id=agreement.id)
    _activity(
        world.employer,
        world.school,
        date(2020, 11, 1),
        status=ActivityStatus.CANCELLED,
        agreement_id=agreement.id,
    )
    elsewhere = _activity(world.college, world.school, date(2021, 3, 3), agreement_id=other.id)
    # 2021: 3 named at a, 2 named at b + a headcount of another school (counts), and a
    # headcount of the school at b that the named participants override
    for student in students:
        db.session.add(Participation(activity=a2021, student=student))
    for student in students[:2]:
        db.session.add(Participation(activity=b2021, student=student))
    db.session.add(Headcount(activity=b2021, school=world.other_school, grade=0, count=10))
    db.session.add(Headcount(activity=b2021, school=world.school, grade=0, count=25))
    # 2020: headcount only
    db.session.add(Headcount(activity=c2020, school=world.school, grade=8, count=12))
    db.session.add(Headcount(activity=elsewhere, school=world.school, grade=8, count=99))
    db.session.commit()

    found = queries.outcomes(db.session, agreement.id)
    by_year = {year.year: year for year in found.years}
    assert list(by_year) == [2021, 2020]
    assert (by_year[2021].held, by_year[2021].planned, by_year[2021].cancelled) == (2, 1, 0)
    assert (by_year[2021].named, by_year[2021].headcount, by_year[2021].participants) == (5, 10, 15)
    assert (by_year[2020].held, by_year[2020].cancelled, by_year[2020].participants) == (1, 1, 12)

    # the employer sees the numbers, never the names
    page = client_for(app, world.employer_user).get(f"/agreements/{agreement.id}")
    text = page.get_data(as_text=True)
    assert re.search(r'data-year="2021".*?data-held="2".*?data-participants="15"', text, re.S)
    assert re.search(r'data-year="2020".*?data-held="1".*?data-participants="12"', text, re.S)
    assert all(student.full_name not in text for student in students)


# --- plan item 4: signed per year and municipality ---


def test_stats_page_counts_signed_agreements(app, world):
    make_agreement([world.school, world.employer], number="1", signed_on=date(2020, 5, 1))
    make_agreement([world.school, world.college], number="2", signed_on=date(2021, 2, 1))
    make_agreement([world.other_school, world.employer], number="3", signed_on=date(2021, 3, 1))
    make_agreement([world.school, world.employer], number="4", signed_on=None)  # draft
    stats = queries.signed_per_year_and_municipality(db.session, sa.select(Agreement))
    assert stats.years == [2020, 2021]
    assert stats.cells == {("Северный", 2020): 1, ("Северный", 2021): 2, ("Южный", 2021): 1}
    assert stats.year_totals == {2020: 1, 2021: 2}
    assert stats.total == 3

    page = client_for(app, world.college_user).get("/agreements/stats").get_data(as_text=True)
    north = re.search(r'data-municipality="Северный">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-year="\d+">(\d+)<', north) == ["1", "2"]
    assert re.search(r"data-total>(\d+)<", north).group(1) == "3"
    south = re.search(r'data-municipality="Южный">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-year="\d+">(\d+)<', south) == ["0", "1"]
    region = re.search(r'data-municipality="">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-year="\d+">(\d+)<', region) == ["1", "2"]
    assert re.search(r"data-total>(\d+)<", region).group(1) == "3"
    assert "/agreements/stats" in client_for(app, world.college_user).get("/agreements/").get_data(
        as_text=True
    )


def test_party_rows_are_unique_per_organization(app, world):
    agreement = make_agreement([world.school, world.employer])
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AgreementParty)
            .where(AgreementParty.agreement_id == agreement.id)
        )
        == 2
    )


def test_plan_item_4_page_counts_agreements_signed_per_year_and_municipality(app, world, seeded):
    make_agreement([world.school, world.employer], number="1", signed_on=date(2020, 5, 1))
    make_agreement([world.school, world.college], number="2", signed_on=date(2021, 3, 1))
    client = client_for(app, world.school_user)
    page = client.get("/roadmap/items/4").get_data(as_text=True)
    north = re.search(r'data-municipality="Северный">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-year="\d+">(\d+)<', north) == ["1", "1"]
    south = re.search(r'data-municipality="Южный">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-year="\d+">(\d+)<', south) == ["0", "1"]
    assert 'id="signed-stats"' not in client.get("/roadmap/items/5").get_data(as_text=True)


def test_organization_page_links_to_its_agreements(app, world):
    link = f'href="/agreements/?organization={world.employer.id}"'
    page = client_for(app, world.school_user).get(f"/organizations/{world.employer.id}")
    assert link in page.get_data(as_text=True)
    # a coordinator without a municipality sees no agreements at all
    nowhere = UserFactory(role=Role.COORDINATOR, municipality=None)
    db.session.commit()
    page = client_for(app, nowhere).get(f"/organizations/{world.employer.id}")
    assert link not in page.get_data(as_text=True)
