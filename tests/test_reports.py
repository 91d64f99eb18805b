"""Report pages, drill-down, the live roadmap and web exports, through the test client, on a
small hand-counted scenario (the expected numbers are worked out in ``scenario``'s docstring)."""

from __future__ import annotations

import json
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.activities import services
from partnercrm.activities.models import Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.localtime import Period, to_utc
from partnercrm.roadmap.models import Indicator, PlanItem
from partnercrm.web import periods
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.spreadsheets import caption, csv_rows, sheet_table, workbook

ROADMAP_TITLE = data.load("plan.json")["title"]
STUDENT_NAME = "Ученик Тестовый"  # StudentFactory's names all start so


@pytest.fixture(autouse=True)
def english(client):
    """Assert on the English msgids, whatever the Russian catalogue says."""
    with client.session_transaction() as session:
        session["lang"] = "en"


def activity(kind, host, organizer, day: date, status=ActivityStatus.HELD, hour=10):
    return ActivityFactory(
        kind=kind,
        host=host,
        organizer=organizer,
        status=status,
        starts_at=to_utc(datetime.combine(day, datetime.min.time().replace(hour=hour))),
        starts_on=day,
        plan_items=services.plan_items_on(day, kind, None),
    )


@pytest.fixture
def scenario(seeded):
    """Two municipalities, counted by hand.

    Калининград (kgd): school A (students s1 g8, s2 g8 ОВЗ, s3 g10, s4 g6, s5 g6, s7 g5 ОВЗ),
    school C (no activity), an employer. Советский (sov): school B (s6 g9), a college.

    In 2021 (local dates):
    - 15.03 excursion to the employer, organized by A: A names s1, s2 (A's headcount 30 is
      ignored: names win); B headcount 10 (ОВЗ 1); the college's headcount 50 (not a school).
    - 10.04 open day at the college: A names s1, s3; B headcount 20 (ОВЗ 2).
    - 01.02 parent meeting at A: s4 — never counted.
    - 01.06 planned excursion: s5 — not held, not counted.
    - 31.12.2020 23:30 local excursion: s5 — the year before.
    - 01.05 profproba at the employer organized by the college: A s1, B s6.
    - 01.09 career event at A: s7 (ОВЗ).
    - 20.07 camp shift, cancelled.

    Indicator 2 (hosts employer/college): named {s1, s2, s3, s6} = 4, headcounts 10 + 20 → 34;
    kgd 3 (3 + 0), sov 31 (1 + 30). Indicator 6 (college hosts or organizes): {s1, s3, s6} + 20
    → 23; kgd 2, sov 21. Indicator 3: s1, s6 → 2. Indicator 4: s2, s7 + ОВЗ 1 + 2 → 5; kgd 2,
    sov 3. Indicator 1: kgd's plan approved in 2021, sov's in 2022 → 1. 5: 1500; 7: yes.

    By month (indicator 2): March 2 + 10 = 12, April 2 + 20 = 22, May 2; indicator 6: April 22,
    May 2; every other month 0.
    """
    place = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    kgd, sov = place["Калининград"], place["Советский"]
    school_a = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd, name="Школа А")
    school_b = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=sov, name="Школа Б")
    school_c = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd, name="Школа В")
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=kgd)
    college = OrganizationFactory(kind=OrganizationKind.COLLEGE, municipality=sov)
    s = {
        1: StudentFactory(school=school_a, grade=8),
        2: StudentFactory(school=school_a, grade=8, ovz=True),
        3: StudentFactory(school=school_a, grade=10),
        4: StudentFactory(school=school_a, grade=6),
        5: StudentFactory(school=school_a, grade=6),
        6: StudentFactory(school=school_b, grade=9),
        7: StudentFactory(school=school_a, grade=5, ovz=True),
    }
    excursion = activity(ActivityKind.EXCURSION, employer, school_a, date(2021, 3, 15))
    services.set_named_participants(excursion, school_a, [s[1], s[2]])
    services.set_headcount(excursion, school_a, grade=8, count=30)
    services.set_headcount(excursion, school_b, grade=None, count=10, ovz_count=1)
    db.session.add(Headcount(activity=excursion, school=college, grade=0, count=50))

    open_day = activity(ActivityKind.OPEN_DAY, college, college, date(2021, 4, 10))
    services.set_named_participants(open_day, school_a, [s[1], s[3]])
    services.set_headcount(open_day, school_b, grade=9, count=20, ovz_count=2)

    meeting = activity(ActivityKind.PARENT_MEETING, school_a, school_a, date(2021, 2, 1))
    # The services refuse participants at parent meetings; rows that exist anyway never count.
    db.session.add(Participation(activity=meeting, student=s[4]))

    planned = activity(
        ActivityKind.EXCURSION, employer, school_a, date(2021, 6, 1), ActivityStatus.PLANNED
    )
    services.set_named_participants(planned, school_a, [s[5]])

    last_year = activity(ActivityKind.EXCURSION, employer, school_a, date(2020, 12, 31), hour=23)
    services.set_named_participants(last_year, school_a, [s[5]])

    profproba = activity(ActivityKind.PROFPROBA, employer, college, date(2021, 5, 1))
    services.set_named_participants(profproba, school_a, [s[1]])
    services.set_named_participants(profproba, school_b, [s[6]])

    career = activity(ActivityKind.CAREER_EVENT, school_a, school_a, date(2021, 9, 1))
    services.set_named_participants(career, school_a, [s[7]])

    activity(
        ActivityKind.CAMP_SHIFT, school_a, school_a, date(2021, 7, 20), ActivityStatus.CANCELLED
    )

    db.session.add_all(
        [
            MunicipalPlan(municipality=kgd, year=2021, approved_on=date(2021, 2, 1)),
            MunicipalPlan(municipality=sov, year=2021, approved_on=date(2022, 1, 10)),
        ]
    )
    indicator = {i.number: i for i in db.session.scalars(sa.select(Indicator))}
    db.session.add_all(
        [
            IndicatorValue(indicator=indicator[5], year=2021, value=1500, comment="мониторинг"),
            IndicatorValue(indicator=indicator[7], year=2021, value=1),
        ]
    )
    users = {
        "admin": UserFactory(role=Role.ADMIN),
        "coordinator": UserFactory(role=Role.COORDINATOR, municipality=kgd),
        "school": UserFactory(role=Role.SCHOOL, organization=school_a),
        "school_b": UserFactory(role=Role.SCHOOL, organization=school_b),
    }
    db.session.commit()
    return {
        "kgd": kgd,
        "sov": sov,
        "school_a": school_a,
        "school_b": school_b,
        "school_c": school_c,
        "employer": employer,
        "college": college,
        "excursion": excursion,
        "open_day": open_day,
        "profproba": profproba,
        "users": users,
    }


