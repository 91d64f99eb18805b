"""Monitoring per programme (issue #16, DESIGN §7): the ministry's values are the indicators a
programme counts as ``manual``, whatever their numbers; a campaign collects the indicators of
its programme, fixed when it opens, and exports them; the 2020–2022 roadmap keeps its own; the
monitoring row of the live roadmap goes under the items that carry the roadmap's on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale, gettext
from flask_migrate import downgrade, upgrade

from partnercrm.app import create_app
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.indicators.models import IndicatorValue
from partnercrm.indicators.roadmap_records import record_counts
from partnercrm.localtime import Period
from partnercrm.monitoring import services
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from tests import test_monitoring
from tests.activity_factories import StudentFactory
from tests.spreadsheets import caption, csv_rows, sheet_table, workbook
from tests.test_migrations import empty_postgres_database  # noqa: F401 (a fixture)
from tests.test_monitoring import fresh, held_excursion, post

# The monitoring tests' fixtures: clients of users, and the municipalities and people.
web, people = test_monitoring.web, test_monitoring.people

# 1 December 2024, 12:00 in Kaliningrad.
DECEMBER_2024 = datetime(2024, 12, 1, 10, 0, tzinfo=UTC)
NEXT = "kgd-2023-2025"
# Its manual indicators are 3 (a number) and 9 (yes/no); 5 counts students, 7 does not exist.
RULES = {
    1: {"count": "municipal_plans"},
    2: {"count": "students", "host_kinds": ["employer"]},
    3: {"count": "manual", "type": "number"},
    5: {"count": "students", "grades": [8, 11]},
    9: {"count": "manual", "type": "yes_no"},
}


def programme_with_indicators(code, valid_from, valid_to, rules) -> Programme:
    programme = Programme(
        code=code, title=f"Программа {code}", valid_from=valid_from, valid_to=valid_to
    )
    programme.indicators = [
        Indicator(
            number=number,
            goal="Цель",
            name=f"Показатель {number} программы {code}",
            unit="да/нет" if rule.get("type") == "yes_no" else "человек",
            rule=rule,
        )
        for number, rule in rules.items()
    ]
    db.session.add(programme)
    db.session.commit()
    return programme


@pytest.fixture
def next_programme(people):
    return programme_with_indicators(NEXT, date(2023, 1, 1), date(2025, 12, 31), RULES)


def by_number(year: int) -> dict:
    db.session.expire_all()
    return {r.number: r for r in queries.compute(db.session, Period.year(year))}


def roadmap() -> Programme:
    return db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))


def ru(error: services.MonitoringError) -> str:
    with force_locale("ru"):
        return gettext(error.message, **error.params)


# --- the ministry's values ---


@time_machine.travel(DECEMBER_2024, tick=False)
def test_the_ministry_enters_the_manual_indicators_of_the_years_programme(
    web, people, next_programme
):
    admin = web(people["admin"])
    page = admin.get("/monitoring/values?year=2024").get_data(as_text=True)
    assert f"Показатель 3 программы {NEXT}" in page and f"Показатель 9 программы {NEXT}" in page
    assert 'name="value_3"' in page and 'name="value_9"' in page
    assert 'name="value_5"' not in page and 'name="value_7"' not in page

    response = post(
        admin,
        f"/monitoring/values?year=2024&programme={NEXT}",
        {"value_3": "42", "comment_3": "по отчётам", "value_9": "1"},
    )
    assert response.status_code == 302
    results = by_number(2024)
    assert (results[3].value, results[3].comment, results[9].value) == (42, "по отчётам", 1)
    # Validated by the rule's type: 9 is yes/no, 3 a whole number; nothing changes.
    for bad in ({"value_3": "42", "value_9": "2"}, {"value_3": "-1", "value_9": "1"}):
        response = post(admin, f"/monitoring/values?year=2024&programme={NEXT}", bad)
        assert response.status_code == 400
    assert (by_number(2024)[3].value, by_number(2024)[9].value) == (42, 1)
    # A posted field of an indicator counted from the records is no field of the form.
    post(admin, "/monitoring/values?year=2024", {"value_3": "42", "value_9": "1", "value_5": "7"})
    assert by_number(2024)[5].value == 0
    assert {(v.indicator.programme.code, v.indicator.number) for v in fresh(IndicatorValue)} == {
        (NEXT, 3),
        (NEXT, 9),
    }
    history = admin.get("/monitoring/values?year=2024").get_data(as_text=True)
    assert NEXT in history


@time_machine.travel(DECEMBER_2024, tick=False)
def test_2021_keeps_the_roadmaps_indicators_5_and_7(web, people, next_programme):
    admin = web(people["admin"])
    page = admin.get("/monitoring/values?year=2021").get_data(as_text=True)
    assert 'name="value_5"' in page and 'name="value_7"' in page
    assert 'name="value_3"' not in page
    post(admin, "/monitoring/values?year=2021", {"value_5": "1500", "value_7": "0"})
    results = by_number(2021)
    assert (results[5].value, results[7].value) == (1500, 0)
    assert {(v.indicator.programme.code, v.indicator.number) for v in fresh(IndicatorValue)} == {
        ("kgd-2020-2022", 5),
        ("kgd-2020-2022", 7),
    }


@time_machine.travel(DECEMBER_2024, tick=False)
def test_values_of_an_indicator_counted_from_records_are_refused_in_russian(
    app, people, next_programme
):
    admin = people["admin"]
    with pytest.raises(services.MonitoringError) as refused:
        services.set_indicator_value(next_programme, 5, 2024, 7, None, admin)
    assert ru(refused.value) == (
        f"Показатель 5 программы {NEXT} рассчитывается по данным системы, его не вводит"
        " Министерство."
    )
    with pytest.raises(services.MonitoringError) as refused:
        services.set_indicator_value(next_programme, 7, 2024, 1, None, admin)
    assert ru(refused.value) == f"В программе {NEXT} нет показателя 7."
    with pytest.raises(services.MonitoringError) as refused:
        services.set_indicator_value(next_programme, 3, 2021, 1, None, admin)
    assert ru(refused.value) == f"Программа {NEXT} не действует в 2021 году."
    with pytest.raises(services.MonitoringError) as refused:
        services.set_indicator_value(next_programme, 9, 2024, 2, None, admin)
    assert ru(refused.value) == "Выберите «да» или «нет»."
    db.session.rollback()
    assert fresh(IndicatorValue) == []


@time_machine.travel(DECEMBER_2024, tick=False)
def test_overlapping_programmes_are_picked_on_the_values_page(web, people, next_programme):
    later = programme_with_indicators(
        "kgd-2024-2030", date(2024, 9, 1), date(2030, 12, 31), {4: RULES[9], 6: RULES[2]}
    )
    assert services.year_programmes(2024) == [later, next_programme]
    admin = web(people["admin"])
    page = admin.get("/monitoring/values?year=2024").get_data(as_text=True)
    assert 'name="value_4"' in page and 'name="value_3"' not in page  # the one of 31 December
    assert f'<option value="{NEXT}"' in page
    page = admin.get(f"/monitoring/values?year=2024&programme={NEXT}").get_data(as_text=True)
    assert 'name="value_3"' in page and 'name="value_4"' not in page
    # A programme of another year is not offered: the year's own is shown.
    page = admin.get("/monitoring/values?year=2024&programme=kgd-2020-2022").get_data(as_text=True)
    assert 'name="value_4"' in page and 'name="value_5"' not in page


# --- the campaign ---


@time_machine.travel(DECEMBER_2024, tick=False)
def test_a_2024_campaign_collects_and_exports_the_programmes_indicators(
    web, people, next_programme
):
    kgd = people["kgd"]
    held_excursion(people, [StudentFactory(school=people["school_org"], grade=9)], date(2024, 3, 1))
    admin = web(people["admin"])
    response = post(admin, "/monitoring/campaigns", {"year": "2024", "deadline": "2024-12-20"})
    assert response.status_code == 302
    campaign = fresh(MonitoringCampaign)[0]
    assert campaign.programme.code == NEXT

    coordinator = web(people["coord_a"])
    url = f"/monitoring/campaigns/{campaign.id}/municipalities/{kgd.id}"
    page = coordinator.get(url).get_data(as_text=True)
    assert f"Показатель 9 программы {NEXT}" in page and NEXT in page
    assert "Показатель 7 программы" not in page
    assert post(coordinator, f"{url}/submit", {"comment": ""}).status_code == 302
    frozen = fresh(MunicipalReport)[0].frozen_values
    assert set(frozen) == {"1", "2", "3", "5", "9"}
    # Named and headcount where the rule counts students; the ministry's values are the region's.
    assert frozen["2"] == {"value": 1, "named": 1, "headcount": 0}
    assert frozen["5"] == {"value": 1, "named": 1, "headcount": 0}
    assert frozen["1"] == {"value": 0, "named": None, "headcount": None}
    assert frozen["9"] == {"value": None, "named": None, "headcount": None}

    table = admin.get(f"/monitoring/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"Показатель 9 программы {NEXT} (yes/no) — entered by the ministry" in table
    assert f'<li value="5">Показатель 5 программы {NEXT} (people)</li>' in table

    csv = csv_rows(admin.get(f"/monitoring/campaigns/{campaign.id}/export.csv").data)
    k = csv[0].index("Калининград")
    rows = [row for row in csv[1:] if row[0]]
    assert [row[0] for row in rows] == ["1", "2", "3", "5", "9"]
    assert [row[1] for row in rows][-1] == f"Показатель 9 программы {NEXT}"
    assert {row[0]: row[k] for row in rows} == {"1": "0", "2": "1", "3": "", "5": "1", "9": ""}
    book = workbook(admin.get(f"/monitoring/campaigns/{campaign.id}/export.xlsx").data)
    assert f"Программа: Программа {NEXT} ({NEXT})" in caption(book["Сводная"])
    assert [row[0] for row in sheet_table(book["Сводная"])[1:] if row[0] is not None] == [
        1,
        2,
        3,
        5,
        9,
    ]


@time_machine.travel(DECEMBER_2024, tick=False)
def test_a_campaign_keeps_its_programme_and_2021_keeps_the_roadmap(web, people, next_programme):
    campaign_2021 = services.open_campaign(2021, date(2024, 12, 20), people["admin"])
    campaign_2024 = services.open_campaign(2024, date(2024, 12, 20), people["admin"])
    services.submit_report(campaign_2021, people["kgd"].id, people["coord_a"], None)
    db.session.commit()
    assert campaign_2021.programme == roadmap()
    assert set(fresh(MunicipalReport)[0].frozen_values) == {str(n) for n in range(1, 8)}

    # A later programme in force on 31 December 2024 is the year's default from now on, but the
    # open campaign still collects the indicators it was opened with.
    programme_with_indicators("kgd-2024-2030", date(2024, 9, 1), date(2030, 12, 31), {4: RULES[9]})
    admin = web(people["admin"])
    table = admin.get(f"/monitoring/campaigns/{campaign_2024.id}").get_data(as_text=True)
    assert f"Показатель 9 программы {NEXT}" in table and "kgd-2024-2030" not in table
    numbers = [row.number for row in services.programme_indicators(campaign_2024.programme)]
    assert numbers == [1, 2, 3, 5, 9]


@time_machine.travel(DECEMBER_2024, tick=False)
def test_the_campaigns_programme_is_one_of_the_year(web, people, next_programme):
    later = programme_with_indicators(
        "kgd-2024-2030", date(2024, 9, 1), date(2030, 12, 31), {4: RULES[9]}
    )
    admin = web(people["admin"])
    with admin.session_transaction() as session:
        session["lang"] = "ru"
    page = admin.get("/monitoring/").get_data(as_text=True)
    assert f'<option value="{next_programme.id}">{NEXT} (01.01.2023–31.12.2025)' in page
    # The roadmap is not in force in 2024: refused in Russian, nothing opened.
    response = post(
        admin,
        "/monitoring/campaigns",
        {"year": "2024", "deadline": "2024-12-20", "programme_id": str(roadmap().id)},
    )
    assert response.status_code == 400
    assert "Программа kgd-2020-2022 не действует в 2024 году." in response.get_data(as_text=True)
    assert fresh(MonitoringCampaign) == []
    # The admin's choice among the year's programmes; by default the one of 31 December.
    form = {"year": "2024", "deadline": "2024-12-20", "programme_id": str(next_programme.id)}
    assert post(admin, "/monitoring/campaigns", form).status_code == 302
    assert post(admin, "/monitoring/campaigns", {"year": "2025", "deadline": "2024-12-20"})
    assert [(c.year, c.programme.code) for c in fresh(MonitoringCampaign)] == [
        (2024, NEXT),
        (2025, later.code),
    ]


# --- the live roadmap's monitoring row ---


@time_machine.travel(DECEMBER_2024, tick=False)
def test_the_monitoring_row_goes_under_the_items_that_carry_the_roadmaps_on(
    app, people, next_programme
):
    """Its item numbers 33–35 are the roadmap's: a later programme shows it under its items
    that continue them, and under no other (its own numbers 33–35, if any, are other items)."""
    section = PlanSection(programme=next_programme, number=1, title="Раздел")
    db.session.add_all(
        [
            PlanItem(
                programme=next_programme,
                section=section,
                number=number,
                title="t",
                responsible="r",
                deadline="d",
                expected_result="e",
                continues=continues,
            )
            for number, continues in ((2, [33, 34]), (33, None))
        ]
    )
    for year in (2021, 2024):
        campaign = services.open_campaign(year, date(2024, 12, 20), people["admin"])
        services.submit_report(campaign, people["kgd"].id, people["coord_a"], None)
    db.session.commit()
    municipalities = [people["kgd"], people["sov"]]
    with app.test_request_context():
        roadmap_counts = record_counts(db.session, Period.year(2021), municipalities)
        (row,) = roadmap_counts.of_item(33)
        assert row.source == "municipal_reports" and row.figure.region == 1
        later = record_counts(db.session, Period.year(2024), municipalities)
        (row,) = later.of_item(2)
        assert row.source == "municipal_reports" and row.figure.region == 1
        assert later.of_item(33) == [] and later.of_item(1) == []


# --- the migration ---


def campaigns_across_0019(url: str) -> None:
    """0019: every campaign gets the programme that counts its year; downgrading drops it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0018")
        with db.engine.begin() as connection:
            run = connection.execute
            run(
                sa.text(
                    "INSERT INTO programme (id, code, title, valid_from, valid_to)"
                    " VALUES (:id, :code, 't', :start, :end)"
                ),
                [
                    {"id": 1, "code": "a", "start": date(2020, 1, 1), "end": date(2022, 12, 31)},
                    {"id": 2, "code": "b", "start": date(2023, 1, 1), "end": date(2025, 12, 31)},
                    {"id": 3, "code": "c", "start": date(2025, 9, 1), "end": date(2030, 12, 31)},
                ],
            )
            run(
                sa.text(
                    "INSERT INTO monitoring_campaign (id, year, deadline, status, created_at)"
                    " VALUES (:year, :year, :deadline, 'closed', :deadline)"
                ),
                [
                    {"year": y, "deadline": date(y + 1, 2, 1)}
                    for y in (2019, 2021, 2024, 2025, 2031)
                ],
            )
        upgrade(revision="0019")
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT year, programme_id FROM monitoring_campaign ORDER BY year")
            ).all()
        # Before every programme: the first; in force on 31 December, of two the later to
        # start; after every programme: the latest that started before.
        assert [tuple(row) for row in rows] == [
            (2019, 1),
            (2021, 1),
            (2024, 2),
            (2025, 3),
            (2031, 3),
        ]
        downgrade(revision="0018")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("monitoring_campaign")}
        assert "programme_id" not in columns
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM monitoring_campaign"))
            connection.execute(sa.text("DELETE FROM programme"))
        downgrade(revision="base")
        db.engine.dispose()


def test_campaigns_get_their_programme_on_sqlite(tmp_path):
    campaigns_across_0019(f"sqlite:///{tmp_path / 'campaigns.sqlite3'}")


def test_campaigns_get_their_programme_on_postgresql(empty_postgres_database):  # noqa: F811
    campaigns_across_0019(empty_postgres_database)
