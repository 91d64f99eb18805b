"""Indicators by distinct student (DESIGN §3.2), checked against a small hand-counted scenario."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from partnercrm.activities import services
from partnercrm.activities.models import Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.localtime import Period, to_utc
from partnercrm.roadmap.models import Indicator
from partnercrm.spreadsheets import Sheet, neutralise, to_xlsx
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory
from tests.spreadsheets import caption, csv_rows, sheet_table

YEAR = Period.year(2021)


def held(kind, host, organizer, day: date, status=ActivityStatus.HELD):
    return ActivityFactory(
        kind=kind,
        host=host,
        organizer=organizer,
        status=status,
        starts_at=to_utc(datetime.combine(day, datetime.min.time().replace(hour=10))),
        starts_on=day,
    )


@pytest.fixture
def scenario(seeded):
    """Two municipalities, hand-counted: see the expected numbers in each test."""
    place = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    kgd, sov = place["Калининград"], place["Советский"]
    school_a = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
    school_b = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=sov)
    # A school that only ever reports headcounts.
    school_c = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
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
        8: StudentFactory(school=school_a, grade=11),
    }
    excursion = held(ActivityKind.EXCURSION, employer, school_a, date(2021, 3, 15))
    services.set_named_participants(excursion, school_a, [s[1], s[2]])
    services.set_headcount(excursion, school_a, grade=8, count=30)  # ignored: names win
    services.set_headcount(excursion, school_b, grade=None, count=10, ovz_count=1)
    services.set_headcount(excursion, school_c, grade=7, count=5)
    # A headcount of a non-school never counts.
    db.session.add(Headcount(activity=excursion, school=college, grade=0, count=50))

    open_day = held(ActivityKind.OPEN_DAY, college, college, date(2021, 4, 10))
    services.set_named_participants(open_day, school_a, [s[1], s[3]])
    services.set_headcount(open_day, school_b, grade=9, count=20, ovz_count=2)

    meeting = held(ActivityKind.PARENT_MEETING, school_a, school_a, date(2021, 2, 1))
    # The services refuse participants at parent meetings; rows that exist anyway never count.
    db.session.add(Participation(activity=meeting, student=s[4]))

    planned = held(
        ActivityKind.EXCURSION, employer, school_a, date(2021, 6, 1), ActivityStatus.PLANNED
    )
    services.set_named_participants(planned, school_a, [s[5]])

    last_year = ActivityFactory(
        host=employer,
        organizer=school_a,
        starts_at=to_utc(datetime(2020, 12, 31, 23, 30)),
        starts_on=date(2020, 12, 31),
    )
    services.set_named_participants(last_year, school_a, [s[5]])

    profproba = held(ActivityKind.PROFPROBA, employer, college, date(2021, 5, 1))
    services.set_named_participants(profproba, school_a, [s[1]])
    services.set_named_participants(profproba, school_b, [s[6]])

    school_event = held(ActivityKind.CAREER_EVENT, school_a, school_a, date(2021, 9, 1))
    services.set_named_participants(school_event, school_a, [s[7]])

    # Organized by the college but held at the school: indicator 6, not 2.
    college_at_school = held(ActivityKind.CAREER_EVENT, school_a, college, date(2021, 10, 5))
    services.set_named_participants(college_at_school, school_a, [s[3], s[8]])

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
    db.session.commit()
    return {
        "kgd": kgd,
        "sov": sov,
        "school_a": school_a,
        "school_b": school_b,
        "school_c": school_c,
        "employer": employer,
        "college": college,
        "students": s,
    }


def by_number(results):
    return {r.number: r for r in results}


def test_region_values_count_distinct_students_plus_headcounts(scenario):
    results = by_number(queries.compute(db.session, YEAR))
    # 2: s1, s2, s3, s6 named; headcounts 10 + 20 + 5 of the schools without names there.
    assert (results[2].value, results[2].named, results[2].headcount) == (39, 4, 35)
    # 6: the open day at the college, the profproba it organized at the employer and its
    # event at the school: s1, s3, s6, s8; and 20 counted at the open day.
    assert (results[6].value, results[6].named, results[6].headcount) == (24, 4, 20)
    assert (results[3].value, results[3].named, results[3].headcount) == (2, 2, 0)
    # 4: s2 and s7 (ОВЗ), plus ovz_count 1 + 2.
    assert (results[4].value, results[4].named, results[4].headcount) == (5, 2, 3)
    assert results[1].value == 1
    assert (results[5].value, results[5].comment) == (1500, "мониторинг")
    assert results[7].value == 1


def test_municipal_breakdown_adds_up_to_the_region(scenario):
    results = by_number(queries.compute(db.session, YEAR))
    parts = {p.label: p for p in results[2].by_municipality}
    assert len(parts) == 22
    assert (parts["Калининград"].named, parts["Калининград"].headcount) == (3, 5)
    assert (parts["Советский"].named, parts["Советский"].headcount) == (1, 30)
    for number in (2, 3, 4, 6):
        result = results[number]
        assert sum(p.named for p in result.by_municipality) == result.named
        assert sum(p.headcount for p in result.by_municipality) == result.headcount
    plans = {p.label: p.value for p in results[1].by_municipality}
    assert plans["Калининград"] == 1 and plans["Советский"] == 0


def test_scope_narrows_to_a_municipality_or_a_school(scenario):
    kgd = queries.Scope(municipality_id=scenario["kgd"].id)
    results = by_number(queries.compute(db.session, YEAR, kgd))
    assert (results[2].named, results[2].headcount) == (3, 5)
    assert results[1].value == 1
    assert results[5].value is None  # ministry values are regional
    school_b = queries.Scope(school_id=scenario["school_b"].id)
    assert by_number(queries.compute(db.session, YEAR, school_b))[2].value == 31


def test_period_bounds_are_local_dates(scenario):
    results = by_number(queries.compute(db.session, Period.year(2020)))
    # The excursion at 23:30 local on 31 December 2020 belongs to 2020.
    assert results[2].named == 1
    spring = by_number(queries.compute(db.session, Period(date(2021, 3, 15), date(2021, 4, 9))))
    assert spring[2].named == 2


def test_breakdowns_by_school_grade_band_and_host(scenario):
    by_school = {p.key: p for p in queries.by_school(db.session, 2, YEAR)}
    assert by_school[scenario["school_a"].id].named == 3
    assert by_school[scenario["school_b"].id].value == 31
    only_headcounts = by_school[scenario["school_c"].id]
    assert (only_headcounts.named, only_headcounts.value) == (0, 5)
    bands = {p.key: p for p in queries.by_grade_band(db.session, 2, YEAR)}
    assert bands["8–9"].named == 3  # s1, s2 (8th), s6 (9th)
    assert bands["10–11"].named == 1
    assert bands["8–9"].headcount == 20 and bands[""].headcount == 10
    assert bands["6–7"].headcount == 5
    hosts = {p.key: p for p in queries.by_organization(db.session, 2, YEAR)}
    # s1 visited both hosts: counted under each.
    assert hosts[scenario["employer"].id].named == 3
    assert hosts[scenario["college"].id].named == 2


def test_cli_json_follows_the_contract(scenario, runner):
    result = runner.invoke(args=["indicators", "--year", "2021"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["period"] == {"from": "2021-01-01", "to": "2021-12-31"}
    assert data["municipality"] is None
    assert [i["number"] for i in data["indicators"]] == [1, 2, 3, 4, 5, 6, 7]
    second = data["indicators"][1]
    assert (second["value"], second["named"], second["headcount"]) == (39, 4, 35)
    kgd = next(m for m in second["by_municipality"] if m["municipality"] == "Калининград")
    assert kgd == {"municipality": "Калининград", "value": 8, "named": 3, "headcount": 5}
    scoped = runner.invoke(
        args=[
            "indicators",
            "--from",
            "2021-01-01",
            "--to",
            "2021-12-31",
            "--municipality",
            "Советский",
        ]
    )
    data = json.loads(scoped.output)
    assert data["municipality"] == "Советский"
    assert data["indicators"][1]["value"] == 31


def test_cli_csv_and_xlsx_hold_the_same_numbers(scenario, runner, tmp_path):
    csv_result = runner.invoke(args=["indicators", "--year", "2021", "--format", "csv"])
    rows = csv_rows(csv_result.stdout_bytes)
    assert rows[0][:4] == ["№", "Показатель", "Единица измерения", "Значение"]
    assert rows[2][0] == "2" and "39" in rows[2]
    target = tmp_path / "indicators.xlsx"
    result = runner.invoke(
        args=["indicators", "--year", "2021", "--format", "xlsx", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert caption(sheet)[0] == "Показатели дорожной карты"
    rows = sheet_table(sheet)
    assert rows[0][:4] == ["№", "Показатель", "Единица измерения", "Значение"]
    assert len(rows[0]) == 4 + 22
    assert rows[2][0] == 2 and rows[2][3] == 39
    assert rows[7][3] == "да"


def test_cli_rejects_bad_arguments(seeded, runner):
    for args in (
        [],
        ["--year", "2021", "--from", "2021-01-01"],
        ["--from", "2021-01-01"],
        ["--from", "2021-13-01", "--to", "2021-12-31"],
        ["--from", "2021-12-31", "--to", "2021-01-01"],
        ["--year", "2021", "--municipality", "Атлантида"],
    ):
        result = runner.invoke(args=["indicators", *args])
        assert result.exit_code != 0, args


def test_spreadsheet_cells_that_look_like_formulas_are_neutralised():
    assert neutralise('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    for text in ("+1", "-1", "@SUM(A1)"):
        assert neutralise(text) == "'" + text
    assert neutralise("Школа № 1") == "Школа № 1" and neutralise(-1) == -1
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([Sheet("s", ["=cmd"], [["=1+1", 5]])])))
    assert [c.value for c in book.active[2]] == ["'=1+1", 5]
    assert book.active["A1"].value == "'=cmd"