# --- reading the pages ---


class _Collector(HTMLParser):
    """Every element with data-* attributes, with the data-trend/-item/-school it sits in."""

    CONTEXT = ("data-trend", "data-item", "data-school")

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []
        self.context: dict = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        for key in self.CONTEXT:
            if key in found:
                self.context[key] = found[key]
        if any(key.startswith("data-") for key in found):
            self.found.append({**{"in-" + k: v for k, v in self.context.items()}, **found})


def data(response) -> list[dict]:
    collector = _Collector()
    collector.feed(response.get_data(as_text=True))
    return collector.found


def numbers(row: dict) -> tuple[int, int, int]:
    return int(row["data-value"]), int(row["data-named"]), int(row["data-headcount"])


def indicator_rows(response) -> dict[int, dict]:
    return {
        int(row["data-indicator"]): row
        for row in data(response)
        if "data-indicator" in row and "in-data-school" not in row and "href" not in row
    }


def chart(response) -> dict[str, tuple[int, int, int]]:
    return {
        row["data-municipality"]: numbers(row)
        for row in data(response)
        if "data-municipality" in row and "data-value" in row
    }


def trend(response, number: int) -> dict[str, int]:
    return {
        row["data-month"]: int(row["data-value"])
        for row in data(response)
        if "data-month" in row and row.get("in-data-trend") == str(number)
    }


@pytest.fixture
def as_user(client, login, scenario):
    def _as(name: str):
        response = login(scenario["users"][name])
        assert response.status_code == 302
        return client

    return _as


def get_ok(client, path, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert STUDENT_NAME not in response.get_data(as_text=True)
    return response


# --- the report page ---


def test_the_school_year_runs_from_september_to_august(as_user, scenario):
    assert Period.school_year(2020) == Period(date(2020, 9, 1), date(2021, 8, 31))
    client = as_user("admin")
    by_school_year = client.get("/reports/export?format=json&school_year=2020").get_json()
    by_dates = client.get("/reports/export?format=json&from=2020-09-01&to=2021-08-31").get_json()
    assert by_school_year == by_dates
    assert by_school_year["period"] == {"from": "2020-09-01", "to": "2021-08-31"}
    page = get_ok(client, "/reports/", school_year=2020).get_data(as_text=True)
    assert '<option value="2020" selected>2020/21</option>' in page
    assert "school_year=2020" in page  # links keep the school year
    roadmap = get_ok(client, "/reports/roadmap", school_year=2020).get_data(as_text=True)
    assert "01.09.2020 – 31.08.2021" in roadmap
    assert client.get("/reports/?school_year=1999").status_code == 400


def test_a_school_sees_no_region_only_indicators(client, login, scenario):
    login(scenario["users"]["school_b"])
    rows = indicator_rows(get_ok(client, "/reports/", year=2021))
    assert sorted(rows) == [2, 3, 4, 6]


def test_admin_sees_the_region(as_user, scenario):
    client = as_user("admin")
    response = get_ok(client, "/reports/", year=2021)
    rows = indicator_rows(response)
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7]
    assert numbers(rows[2]) == (34, 4, 30)
    assert numbers(rows[6]) == (23, 3, 20)
    assert numbers(rows[3]) == (2, 2, 0)
    assert numbers(rows[4]) == (5, 2, 3)
    assert rows[1]["data-value"] == "1"
    assert rows[5]["data-value"] == "1500"
    assert rows[7]["data-value"] == "1"
    html = response.get_data(as_text=True)
    assert "мониторинг" in html
    assert "Kaliningrad region" in html and "01.01.2021" in html and "31.12.2021" in html
    # Export links for the region, and the live roadmap.
    assert "/reports/export?format=xlsx&amp;year=2021" in html
    assert "/reports/roadmap?year=2021" in html


