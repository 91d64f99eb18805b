"""Programmes (DESIGN §7): the roadmap pages show one programme at a time; the command line
lists and exports them."""

from __future__ import annotations

import json

import pytest

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from tests.factories import UserFactory
from tests.programme_factories import add_next_programme


@pytest.fixture
def two_programmes(seeded):
    return add_next_programme()


def test_the_roadmap_pages_show_one_programme(two_programmes, client, login):
    user = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    login(user)
    # Today (after both) the latest programme that started; the roadmap on request.
    page = client.get("/roadmap/").get_data(as_text=True)
    assert "Программа профориентации на 2023–2025 годы" in page
    assert "Экскурсии" in page and "Сопровождение профессионального" not in page
    old = client.get("/roadmap/?programme=kgd-2020-2022").get_data(as_text=True)
    assert "kgd-2020-2022" in old and "Сопровождение профессионального" in old
    assert "/roadmap/items/5?programme=kgd-2020-2022" in old
    assert client.get("/roadmap/?programme=nothing").status_code == 404

    item = client.get("/roadmap/items/1?programme=kgd-2023-2025").get_data(as_text=True)
    assert "Экскурсии" in item and "/roadmap/?programme=kgd-2023-2025" in item
    assert "Разработка и утверждение" in client.get(
        "/roadmap/items/1?programme=kgd-2020-2022"
    ).get_data(as_text=True)
    assert client.get("/roadmap/items/5").status_code == 404  # not in the new programme

    indicators = client.get("/roadmap/indicators").get_data(as_text=True)
    assert "Новый показатель 4" in indicators and "мониторинге профессиональных" not in indicators
    old = client.get("/roadmap/indicators?programme=kgd-2020-2022").get_data(as_text=True)
    assert "мониторинге профессиональных" in old and "Новый показатель" not in old


def test_the_roadmap_exports_as_the_packaged_programme(seeded, runner, tmp_path):
    result = runner.invoke(args=["programme", "export", "kgd-2020-2022"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    # Exactly what the seed loaded: plan.json verbatim with the code, period, kinds and rules.
    assert document == data.roadmap_programme()
    assert len(document["items"]) == 37 and document["items"][4]["activity_kinds"] == ["excursion"]
    assert document["indicators"][1]["rule"] == {
        "count": "students",
        "host_kinds": ["college", "university", "employer", "employment_center"],
    }

    target = tmp_path / "programme.json"
    written = runner.invoke(args=["programme", "export", "kgd-2020-2022", "--output", str(target)])
    assert written.exit_code == 0
    assert json.loads(target.read_text("utf-8")) == document

    unknown = runner.invoke(args=["programme", "export", "kgd-2030"])
    assert unknown.exit_code != 0 and "no programme 'kgd-2030'" in unknown.output


def test_a_new_programme_exports_its_kinds_continuations_and_rules(two_programmes, runner):
    document = json.loads(runner.invoke(args=["programme", "export", "kgd-2023-2025"]).output)
    assert (document["valid_from"], document["valid_to"]) == ("2023-01-01", "2025-12-31")
    assert document["sections"] == [{"number": 1, "title": "Раздел"}]
    assert document["items"] == [
        {
            "number": 1,
            "section": 1,
            "title": "Экскурсии",
            "responsible": "ОМСУ",
            "deadline": "ежегодно",
            "expected_result": "—",
            "activity_kinds": ["excursion"],
            "continues": [5, 23],
        }
    ]
    # Rules in the stored order of DESIGN §2, whatever order they were given in.
    assert document["indicators"][1]["rule"] == {
        "count": "activities",
        "activity_kinds": ["parent_meeting", "open_day"],
    }


def test_the_list_marks_the_programme_reports_count_by_today(two_programmes, runner):
    result = runner.invoke(args=["programme", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("  kgd-2020-2022  2020-01-01 … 2022-12-31")
    assert "12 sections, 37 items, 7 indicators" in lines[0]
    # Today is after both: the latest that started counts.
    assert lines[1].startswith("* kgd-2023-2025  2023-01-01 … 2025-12-31")
    assert "1 sections, 1 items, 4 indicators  Программа профориентации" in lines[1]
