"""Reports per programme (DESIGN §7, §4.4; docs/programmes.md "Reports per programme"): the
indicator export names its programme; the report pages pick the programme in force for the
period and take another one (``?programme=CODE``), which their links and downloads keep; the
drill-downs and the trend count a programme's indicators by their rules; the live roadmap puts
the record rows under the items that continue the roadmap's, and shows beside an item the
figures of the items it continues.

The world: the seeded roadmap (2020–2022) and kgd-2023-2025 of ``tests/programme_factories``
(item 1 continues the roadmap's excursion items 5 and 23; indicator 1 counts students of grades
8–11 at employers, 2 counts held open days and parent meetings), with the same activities in
2021 and 2024: a sixth- and a ninth-grader of a school in Калининград at an employer of
Советский. Here the 2021 excursion is linked to items 5 and 23 of the roadmap and the 2024 one
to item 1 of the new programme.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import carried_on, previous_programme
from tests.factories import UserFactory
from tests.feed_factories import agreement_between
from tests.programme_factories import NEXT, add_next_programme
from tests.spreadsheets import caption, workbook
from tests.test_reports import data

ROADMAP = "kgd-2020-2022"
UNKNOWN = "Такой программы нет."


def _item(code: str, number: int) -> PlanItem:
    return db.session.scalar(
        sa.select(PlanItem).join(Programme).where(Programme.code == code, PlanItem.number == number)
    )


@pytest.fixture
def world(seeded, client, login):
    programme, kgd, sov = add_next_programme()
    school = db.session.scalar(
        sa.select(Organization).where(Organization.kind == OrganizationKind.SCHOOL)
    )
    excursions = {
        a.starts_on.year: a
        for a in db.session.scalars(
            sa.select(Activity).where(Activity.kind == ActivityKind.EXCURSION)
        )
    }
    excursions[2021].plan_items = [_item(ROADMAP, 5), _item(ROADMAP, 23)]
    excursions[2024].plan_items = [programme.items[0]]
    # An item of the new programme that carries on the roadmap's agreements and holiday jobs.
    db.session.add(
        PlanItem(
            programme=programme,
            section=programme.sections[0],
            number=2,
            title="Соглашения и трудоустройство",
            responsible="—",
            deadline="—",
            expected_result="—",
            continues=[4, 7],
        )
    )
    agreement_between(
        school, signed_on=date(2020, 9, 1), valid_from=date(2020, 9, 1), valid_to=date(2025, 12, 31)
    )
    db.session.commit()
    login(UserFactory(role=Role.ADMIN))
    return {"programme": programme, "kgd": kgd, "sov": sov, "school": school, "client": client}


def _page(client, path, status=200, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def _html(client, path, status=200, **params) -> str:
    return _page(client, path, status, **params).get_data(as_text=True)


# --- the export names its programme ---


def test_the_json_names_the_programme_after_the_period(world, runner):
    document = json.loads(runner.invoke(args=["indicators", "--year", "2024"]).output)
    assert list(document) == ["period", "programme", "municipality", "indicators"]
    assert document["programme"] == {"code": NEXT["code"], "title": NEXT["title"]}
    old = json.loads(runner.invoke(args=["indicators", "--year", "2021"]).output)
    assert old["programme"]["code"] == ROADMAP and len(old["indicators"]) == 7
    chosen = runner.invoke(args=["indicators", "--year", "2021", "--programme", NEXT["code"]])
    assert json.loads(chosen.output)["programme"]["code"] == NEXT["code"]

    client = world["client"]
    web = client.get("/reports/export", query_string={"format": "json", "year": 2024}).get_json()
    assert web["programme"] == document["programme"]
    assert web["indicators"] == document["indicators"]
    web = client.get(
        "/reports/export", query_string={"format": "json", "year": 2024, "programme": ROADMAP}
    ).get_json()
    assert web["programme"]["code"] == ROADMAP
    assert [i["number"] for i in web["indicators"]] == [1, 2, 3, 4, 5, 6, 7]
    book = client.get("/reports/export", query_string={"format": "xlsx", "year": 2024})
    assert f"Программа: {NEXT['title']} ({NEXT['code']})" in caption(workbook(book.data).active)
    refused = client.get("/reports/export", query_string={"year": 2024, "programme": "nope"})
    assert refused.status_code == 400 and UNKNOWN in refused.get_data(as_text=True)


# --- the picker ---


def _counted(html: str) -> str:
    """The code of the programme the page says it counts."""
    marker = 'data-programme="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_each_page_counts_the_programme_of_the_period_or_the_chosen_one(world):
    client, kgd, school = world["client"], world["kgd"], world["school"]
    pages = [
        "/reports/",
        f"/reports/municipalities/{kgd.id}",
        f"/reports/schools/{school.id}",
        "/reports/roadmap",
    ]
    for path in pages:
        html = _html(client, path, year=2024)
        assert _counted(html) == NEXT["code"], path
        # The picker offers every programme; none chosen: the period's.
        assert f"({NEXT['code']})</option>" in html
        assert f'<option value="{ROADMAP}">' in html
        assert _counted(_html(client, path, year=2021)) == ROADMAP, path
        chosen = _html(client, path, year=2024, programme=ROADMAP)
        assert _counted(chosen) == ROADMAP, path
        assert f'<option value="{ROADMAP}" selected>' in chosen
        refused = _html(client, path, status=400, year=2024, programme="nope")
        assert UNKNOWN in refused and "data-indicator" not in refused, path

    # The choice is kept by the links between the pages and by the downloads.
    report = _html(client, "/reports/", year=2024, programme=ROADMAP, municipality=kgd.id)
    assert "Количество школьников, посетивших" in report
    assert (
        f"/reports/export?format=json&amp;municipality={kgd.id}&amp;year=2024&amp;programme={ROADMAP}"
        in report
    )
    assert f"/reports/municipalities/{kgd.id}?year=2024&amp;programme={ROADMAP}" in report
    assert f"/reports/roadmap?year=2024&amp;programme={ROADMAP}" in report
    schools = _html(client, f"/reports/municipalities/{kgd.id}", year=2024, programme=ROADMAP)
    assert (
        f"/reports/schools/{school.id}?indicator=2&amp;year=2024&amp;programme={ROADMAP}" in schools
    )
    live = _html(client, "/reports/roadmap", year=2024, programme=ROADMAP)
    assert f"format=xlsx&amp;year=2024&amp;programme={ROADMAP}" in live
    assert f"/roadmap/{ROADMAP}/items/5" in live
    # Without a choice the links name none: the next period gets its own programme.
    assert "programme=" not in _html(client, "/reports/", year=2024).split("<form")[0]


# --- drill-downs and trend by the rules of the programme ---


def test_the_drill_downs_count_a_second_programme_by_its_rules(world):
    client, kgd, school = world["client"], world["kgd"], world["school"]
    # Indicator 1 of kgd-2023-2025: grades 8–11 at employers — the ninth-grader only.
    schools = _page(client, f"/reports/municipalities/{kgd.id}", year=2024)
    cells = {
        (row["in-data-school"], row["data-indicator"]): row["data-value"]
        for row in data(schools)
        if "data-indicator" in row and "in-data-school" in row and "href" not in row
    }
    assert cells == {("total", "1"): "1", (str(school.id), "1"): "1"}
    # The roadmap's indicator 2 over 2021 counts both students; the new rule over 2021 one.
    old = _html(client, f"/reports/municipalities/{kgd.id}", year=2021)
    assert 'data-school="total"' in old and 'data-indicator="2" data-value="2"' in old
    chosen = _html(client, f"/reports/municipalities/{kgd.id}", year=2021, programme=NEXT["code"])
    assert 'data-indicator="1" data-value="1"' in chosen and 'data-indicator="2"' not in chosen

    page = _page(client, f"/reports/schools/{school.id}", year=2024)
    assert 'id="total"' in page.get_data(as_text=True)
    activities = [row for row in data(page) if "data-activity" in row]
    assert [(row["data-value"], row["data-named"]) for row in activities] == [("1", "1")]
    # Indicator 2 of the new programme counts activities, not students: no drill-down.
    refused = _html(client, f"/reports/schools/{school.id}", status=400, year=2024, indicator=2)
    assert "Выберите один из показателей: 1." in refused

    # The trend is that of the indicators that count students; the chart's choices those with
    # a figure per municipality (not the entered indicator 3).
    response = _page(client, "/reports/", year=2024)
    months = {
        row["data-month"]: row["data-value"]
        for row in data(response)
        if "data-month" in row and row.get("in-data-trend") == "1"
    }
    report = response.get_data(as_text=True)
    assert months["2024-03"] == "1" and sum(map(int, months.values())) == 1
    assert 'data-trend="2"' not in report
    assert "indicator=4#chart" in report and "indicator=3#chart" not in report
    assert "Выберите один из показателей: 1, 2, 4." in _html(
        client, "/reports/", status=400, year=2024, indicator=3
    )
    plans = _html(client, "/reports/", year=2024, indicator=4)
    assert "Показатель 4: есть ли у муниципалитета план" in plans


# --- the live roadmap ---


def test_the_live_roadmap_attaches_records_by_continues_and_shows_continued_figures(world):
    client, kgd, sov = world["client"], world["kgd"], world["sov"]
    live = data(_page(client, "/reports/roadmap", year=2024))
    records = {(row["in-data-item"], row["data-records"]) for row in live if "data-records" in row}
    # Agreements (roadmap item 4) and holiday jobs (7) under item 2, which continues both.
    assert records == {("2", "agreements"), ("2", "job_places"), ("2", "job_hires")}
    agreements = [row for row in live if row.get("data-record") == "region" and "data-value" in row]
    assert agreements[0]["data-value"] == "1"
    # Item 1 continues items 5 and 23: the 2021 excursion linked to both, once.
    continued = {
        row["data-continued-cell"]: row["data-value"]
        for row in live
        if "data-continued-cell" in row and row.get("in-data-item") == "1"
    }
    assert continued["region"] == "1"
    assert continued[str(kgd.id)] == "1" and continued[str(sov.id)] == "1"
    html = _html(client, "/reports/roadmap", year=2024)
    assert "продолжает п. 5, 23 программы kgd-2020-2022: проведено в 2020–2022" in html
    assert 'data-continued="2"' in html  # item 2 continues items without activities: zeros
    # The roadmap itself keeps its rows under its own numbers and has no continued rows.
    old = data(_page(client, "/reports/roadmap", year=2021))
    assert {(row["in-data-item"], row["data-records"]) for row in old if "data-records" in row} == {
        ("4", "agreements"),
        ("7", "job_places"),
        ("7", "job_hires"),
        ("33", "municipal_reports"),
        ("34", "municipal_reports"),
        ("35", "municipal_reports"),
    }
    assert not any("data-continued" in row for row in old)
    # The download holds the continued line too.
    table = client.get("/reports/roadmap", query_string={"year": 2024, "format": "csv"})
    assert "↳ продолжает п. 5, 23 программы kgd-2020-2022: проведено в 2020–2022" in table.get_data(
        as_text=True
    )


def test_records_follow_continues_through_every_programme_between(world):
    """A third programme continues item 2 of kgd-2023-2025, which continues the roadmap's 4
    and 7: its item carries on both."""
    third = Programme(
        code="kgd-2026-2028",
        title="Третья программа",
        valid_from=date(2026, 1, 1),
        valid_to=date(2028, 12, 31),
    )
    PlanItem(
        programme=third,
        section=PlanSection(programme=third, number=1, title="Раздел"),
        number=1,
        title="Продолжение",
        responsible="—",
        deadline="—",
        expected_result="—",
        continues=[2],
    )
    db.session.add(third)
    db.session.commit()
    programmes = db.session.scalars(sa.select(Programme)).all()
    assert previous_programme(programmes, third).code == NEXT["code"]
    assert previous_programme(programmes, world["programme"]).code == ROADMAP
    roadmap = next(p for p in programmes if p.code == ROADMAP)
    assert previous_programme(programmes, roadmap) is None
    assert carried_on(db.session, third, ROADMAP) == {1: frozenset({4, 7})}
    assert carried_on(db.session, world["programme"], ROADMAP) == {
        1: frozenset({5, 23}),
        2: frozenset({4, 7}),
    }
    assert carried_on(db.session, roadmap, NEXT["code"]) == {}
    live = data(_page(world["client"], "/reports/roadmap", year=2026))
    assert {
        row["data-records"]
        for row in live
        if row.get("in-data-item") == "1" and "data-records" in row
    } >= {
        "agreements",
        "job_places",
    }


def test_a_programme_that_counts_no_students_has_no_drill_down_figures(world):
    """Its pages say so (and answer 200), rather than failing on a missing indicator."""
    programme = Programme(
        code="kgd-manual",
        title="Только ручные показатели",
        valid_from=date(2023, 1, 1),
        valid_to=date(2023, 12, 31),
    )
    programme.indicators = [
        Indicator(
            number=1,
            goal="g",
            name="Ручной",
            unit="да/нет",
            rule={"count": "manual", "type": "yes_no"},
        )
    ]
    db.session.add(programme)
    db.session.commit()
    client, kgd, school = world["client"], world["kgd"], world["school"]
    none = "В программе нет показателя, который считает школьников."
    for path in (f"/reports/municipalities/{kgd.id}", f"/reports/schools/{school.id}"):
        assert none in _html(client, path, year=2024, programme="kgd-manual", indicator=1)
    report = _html(client, "/reports/", year=2024, programme="kgd-manual")
    assert "Ручной" in report and "data-trend" not in report