def test_the_default_is_the_current_local_year(as_user, monkeypatch):
    monkeypatch.setattr(periods, "current_year", lambda: 2021)
    response = get_ok(as_user("admin"), "/reports/")
    assert numbers(indicator_rows(response)[2]) == (34, 4, 30)
    assert "01.01.2021" in response.get_data(as_text=True)


def test_a_period_instead_of_the_year(as_user):
    client = as_user("admin")
    # 15 March – 9 April: only the excursion.
    response = get_ok(client, "/reports/", **{"from": "2021-03-15", "to": "2021-04-09"})
    assert numbers(indicator_rows(response)[2]) == (12, 2, 10)
    # The period wins over a year given with it; DD.MM.YYYY is accepted too.
    response = get_ok(client, "/reports/", year=2020, **{"from": "15.03.2021", "to": "09.04.2021"})
    assert numbers(indicator_rows(response)[2]) == (12, 2, 10)
    # The year before: the excursion at 23:30 local on 31 December 2020.
    response = get_ok(client, "/reports/", year=2020)
    assert numbers(indicator_rows(response)[2]) == (1, 1, 0)


def test_admin_chooses_a_municipality_or_a_school(as_user, scenario):
    client = as_user("admin")
    response = get_ok(client, "/reports/", year=2021, municipality=scenario["sov"].id)
    rows = indicator_rows(response)
    assert numbers(rows[2]) == (31, 1, 30)
    assert numbers(rows[4]) == (3, 0, 3)
    assert rows[1]["data-value"] == "0"
    assert rows[5]["data-value"] == ""  # entered for the region only
    assert chart(response) == {"Советский": (31, 1, 30)}
    response = get_ok(client, "/reports/", year=2021, school=scenario["school_a"].id)
    rows = indicator_rows(response)
    assert numbers(rows[2]) == (3, 3, 0)
    assert sorted(rows) == [2, 3, 4, 6]  # 1, 5 and 7 are the region's and municipalities'
    html = response.get_data(as_text=True)
    assert "Школа А" in html and f"/reports/schools/{scenario['school_a'].id}?" in html
    # A school of another municipality than the chosen one: the municipality wins.
    response = get_ok(
        client,
        "/reports/",
        year=2021,
        municipality=scenario["sov"].id,
        school=scenario["school_a"].id,
    )
    assert numbers(indicator_rows(response)[2]) == (31, 1, 30)


def test_coordinator_sees_only_their_municipality(as_user, scenario):
    client = as_user("coordinator")
    response = get_ok(client, "/reports/", year=2021)
    rows = indicator_rows(response)
    assert numbers(rows[2]) == (3, 3, 0)
    assert numbers(rows[6]) == (2, 2, 0)
    assert numbers(rows[4]) == (2, 2, 0)
    assert chart(response) == {"Калининград": (3, 3, 0)}
    html = response.get_data(as_text=True)
    assert "Советский" not in html
    # Their schools to choose from; one of them.
    assert "Школа А" in html and "Школа В" in html and "Школа Б" not in html
    response = get_ok(client, "/reports/", year=2021, school=scenario["school_a"].id)
    assert numbers(indicator_rows(response)[2]) == (3, 3, 0)
    # Another municipality or its school in the URL: refused, not silently replaced.
    assert (
        client.get("/reports/", query_string={"municipality": scenario["sov"].id}).status_code
        == 403
    )
    assert (
        client.get("/reports/", query_string={"school": scenario["school_b"].id}).status_code == 403
    )
    # Their own municipality given explicitly is fine.
    get_ok(client, "/reports/", year=2021, municipality=scenario["kgd"].id)


