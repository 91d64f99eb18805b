"""School holidays: seeded for the current school year by `partnercrm seed`, edited by admins."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.holidays import school_year_of, seed_school_holidays
from partnercrm.jobs.models import SchoolHoliday
from partnercrm.jobs.queries import holiday_periods
from partnercrm.localtime import REGION_TZ
from tests.conftest import csrf_token, request_scoped_client
from tests.factories import PASSWORD, MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import SchoolHolidayFactory


def holidays() -> list[tuple[str, str, date, date]]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                SchoolHoliday.school_year,
                SchoolHoliday.name,
                SchoolHoliday.first_day,
                SchoolHoliday.last_day,
            ).order_by(SchoolHoliday.first_day)
        )
    ]


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 8, 31), "2025/2026"),
        (date(2026, 9, 1), "2026/2027"),
        (date(2027, 1, 10), "2026/2027"),
    ],
)
def test_school_year_of(day, year):
    assert school_year_of(day) == year


def test_every_year_in_the_file_has_four_holidays_inside_it():
    for year in ("2025/2026", "2026/2027", "2027/2028"):
        rows = data.school_holidays(year)
        assert [row["name"].split()[0] for row in rows] == [
            "Осенние",
            "Зимние",
            "Весенние",
            "Летние",
        ]
        for row in rows:
            assert school_year_of(row["first_day"]) == school_year_of(row["last_day"]) == year
            assert row["first_day"] <= row["last_day"]
        assert (rows[-1]["first_day"].month, rows[-1]["first_day"].day) == (6, 1)
        assert (rows[-1]["last_day"].month, rows[-1]["last_day"].day) == (8, 31)


@time_machine.travel(datetime(2026, 8, 31, 23, 30, tzinfo=REGION_TZ), tick=False)
def test_seed_loads_the_current_school_year_and_is_idempotent(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "4 school holidays added" in first.output
    expected = holidays()
    assert {year for year, *_ in expected} == {"2025/2026"}
    assert expected[-1][2:] == (date(2026, 6, 1), date(2026, 8, 31))
    second = runner.invoke(args=["seed"])
    assert "0 school holidays added" in second.output
    assert holidays() == expected


# 22:30 UTC on 31 August is already 1 September in Kaliningrad.
@time_machine.travel(datetime(2026, 8, 31, 22, 30, tzinfo=UTC), tick=False)
def test_seed_takes_the_school_year_of_the_local_date(runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert {year for year, *_ in holidays()} == {"2026/2027"}


def test_seed_leaves_a_year_the_admin_edited_alone(app):
    SchoolHolidayFactory(
        school_year="2026/2027",
        first_day=date(2026, 10, 24),
        last_day=date(2026, 11, 1),
        name="Осенние каникулы",
    )
    assert seed_school_holidays("2026/2027") == 0
    assert len(holidays()) == 1


@time_machine.travel(datetime(2030, 3, 1, 12, 0, tzinfo=REGION_TZ), tick=False)
def test_a_year_missing_from_the_file_seeds_nothing_and_warns(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "no school holidays for 2029/2030" in result.stderr
    assert "/admin/school-holidays" in result.stderr
    assert "school holidays added" not in result.output
    assert holidays() == []


def test_holiday_periods_overlapping_a_period(app):
    summer = SchoolHolidayFactory()
    SchoolHolidayFactory(
        name="Осенние каникулы", first_day=date(2025, 10, 27), last_day=date(2025, 11, 4)
    )
    SchoolHolidayFactory(
        school_year="2026/2027",
        name="Осенние каникулы",
        first_day=date(2026, 10, 26),
        last_day=date(2026, 11, 3),
    )
    assert holiday_periods(db.session, date(2026, 8, 20), date(2026, 10, 26)) == [
        (summer.first_day, summer.last_day),
        (date(2026, 10, 26), date(2026, 11, 3)),
    ]
    assert holiday_periods(db.session, date(2026, 9, 1), date(2026, 10, 25)) == []


# --- Admin editing ---


@pytest.fixture
def admin_client(app):
    UserFactory(role=Role.ADMIN, email="admin@example.org")
    db.session.commit()
    client = request_scoped_client(app)
    client.post(
        "/login",
        data={
            "email": "admin@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/dashboard")})
    return client


def holiday_form(**changes) -> dict:
    return {
        "school_year": "2026/2027",
        "name": "Осенние каникулы",
        "first_day": "2026-10-26",
        "last_day": "2026-11-03",
        **changes,
    }


def post(client, url, form):
    return client.post(url, data={**form, "csrf_token": csrf_token(client, url)})


def test_admin_adds_and_corrects_holidays(admin_client):
    assert admin_client.get("/admin/school-holidays/").status_code == 200
    response = post(admin_client, "/admin/school-holidays/new/", holiday_form())
    assert response.status_code == 302
    [holiday] = db.session.scalars(sa.select(SchoolHoliday)).all()
    response = post(
        admin_client,
        f"/admin/school-holidays/edit/?id={holiday.id}",
        holiday_form(last_day="2026-11-04"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert holidays() == [("2026/2027", "Осенние каникулы", date(2026, 10, 26), date(2026, 11, 4))]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_day": "2026-10-25"}, "The last day cannot be before the first day."),
        ({"school_year": "2025/2026"}, "The holidays must lie within the school year 2025/2026"),
        ({"first_day": "2026-08-25"}, "The holidays must lie within the school year 2026/2027"),
        ({"school_year": "2026-27"}, "The holidays must lie within the school year 2026-27"),
        # plausible: holidays from 2015 to three years ahead, no control characters.
        (
            {"school_year": "9998/9999", "first_day": "9999-01-01", "last_day": "9999-01-08"},
            "The date must be from 01.01.2015 to",
        ),
        (
            {"school_year": "2013/2014", "first_day": "2013-10-26", "last_day": "2013-11-03"},
            "The date must be from 01.01.2015 to",
        ),
        ({"name": "Осенние\x00 каникулы"}, "invisible control character (U+0000)"),
    ],
)
def test_admin_bad_dates_show_a_message_and_change_nothing(admin_client, changes, message):
    response = post(admin_client, "/admin/school-holidays/new/", holiday_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert holidays() == []


def test_admin_duplicate_holiday_is_refused_without_a_500(admin_client):
    SchoolHolidayFactory(
        school_year="2026/2027", first_day=date(2026, 10, 26), last_day=date(2026, 11, 3)
    )
    db.session.commit()
    response = post(admin_client, "/admin/school-holidays/new/", holiday_form())
    assert response.status_code == 200
    assert "Holidays starting on this day are already entered." in response.get_data(as_text=True)
    assert len(holidays()) == 1


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.EMPLOYMENT_CENTER])
def test_only_admins_edit_holidays(app, role):
    if role is Role.COORDINATOR:
        user = UserFactory(role=role, municipality=MunicipalityFactory())
    else:
        user = UserFactory(
            role=role, organization=OrganizationFactory(kind=OrganizationKind.EMPLOYMENT_CENTER)
        )
    db.session.commit()
    client = request_scoped_client(app)
    client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert client.get("/admin/school-holidays/").status_code == 403
