"""Профминимум hours pages, exports and ``partnercrm hours`` (DESIGN §8): what each role sees —
counts outside the own school, names only to its staff — and the shapes of the exports."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from partnercrm.activities.models import Headcount, Participation
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.profminimum.models import (
    HeadcountHoursCount,
    ProfminimumLevel,
    StudentHoursCount,
)
from partnercrm.profminimum.rules import Level
from tests.activity_factories import ActivityFactory, build_world, sign_in
from tests.conftest import request_scoped_client

NOW = datetime(2025, 11, 20, 12, 0)  # school year 2025/26


def held(local: datetime, hours: str, students):
    activity = ActivityFactory(hours=Decimal(hours))
    activity.set_time(to_utc(local))
    db.session.flush()
    db.session.add_all(Participation(activity=activity, student=s) for s in students)
    db.session.flush()
    return activity


@pytest.fixture
def world(seeded):
    w = build_world()
    ivanov, petrova, sidorov = w.class_8a
    held(datetime(2025, 10, 2, 10), "30", [ivanov, petrova])
    held(datetime(2025, 10, 9, 10), "12.5", [ivanov])
    held(datetime(2025, 10, 9, 10), "41", w.school2_students[:1])
    unnamed = held(datetime(2025, 10, 16, 10), "2", [])
    db.session.add(Headcount(activity=unnamed, school=w.school1, grade=9, count=10))
    db.session.commit()
    with time_machine.travel(to_utc(NOW), tick=False):
        yield w


def _client(app, user):
    client = request_scoped_client(app)
    sign_in(client, user)
    return client


def test_school_staff_see_their_class_by_name_below_target_first(app, world):
    client = _client(app, world.school1_user)
    page = client.get(
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А"
    ).get_data(as_text=True)
    assert page.index("Сидоров Пётр") < page.index("Петрова Анна") < page.index("Иванов Иван")
    assert "42.5 of 40 h" in page and "target reached" in page
    assert "10 hours missing" in page  # Петрова: 30 of 40
    assert 'class="progress"' in page and "table-cards" in page
    by_name = client.get(
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А&sort=name"
    ).get_data(as_text=True)
    assert by_name.index("Иванов Иван") < by_name.index("Петрова Анна")


def test_missing_hours_in_russian_plurals(app, world):
    client = _client(app, world.school1_user)
    client.post("/language", data={"lang": "ru", "csrf_token": _token(client)})
    world_level = ProfminimumLevel(school_id=world.school1.id, school_year=2025, level=Level.MAIN)
    with app.app_context():
        db.session.add(world_level)
        db.session.commit()
    page = client.get(
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А"
    ).get_data(as_text=True)
    assert "не хватает 18 часов" in page  # Иванов: 42,5 of 60 → 17,5, rounded up
    assert "не хватает 30 часов" in page  # Петрова
    assert "не хватает 60 часов" in page  # Сидоров


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/dashboard")


def test_a_coordinator_sees_counts_never_names(app, world):
    client = _client(app, world.coordinator)
    municipality = client.get(f"/profminimum/hours/municipality/{world.m1.id}")
    assert municipality.status_code == 200
    text = municipality.get_data(as_text=True)
    assert "Школа № 1" in text and "Иванов" not in text
    school = client.get(f"/profminimum/hours/school/{world.school1.id}")
    assert school.status_code == 200
    text = school.get_data(as_text=True)
    assert "8А" in text and "Иванов" not in text and "/class?" not in text
    for url in (
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А",
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А&format=csv",
        f"/profminimum/hours/municipality/{world.m2.id}",
        f"/profminimum/hours/school/{world.school3.id}",
        "/profminimum/hours/region",
    ):
        assert client.get(url).status_code == 403, url


def test_other_schools_staff_get_403(app, world):
    client = _client(app, world.school2_user)
    for url in (
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А",
        f"/profminimum/hours/school/{world.school1.id}",
        f"/profminimum/hours/municipality/{world.m1.id}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/profminimum/hours/school/{world.school2.id}").status_code == 200


def test_the_region_summary_and_its_exports(app, world):
    client = _client(app, world.admin)
    assert (
        client.get("/profminimum/hours").headers["Location"].endswith("/profminimum/hours/region")
    )
    page = client.get("/profminimum/hours/region?school_year=2025").get_data(as_text=True)
    assert world.m1.name in page and 'id="hours-unnamed">20<' in page
    csv = client.get("/profminimum/hours/region?school_year=2025&format=csv")
    assert csv.data.startswith(b"\xef\xbb\xbf")
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Муниципальное образование;Учащихся;Достигли цели")
    assert lines[-1].split(";")[:3] == ["Всего", "7", "2"]
    xlsx = client.get(f"/profminimum/hours/municipality/{world.m1.id}?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any(row[0] == "Школа № 1" and row[1] == 5 for row in values)


def test_class_export_has_names_for_the_own_school(app, world):
    client = _client(app, world.school1_user)
    response = client.get(
        f"/profminimum/hours/school/{world.school1.id}/class?grade=8&letter=А&format=csv"
    )
    assert "Иванов Иван;8А;42.5;40;0" in response.data.decode("utf-8-sig")
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii() and "filename*=UTF-8''" in disposition


def test_bad_school_year_is_refused_clearly(app, world):
    client = _client(app, world.admin)
    response = client.get("/profminimum/hours/region?school_year=1999")
    assert response.status_code == 400
    client = _client(app, world.school1_user)
    response = client.get(f"/profminimum/hours/school/{world.school1.id}/class")
    assert response.status_code == 400 and "Choose a class" in response.get_data(as_text=True)


def test_the_student_page_shows_the_hours_and_activities(app, world):
    client = _client(app, world.school1_user)
    page = client.get(f"/students/{world.class_8a[0].id}").get_data(as_text=True)
    assert "Profminimum: 42.5 of 40 h" in page
    assert "12.5 h" in page


def test_the_dashboard_shows_the_classes_furthest_behind(app, world):
    client = _client(app, world.school1_user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="profminimum-behind"' in page
    assert page.index('data-class="8Б"') < page.index('data-class="8А"')
    assert 'id="profminimum-behind"' not in _client(app, world.coordinator).get(
        "/dashboard"
    ).get_data(as_text=True)


# --- partnercrm hours ---


def test_hours_json_has_the_shape_of_design(runner, world):
    result = runner.invoke(args=["hours", "--school-year", "2025/26"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "school_year",
        "from",
        "to",
        "municipality",
        "students",
        "reached",
        "bands",
        "by_municipality",
    ]
    assert data["school_year"] == "2025/26"
    assert (data["from"], data["to"]) == ("2025-09-01", "2026-08-31")
    assert (data["students"], data["reached"]) == (7, 2)
    assert data["bands"] == {"0": 4, "1-39": 1, "40-59": 2, "60-79": 0, "80+": 0}
    assert list(data["by_municipality"][0]) == ["municipality", "students", "reached", "bands"]
    by_name = {part["municipality"]: part for part in data["by_municipality"]}
    assert by_name[world.m1.name]["students"] == 7
    assert "Калининград" in by_name  # every municipality, zeros included


def test_hours_for_one_municipality_csv_and_xlsx(runner, world, tmp_path):
    result = runner.invoke(args=["hours", "--school-year", "2025", "--municipality", world.m1.name])
    data = json.loads(result.stdout)
    assert data["municipality"] == world.m1.name
    assert [part["municipality"] for part in data["by_municipality"]] == [world.m1.name]
    csv = runner.invoke(args=["hours", "--school-year", "2025", "--format", "csv"])
    assert csv.stdout_bytes.startswith(b"\xef\xbb\xbf") and ";" in csv.stdout
    out = tmp_path / "hours.xlsx"
    runner.invoke(args=["hours", "--school-year", "2025", "--format", "xlsx", "--output", str(out)])
    sheet = load_workbook(out).active
    assert sheet["A1"].value.startswith("Профминимум")


def test_hours_refuses_a_bad_year_or_municipality(runner, world):
    bad_year = runner.invoke(args=["hours", "--school-year", "2025/27"])
    assert bad_year.exit_code != 0 and "2025/26" in bad_year.output
    nowhere = runner.invoke(args=["hours", "--school-year", "2025", "--municipality", "Атлантида"])
    assert nowhere.exit_code != 0 and "Атлантида" in nowhere.output


def test_hours_verify_finds_the_counters_equal_to_the_rows(runner, world):
    result = runner.invoke(args=["hours", "--school-year", "2025", "--verify"])
    assert result.exit_code == 0, result.output
    assert "counters agree with the rows (2025/26)" in result.output
    scoped = runner.invoke(
        args=["hours", "--school-year", "2025", "--municipality", world.m1.name, "--verify"]
    )
    assert scoped.exit_code == 0, scoped.output


def test_hours_verify_exits_1_when_the_counters_are_wrong(runner, world):
    ivanov = world.class_8a[0]
    # Behind the app's back, as a bad bulk load would: no marks, nothing recounts it.
    db.session.execute(
        sa.update(StudentHoursCount.__table__)
        .where(StudentHoursCount.student_id == ivanov.id)
        .values(hours=Decimal(7))
    )
    db.session.execute(
        sa.update(HeadcountHoursCount.__table__)
        .where(HeadcountHoursCount.school_id == world.school1.id)
        .values(hours=Decimal(1))
    )
    db.session.commit()
    result = runner.invoke(args=["hours", "--school-year", "2025", "--verify"])
    assert result.exit_code == 1
    assert f"student {ivanov.id}: counters 7.00 h, rows 42.50 h" in result.output
    assert f"school {world.school1.id}: student-hours without names: counters 1.00" in result.output
    assert "2 differences" in result.output
    # The report itself reads the counters: it shows what they say.
    report = json.loads(runner.invoke(args=["hours", "--school-year", "2025"]).stdout)
    assert report["bands"]["1-39"] == 2