def test_school_staff_see_their_school(as_user, scenario):
    client = as_user("school")
    response = get_ok(client, "/reports/", year=2021)
    rows = indicator_rows(response)
    assert numbers(rows[2]) == (3, 3, 0)
    assert numbers(rows[3]) == (1, 1, 0)
    assert numbers(rows[4]) == (2, 2, 0)
    assert chart(response) == {}  # no municipal chart for one school
    html = response.get_data(as_text=True)
    assert "/reports/export" not in html
    assert (
        client.get("/reports/", query_string={"school": scenario["school_b"].id}).status_code == 403
    )
    assert (
        client.get("/reports/", query_string={"municipality": scenario["sov"].id}).status_code
        == 403
    )


def test_school_b_counts_its_headcounts(client, login, scenario):
    login(scenario["users"]["school_b"])
    response = get_ok(client, "/reports/", year=2021)
    assert numbers(indicator_rows(response)[2]) == (31, 1, 30)


# --- chart and trend ---


def test_chart_by_municipality_for_a_chosen_indicator(as_user):
    client = as_user("admin")
    response = get_ok(client, "/reports/", year=2021)  # indicator 2 by default
    bars = chart(response)
    assert len(bars) == 22
    assert bars["Калининград"] == (3, 3, 0)
    assert bars["Советский"] == (31, 1, 30)
    assert bars["Гусевский"] == (0, 0, 0)
    # The longest bar is full width; Калининград's is 3/31 of it.
    html = response.get_data(as_text=True)
    assert "width:100.0%" in html or "width:96.77%" in html
    assert "width:9.68%" in html
    assert chart(get_ok(client, "/reports/", year=2021, indicator=6))["Советский"] == (21, 1, 20)
    assert chart(get_ok(client, "/reports/", year=2021, indicator=4))["Советский"] == (3, 0, 3)
    plans = chart(get_ok(client, "/reports/", year=2021, indicator=1))
    assert plans["Калининград"][0] == 1 and plans["Советский"][0] == 0


def test_monthly_trend_of_indicators_2_and_6(as_user):
    response = get_ok(as_user("admin"), "/reports/", year=2021)
    second = trend(response, 2)
    assert len(second) == 12
    assert second["2021-03"] == 12 and second["2021-04"] == 22 and second["2021-05"] == 2
    assert sum(second.values()) == 36  # s1 in three months: more than the year's 34
    sixth = trend(response, 6)
    assert sixth["2021-04"] == 22 and sixth["2021-05"] == 2 and sum(sixth.values()) == 24
    html = response.get_data(as_text=True)
    assert "<svg" in html and "<script>" not in html.replace("<script src", "")


def test_trend_follows_the_scope_and_a_short_period(as_user, scenario):
    client = as_user("coordinator")
    second = trend(get_ok(client, "/reports/", year=2021), 2)
    assert second["2021-03"] == 2 and second["2021-04"] == 2 and second["2021-05"] == 1
    client_admin = client
    response = get_ok(client_admin, "/reports/", **{"from": "2021-03-01", "to": "2021-04-30"})
    assert sorted(trend(response, 2)) == ["2021-03", "2021-04"]


# --- drill-down ---


def test_drill_down_municipality_to_schools_to_activities(as_user, scenario):
    client = as_user("admin")
    kgd = scenario["kgd"]
    page = get_ok(client, f"/reports/municipalities/{kgd.id}", year=2021)
    cells = [row for row in data(page) if "data-indicator" in row and "in-data-school" in row]
    by_school = {(row["in-data-school"], int(row["data-indicator"])): numbers(row) for row in cells}
    a, c = str(scenario["school_a"].id), str(scenario["school_c"].id)
    assert by_school[(a, 2)] == (3, 3, 0)
    assert by_school[(a, 3)] == (1, 1, 0)
    assert by_school[(a, 4)] == (2, 2, 0)
    assert by_school[(a, 6)] == (2, 2, 0)
    assert by_school[(c, 2)] == (0, 0, 0)  # schools without activities are listed too
    assert by_school[("total", 2)] == (3, 3, 0)
    assert str(scenario["school_b"].id) not in {row["in-data-school"] for row in cells}
    html = page.get_data(as_text=True)
    assert f"/reports/schools/{a}?indicator=2&amp;year=2021" in html

    school = get_ok(client, f"/reports/schools/{a}", year=2021, indicator=2)
    rows = {int(r["data-activity"]): numbers(r) for r in data(school) if "data-activity" in r}
    assert rows == {
        scenario["excursion"].id: (2, 2, 0),  # names win over A's headcount of 30
        scenario["open_day"].id: (2, 2, 0),
        scenario["profproba"].id: (1, 1, 0),
    }
    pills = {int(r["data-indicator"]): numbers(r) for r in data(school) if "data-indicator" in r}
    assert pills[2] == (3, 3, 0)  # s1 at three activities counts once
    assert pills[3] == (1, 1, 0)

    b = scenario["school_b"]
    school = get_ok(client, f"/reports/schools/{b.id}", year=2021, indicator=6)
    rows = {int(r["data-activity"]): numbers(r) for r in data(school) if "data-activity" in r}
    assert rows == {scenario["open_day"].id: (20, 0, 20), scenario["profproba"].id: (1, 1, 0)}
    school = get_ok(client, f"/reports/schools/{b.id}", year=2021, indicator=4)
    rows = {int(r["data-activity"]): numbers(r) for r in data(school) if "data-activity" in r}
    assert rows == {scenario["excursion"].id: (1, 0, 1), scenario["open_day"].id: (2, 0, 2)}


def test_activity_links_only_when_the_activity_page_exists(as_user, scenario, app):
    client = as_user("admin")
    html = get_ok(client, f"/reports/schools/{scenario['school_a'].id}", year=2021).get_data(
        as_text=True
    )
    linked = f'/activities/{scenario["excursion"].id}"' in html
    assert linked == ("activities.detail" in app.view_functions)
    assert scenario["excursion"].title in html


def test_drill_down_pagination(as_user, scenario):
    client = as_user("admin")
    employer, school_a = scenario["employer"], scenario["school_a"]
    student = StudentFactory(school=school_a, grade=7)
    for day in range(1, 29):
        extra = activity(ActivityKind.EXCURSION, employer, school_a, date(2021, 10, day))
        services.set_named_participants(extra, school_a, [student])
    db.session.commit()
    first = get_ok(client, f"/reports/schools/{school_a.id}", year=2021)
    second = get_ok(client, f"/reports/schools/{school_a.id}", year=2021, page=2)
    one = [r for r in data(first) if "data-activity" in r]
    two = [r for r in data(second) if "data-activity" in r]
    assert len(one) == 25 and len(two) == 31 - 25
    assert "page=2" in first.get_data(as_text=True)


def test_coordinator_drill_down_stays_in_their_municipality(as_user, scenario):
    client = as_user("coordinator")
    get_ok(client, f"/reports/municipalities/{scenario['kgd'].id}", year=2021)
    get_ok(client, f"/reports/schools/{scenario['school_a'].id}", year=2021)
    assert client.get(f"/reports/municipalities/{scenario['sov'].id}").status_code == 403
    assert client.get(f"/reports/schools/{scenario['school_b'].id}").status_code == 403
    assert client.get("/reports/municipalities/999999").status_code == 404
    # Not a school: no drill-down.
    assert client.get(f"/reports/schools/{scenario['employer'].id}").status_code == 404


def test_school_drill_down_only_their_school(as_user, scenario):
    client = as_user("school")
    page = get_ok(client, f"/reports/schools/{scenario['school_a'].id}", year=2021)
    assert STUDENT_NAME not in page.get_data(as_text=True)
    assert client.get(f"/reports/schools/{scenario['school_b'].id}").status_code == 403
    assert client.get(f"/reports/municipalities/{scenario['kgd'].id}").status_code == 403


# --- live roadmap ---


def roadmap_cells(response) -> dict[tuple[int, str], tuple[int, int]]:
    return {
        (int(row["in-data-item"]), row["data-cell"]): (
            int(row["data-held"]),
            int(row["data-planned"]),
        )
        for row in data(response)
        if "data-cell" in row
    }


def test_live_roadmap_for_the_admin(as_user, scenario):
    client = as_user("admin")
    response = get_ok(client, "/reports/roadmap", year=2021)
    cells = roadmap_cells(response)
    kgd, sov = str(scenario["kgd"].id), str(scenario["sov"].id)
    assert len({item for item, _ in cells}) == 37
    assert len({key for _, key in cells}) == 1 + 22
    # Excursions (items 5, 23): one held, one planned; the held one visited by B of Советский.
    for item in (5, 23):
        assert cells[(item, "region")] == (1, 1)
        assert cells[(item, kgd)] == (1, 1)
        assert cells[(item, sov)] == (1, 0)
    assert cells[(24, "region")] == (1, 0) and cells[(24, sov)] == (1, 0)
    assert cells[(9, kgd)] == (1, 0) and cells[(9, sov)] == (1, 0)
    for item in (6, 17, 15):  # parent meeting and career event at school A
        assert cells[(item, "region")] == (1, 0)
        assert cells[(item, kgd)] == (1, 0) and cells[(item, sov)] == (0, 0)
    assert cells[(10, "region")] == (0, 0)  # the cancelled camp shift
    assert cells[(1, "region")] == (0, 0)
    done = [row for row in data(response) if "data-done" in row]
    assert done[0]["data-done"] == "7"
    # The year before: the late-evening excursion of 31 December 2020.
    cells = roadmap_cells(get_ok(client, "/reports/roadmap", year=2020))
    assert cells[(5, "region")] == (1, 0)
    # One municipality.
    cells = roadmap_cells(get_ok(client, "/reports/roadmap", year=2021, municipality=sov))
    assert {key for _, key in cells} == {"region", sov}
    assert cells[(5, sov)] == (1, 0)


def test_live_roadmap_for_a_coordinator_and_a_school(as_user, scenario):
    client = as_user("coordinator")
    kgd, sov = str(scenario["kgd"].id), str(scenario["sov"].id)
    response = get_ok(client, "/reports/roadmap", year=2021)
    cells = roadmap_cells(response)
    assert {key for _, key in cells} == {"region", kgd}
    assert cells[(5, kgd)] == (1, 1)
    assert "Советский" not in response.get_data(as_text=True)
    assert client.get("/reports/roadmap", query_string={"municipality": sov}).status_code == 403


def test_live_roadmap_for_school_staff(client, login, scenario):
    login(scenario["users"]["school_b"])
    cells = roadmap_cells(get_ok(client, "/reports/roadmap", year=2021))
    assert {key for _, key in cells} == {"region", str(scenario["sov"].id), "school"}
    assert cells[(5, "school")] == (1, 0)  # B visited the held excursion, not the planned one
    assert cells[(24, "school")] == (1, 0) and cells[(9, "school")] == (1, 0)
    assert cells[(6, "school")] == (0, 0)


def test_live_roadmap_exports_one_value_column_per_figure(as_user, scenario):
    client = as_user("coordinator")
    kgd = scenario["kgd"]
    response = client.get("/reports/roadmap", query_string={"year": 2021, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "roadmap-2021-01-01_2021-12-31" in response.headers["Content-Disposition"]
    rows = csv_rows(response.data)
    assert rows[0] == [
        "No.",
        "Plan item",
        "Done",
        "Region: held",
        "Region: planned",
        "Калининград: held",
        "Калининград: planned",
    ]
    by_item = {row[0]: row for row in rows[1:] if row[0] and not row[1].startswith("↳")}
    assert by_item["5"][2:] == ["yes", "1", "1", "1", "1"]
    assert len(by_item) == 37

    response = client.get("/reports/roadmap", query_string={"year": 2021, "format": "xlsx"})
    sheet = workbook(response.data).active
    assert caption(sheet) == [
        "Live roadmap",
        f"Programme: {ROADMAP_TITLE} (kgd-2020-2022)",
        "Period: 01.01.2021 – 31.12.2021",
        f"Scope: {kgd.name}",
    ]
    table = sheet_table(sheet)
    assert table[0][3:5] == ["Region: held", "Region: planned"]
    assert [5, "yes", 1, 1, 1, 1] in [[r[0], *r[2:]] for r in table]
    page = client.get("/reports/roadmap", query_string={"year": 2021}).get_data(as_text=True)
    assert 'data-export="xlsx"' in page and "data-print" in page
    assert client.get("/reports/roadmap", query_string={"format": "pdf"}).status_code == 400


# --- exports ---


def test_export_json_csv_xlsx_hold_the_same_numbers(as_user, scenario):
    client = as_user("admin")
    response = client.get("/reports/export", query_string={"format": "json", "year": 2021})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="indicators-2021.json"'
    body = json.loads(response.data)
    assert body["period"] == {"from": "2021-01-01", "to": "2021-12-31"}
    assert body["municipality"] is None
    second = body["indicators"][1]
    assert (second["value"], second["named"], second["headcount"]) == (34, 4, 30)
    by_place = {m["municipality"]: m["value"] for m in second["by_municipality"]}
    assert by_place["Калининград"] == 3 and by_place["Советский"] == 31

    response = client.get("/reports/export", query_string={"format": "csv", "year": 2021})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="indicators-2021.csv"'
    rows = csv_rows(response.data)
    header = rows[0]
    assert header[:4] == ["№", "Показатель", "Единица измерения", "Значение"]
    row = {int(r[0]): r for r in rows[1:]}
    assert row[2][3] == "34" and row[6][3] == "23" and row[4][3] == "5"
    assert row[2][header.index("Советский")] == "31"

    response = client.get("/reports/export", query_string={"format": "xlsx", "year": 2021})
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == 'attachment; filename="indicators-2021.xlsx"'
    book = workbook(response.data)
    assert caption(book.worksheets[0]) == [
        "Показатели дорожной карты",
        f"Программа: {ROADMAP_TITLE} (kgd-2020-2022)",
        "Период: 01.01.2021 – 31.12.2021",
        "Территория: Калининградская область",
    ]
    assert book.worksheets[0].column_dimensions["B"].width == 60
    assert book.worksheets[0]["B6"].alignment.wrap_text
    sheet_rows = sheet_table(book.worksheets[0])
    by_number = {r[0]: r for r in sheet_rows[1:]}
    assert by_number[2][3] == 34 and by_number[3][3] == 2 and by_number[7][3] == "да"
    assert by_number[2][list(sheet_rows[0]).index("Калининград")] == 3
    composition = sheet_table(book.worksheets[1])
    assert [2, "Всего", 34, 4, 30] in composition


def test_export_of_a_period_and_a_municipality(as_user, scenario):
    client = as_user("admin")
    sov = scenario["sov"]
    response = client.get(
        "/reports/export",
        query_string={
            "format": "json",
            "from": "2021-03-15",
            "to": "2021-04-09",
            "municipality": sov.id,
        },
    )
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(
        f'attachment; filename="indicators-2021-03-15_2021-04-09-municipality-{sov.id}.json"'
    )
    assert "filename*=UTF-8''indicators-2021-03-15_2021-04-09-%D0%A1" in disposition
    body = json.loads(response.data)
    assert body["municipality"] == "Советский"
    assert body["indicators"][1]["value"] == 10


def test_every_export_is_audited(as_user, scenario):
    client = as_user("admin")
    client.get("/reports/export", query_string={"format": "xlsx", "year": 2021})
    client.get(
        "/reports/export",
        query_string={"format": "csv", "year": 2021, "municipality": scenario["kgd"].id},
    )
    db.session.expire_all()
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT).order_by(AuditEntry.id)
    ).all()
    assert len(entries) == 2
    first, second = entries
    assert first.user_id == scenario["users"]["admin"].id
    assert first.object_type == "indicators"
    assert first.details == {
        "format": "xlsx",
        "from": "2021-01-01",
        "to": "2021-12-31",
        "municipality": None,
        "programme": "kgd-2020-2022",
    }
    assert second.object_id == scenario["kgd"].id
    assert second.details["municipality"] == "Калининград"


def test_export_cells_are_neutralised(as_user, scenario):
    MunicipalityFactory(name='=HYPERLINK("http://evil.example")')
    db.session.commit()
    client = as_user("admin")
    response = client.get("/reports/export", query_string={"format": "csv", "year": 2021})
    header = csv_rows(response.data)[0]
    assert '\'=HYPERLINK("http://evil.example")' in header
    assert not any(cell.startswith("=") for cell in header)
    response = client.get("/reports/export", query_string={"format": "xlsx", "year": 2021})
    header = sheet_table(workbook(response.data).worksheets[0])[0]
    assert '\'=HYPERLINK("http://evil.example")' in header
    book = workbook(response.data)
    assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)


def test_coordinator_exports_their_municipality(as_user, scenario):
    client = as_user("coordinator")
    response = client.get("/reports/export", query_string={"format": "json", "year": 2021})
    assert response.status_code == 200
    body = json.loads(response.data)
    assert body["municipality"] == "Калининград"
    assert body["indicators"][1]["value"] == 3
    assert [m["municipality"] for m in body["indicators"][1]["by_municipality"]] == ["Калининград"]
    forbidden = client.get(
        "/reports/export",
        query_string={"format": "json", "year": 2021, "municipality": scenario["sov"].id},
    )
    assert forbidden.status_code == 403
    page = get_ok(client, "/reports/", year=2021)
    assert f"municipality={scenario['kgd'].id}" in page.get_data(as_text=True)


def test_school_staff_do_not_export(as_user):
    client = as_user("school")
    response = client.get("/reports/export", query_string={"format": "json", "year": 2021})
    assert response.status_code == 403
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.EXPORT)
        )
        == 0
    )


# --- bad parameters and access ---


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "Not a valid integer value"),
        ({"year": "99999"}, "Number must be between 2000 and 2100"),
        ({"from": "2021-12-31", "to": "2021-01-01"}, "The end of the period is before its start."),
        ({"from": "2021-01-01"}, "Give both dates of the period, or neither."),
        ({"from": "2021-13-01", "to": "2021-12-31"}, "Not a valid date value"),
        ({"from": "0001-01-01", "to": "2021-12-31"}, "Dates must lie between 2000 and 2100."),
        ({"municipality": "999999"}, "There is no such municipality."),
        ({"municipality": "abc"}, "Not a valid integer value"),
        ({"school": "999999"}, "There is no such school."),
        ({"indicator": "5"}, "Choose one of the indicators 1, 2, 3, 4, 6."),
        ({"indicator": "x"}, "Not a valid integer value"),
    ],
)
def test_bad_parameters_are_a_form_error(as_user, params, message):
    response = as_user("admin").get("/reports/", query_string=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'data-indicator="2"' not in html  # no numbers for a bad request


def test_a_non_school_is_not_a_school(as_user, scenario):
    response = as_user("admin").get("/reports/", query_string={"school": scenario["employer"].id})
    assert response.status_code == 400
    assert "There is no such school." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (
            "/reports/export",
            {"format": "pdf", "year": 2021},
            "Unknown format; choose one of json, csv, xlsx.",
        ),
        ("/reports/export", {"format": "csv", "year": "abc"}, "Not a valid integer value"),
        (
            "/reports/export",
            {"format": "csv", "municipality": "999999"},
            "There is no such municipality.",
        ),
        (
            "/reports/export",
            {"from": "2021-02-01", "to": "2021-01-01"},
            "The end of the period is before its start.",
        ),
        ("/reports/roadmap", {"year": "abc"}, "Not a valid integer value"),
        ("/reports/roadmap", {"municipality": "999999"}, "There is no such municipality."),
    ],
)
def test_bad_parameters_elsewhere(as_user, path, params, message):
    response = as_user("admin").get(path, query_string=params)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_bad_parameters_in_drill_down(as_user, scenario):
    client = as_user("admin")
    for path in (
        f"/reports/municipalities/{scenario['kgd'].id}",
        f"/reports/schools/{scenario['school_a'].id}",
    ):
        for params in (
            {"year": "abc"},
            {"indicator": "1"},
            {"from": "2021-05-01", "to": "2021-01-01"},
        ):
            response = client.get(path, query_string=params)
            assert response.status_code == 400, (path, params)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/",
        "/reports/roadmap",
        "/reports/export?format=json",
        "/reports/municipalities/1",
        "/reports/schools/1",
    ],
)
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.COLLEGE, Role.EMPLOYMENT_CENTER])
def test_other_roles_get_403(client, login, scenario, role):
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    for path in (
        "/reports/",
        "/reports/roadmap",
        "/reports/export?format=json&year=2021",
        f"/reports/municipalities/{scenario['kgd'].id}",
        f"/reports/schools/{scenario['school_a'].id}",
    ):
        assert client.get(path).status_code == 403, path


def test_school_staff_without_a_school_get_403(client, login, seeded):
    user = UserFactory(role=Role.SCHOOL, organization=None)
    db.session.commit()
    login(user)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/roadmap").status_code == 403


# --- the number of queries does not grow with the data ---


def _more_activities(scenario, count: int) -> None:
    school_a, school_b = scenario["school_a"], scenario["school_b"]
    students = [StudentFactory(school=school_a, grade=grade) for grade in (6, 8, 10)]
    for index in range(count):
        host = scenario["employer"] if index % 2 else scenario["college"]
        kind = ActivityKind.EXCURSION if index % 3 else ActivityKind.PROFPROBA
        extra = activity(kind, host, school_a, date(2021, 1 + index % 12, 1 + index % 28))
        services.set_named_participants(extra, school_a, students[: 1 + index % 3])
        services.set_headcount(extra, school_b, grade=9, count=5 + index, ovz_count=1)
    db.session.commit()


def _statements(app, client, path) -> int:
    seen = []

    def count(*args):
        seen.append(1)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(seen)


def test_query_count_does_not_grow_with_activities(app, as_user, scenario):
    client = as_user("admin")
    paths = [
        "/reports/?year=2021",
        "/reports/?year=2021&municipality={kgd}",
        "/reports/?year=2021&school={a}",
        "/reports/municipalities/{kgd}?year=2021",
        "/reports/schools/{a}?year=2021",
        "/reports/schools/{b}?year=2021&indicator=6",
        "/reports/roadmap?year=2021",
        "/reports/export?format=xlsx&year=2021",
    ]
    paths = [
        p.format(kgd=scenario["kgd"].id, a=scenario["school_a"].id, b=scenario["school_b"].id)
        for p in paths
    ]
    for path in paths:  # warm up: first-request work is not the page's
        client.get(path)
    _more_activities(scenario, 5)
    small = {path: _statements(app, client, path) for path in paths}
    _more_activities(scenario, 45)
    large = {path: _statements(app, client, path) for path in paths}
    assert small == large
    # And the pages are a handful of queries, not hundreds.
    assert max(large.values()) < 40, large


def test_plan_items_are_the_seeded_37(seeded):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanItem)) == 37


def test_the_year_containing_a_day_is_calendar_or_school():
    assert Period.containing(date(2025, 8, 31), school_year=True) == Period.school_year(2024)
    assert Period.containing(date(2025, 9, 1), school_year=True) == Period.school_year(2025)
    assert Period.containing(date(2025, 9, 1), school_year=False) == Period.year(2025)
