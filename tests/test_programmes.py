"""Programmes (DESIGN §7): the roadmap pages show one programme at a time; the command line
lists, exports and imports them (JSON, all or nothing, every problem with its place)."""

from __future__ import annotations

import json

import openpyxl
import pytest
import sqlalchemy as sa

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.audit.models import AuditEntry
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.indicators.models import IndicatorValue
from partnercrm.localtime import Period
from partnercrm.monitoring import services as monitoring
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from tests.activity_factories import ActivityFactory
from tests.conftest import csrf_token
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
    assert "/roadmap/kgd-2020-2022/items/5" in old
    assert client.get("/roadmap/?programme=nothing").status_code == 404

    # A plan item's page names its programme: numbers repeat across programmes.
    item = client.get("/roadmap/kgd-2023-2025/items/1").get_data(as_text=True)
    assert "Экскурсии" in item and "/roadmap/?programme=kgd-2023-2025" in item
    old_item = client.get("/roadmap/kgd-2020-2022/items/1").get_data(as_text=True)
    assert "Разработка и утверждение" in old_item
    assert client.get("/roadmap/kgd-2023-2025/items/5").status_code == 404
    assert client.get("/roadmap/nothing/items/1").status_code == 404
    # Links made before programmes name the roadmap's items, with or without ?programme.
    assert "Разработка и утверждение" in client.get("/roadmap/items/1").get_data(as_text=True)
    assert "Экскурсии" in client.get("/roadmap/items/1?programme=kgd-2023-2025").get_data(
        as_text=True
    )

    indicators = client.get("/roadmap/indicators").get_data(as_text=True)
    assert "Новый показатель 4" in indicators and "мониторинге профессиональных" not in indicators
    old = client.get("/roadmap/indicators?programme=kgd-2020-2022").get_data(as_text=True)
    assert "мониторинге профессиональных" in old and "Новый показатель" not in old


def test_each_indicator_shows_its_rule_in_words(two_programmes, client, login):
    login(UserFactory(role=Role.SCHOOL))
    new = client.get("/roadmap/indicators").get_data(as_text=True)
    assert "Как считается" in new
    assert (
        "Школьники 8–11 классов, участвовавшие в проведённых мероприятиях на площадках: "
        "работодатель (каждый один раз, плюс численность без списка; родительские собрания не "
        "в счёт)"
    ) in new
    assert "Проведённые мероприятия видов: родительское собрание, день открытых дверей" in new
    assert "Вносит Министерство за год: да или нет" in new
    old = client.get("/roadmap/indicators?programme=kgd-2020-2022").get_data(as_text=True)
    assert "на площадках: колледж (ПОО), вуз (ВО), работодатель, центр занятости" in old
    assert "Школьники с инвалидностью или ОВЗ, участвовавшие в проведённых мероприятиях" in old
    assert "организаторы или площадки: колледж (ПОО), вуз (ВО)" in old
    assert "Муниципалитеты с утверждённым планом профориентации на год" in old


def test_the_report_pages_show_the_programme_of_the_period(two_programmes, client, login):
    _programme, kgd, _sov = two_programmes
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()
    login(admin)
    page = client.get("/reports/?year=2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Новый показатель 1" in html and "Новый показатель 4" in html
    # Named and headcount parts only for a rule that counts students.
    assert 'data-indicator="1" data-value="1"\n        data-named="1" data-headcount="0"' in html
    assert 'data-indicator="2" data-value="2"\n        >' in html
    assert "Количество школьников, посетивших" in client.get("/reports/?year=2021").get_data(
        as_text=True
    )
    # The drill-downs show the indicators of the period's programme that count students
    # (tests/test_programme_reports.py).
    assert 'data-indicator="1"' in client.get(
        f"/reports/municipalities/{kgd.id}?year=2024"
    ).get_data(as_text=True)
    assert client.get(f"/reports/municipalities/{kgd.id}?year=2021").status_code == 200
    # The live roadmap shows the plan items of the period's programme.
    live = client.get("/reports/roadmap?year=2024").get_data(as_text=True)
    assert "Экскурсии" in live and "Разработка и утверждение планов" not in live
    live = client.get("/reports/roadmap?year=2021").get_data(as_text=True)
    assert "Экскурсии" not in live and "Разработка и утверждение планов" in live


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


# --- import ---

NEW = {
    "code": "kgd-2026-2030",
    "title": "Программа профориентации на 2026–2030 годы",
    "valid_from": "2026-01-01",
    "valid_to": "2030-12-31",
    "sections": [{"number": 1, "title": "Раздел 1"}, {"number": 2, "title": "Раздел 2"}],
    "items": [
        {
            "number": 1,
            "section": 1,
            "title": "Экскурсии на предприятия",
            "responsible": "ОМСУ",
            "deadline": "ежегодно",
            "expected_result": "—",
            "activity_kinds": ["excursion"],
            "continues": [5, 23],
        },
        {
            "number": 2,
            "section": 2,
            "title": "Дни открытых дверей",
            "responsible": "ПОО",
            "deadline": "ежегодно",
            "expected_result": "—",
        },
    ],
    "indicators": [
        {
            "number": 1,
            "goal": "Цель",
            "name": "Школьники 8–11 классов на предприятиях",
            "unit": "человек",
            "rule": {"count": "students", "grades": [8, 11], "host_kinds": ["employer"]},
        },
        {
            "number": 2,
            "goal": "Цель",
            "name": "Мониторинг",
            "unit": "да/нет",
            "rule": {"count": "manual", "type": "yes_no"},
        },
    ],
}


def write(tmp_path, document, name="programme.json") -> str:
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, "utf-8")
    return str(path)


def programme_counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Programme, PlanSection, PlanItem, Indicator)
    )


def test_export_then_import_changes_nothing(seeded, runner, tmp_path):
    target = tmp_path / "roadmap.json"
    runner.invoke(args=["programme", "export", "kgd-2020-2022", "--output", str(target)])
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    result = runner.invoke(args=["programme", "import", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "programme kgd-2020-2022 unchanged;"
        " sections: 0 added, 0 updated, 0 removed, 12 unchanged;"
        " items: 0 added, 0 updated, 0 removed, 37 unchanged;"
        " indicators: 0 added, 0 updated, 0 removed, 7 unchanged"
    )
    # Nothing written: not even an audit entry.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_a_new_programme_is_imported_and_counted(seeded, runner, tmp_path):
    path = write(tmp_path, NEW)
    before = programme_counts()
    dry = runner.invoke(args=["programme", "import", path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "programme kgd-2026-2030 added; sections: 2 added" in dry.output
    assert "(dry run: nothing was written)" in dry.output
    assert programme_counts() == before

    result = runner.invoke(args=["programme", "import", path])
    assert result.exit_code == 0, result.output
    assert programme_counts() == (before[0] + 1, before[1] + 2, before[2] + 2, before[3] + 2)
    exported = json.loads(runner.invoke(args=["programme", "export", "kgd-2026-2030"]).output)
    assert exported == NEW
    results = queries.compute(db.session, Period.year(2027))
    assert [(r.number, r.name, r.value) for r in results] == [
        (1, "Школьники 8–11 классов на предприятиях", 0),
        (2, "Мониторинг", None),
    ]
    # The roadmap keeps its numbers.
    assert [r.number for r in queries.compute(db.session, Period.year(2021))] == list(range(1, 8))


def test_reimport_updates_texts_and_rules_and_removes_what_is_unused(seeded, runner, tmp_path):
    runner.invoke(args=["programme", "import", write(tmp_path, NEW)])
    changed = json.loads(json.dumps(NEW))
    changed["title"] = "Новое название"
    changed["items"] = changed["items"][:1]
    changed["sections"] = changed["sections"][:1]
    changed["indicators"][0]["rule"] = {"count": "activities", "activity_kinds": ["open_day"]}
    result = runner.invoke(args=["programme", "import", write(tmp_path, changed, "v2.json")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "programme kgd-2026-2030 updated;"
        " sections: 0 added, 0 updated, 1 removed, 1 unchanged;"
        " items: 0 added, 0 updated, 1 removed, 1 unchanged;"
        " indicators: 0 added, 1 updated, 0 removed, 1 unchanged"
    )
    assert json.loads(runner.invoke(args=["programme", "export", "kgd-2026-2030"]).output) == (
        changed
    )


def test_an_item_with_records_or_an_indicator_with_values_cannot_disappear(
    seeded, runner, tmp_path
):
    activity = ActivityFactory()
    roadmap = db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))
    items = {item.number: item for item in roadmap.items}
    activity.plan_items = [items[5], items[23]]
    indicator = next(i for i in roadmap.indicators if i.number == 5)
    db.session.add(IndicatorValue(indicator=indicator, year=2021, value=10))
    db.session.commit()
    document = data.roadmap_programme()
    document["items"] = [i for i in document["items"] if i["number"] not in (5, 6, 23)]
    document["indicators"] = [i for i in document["indicators"] if i["number"] != 5]
    before = programme_counts()
    result = runner.invoke(args=["programme", "import", write(tmp_path, document)])
    assert result.exit_code != 0
    assert "items: item 5 has 1 linked activities; it is not in the file" in result.output
    assert "items: item 23 has 1 linked activities" in result.output
    assert "indicators: indicator 5 has values entered for 1 year(s)" in result.output
    assert "item 6" not in result.output  # unused: it could go
    assert "nothing was imported" in result.output
    assert programme_counts() == before


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["indicators"][0]["rule"]["host_kinds"].append("factory"),
            'indicators[0].rule.host_kinds[1]: unknown kind "factory"',
        ),
        (
            lambda d: d["items"][1].update(number=1),
            "items[1].number: 1 is given twice (also items[0])",
        ),
        (lambda d: d["items"][1].update(section=7), "items[1].section: no section 7 in sections"),
        (lambda d: d["indicators"][1].pop("rule"), "indicators[1].rule: missing"),
        (
            lambda d: d["indicators"][0]["rule"].update(grades=[5, 12]),
            "indicators[0].rule.grades[1]: 12 is not a grade (1–11)",
        ),
        (
            lambda d: d["items"][0].update(activity_kinds=["visit"]),
            'items[0].activity_kinds[0]: unknown kind "visit"',
        ),
        (lambda d: d.update(valid_to="2025-12-31"), "valid_to: 2025-12-31 is before valid_from"),
        (lambda d: d.update(valid_from="01.01.2026"), "valid_from: '01.01.2026' is not a date"),
        (lambda d: d.update(code="Новая программа"), 'code: "Новая программа": use small latin'),
        (lambda d: d.pop("sections"), "sections: missing"),
        (lambda d: d["sections"][0].update(extra=1), "sections[0].extra: unknown"),
        (lambda d: d["items"][0].update(title="a\x00b"), "items[0].title: holds the control"),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_place_named(
    seeded, runner, tmp_path, change, problem
):
    document = json.loads(json.dumps(NEW))
    change(document)
    before = programme_counts()
    result = runner.invoke(args=["programme", "import", write(tmp_path, document)])
    assert result.exit_code != 0
    assert problem in result.output
    assert programme_counts() == before


def test_a_file_saved_with_a_bom_is_read(seeded, runner, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(NEW).encode())
    result = runner.invoke(args=["programme", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output


def test_malformed_json_is_refused(seeded, runner, tmp_path):
    result = runner.invoke(args=["programme", "import", write(tmp_path, '{"code": "x",')])
    assert result.exit_code != 0
    assert "not JSON: Expecting property name enclosed in double quotes (line 1" in result.output
    result = runner.invoke(args=["programme", "import", write(tmp_path, "[1, 2]")])
    assert result.exit_code != 0 and ": must be an object" in result.output


def test_the_ministry_enters_values_into_the_indicators_of_the_years_programme(two_programmes):
    programme, _kgd, _sov = two_programmes
    admin = UserFactory(role=Role.ADMIN)
    roadmap = db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))
    value = monitoring.set_indicator_value(roadmap, 5, 2021, 1500, None, admin)
    assert value.indicator.programme.code == "kgd-2020-2022"
    # 2024 is counted by the new programme, which has no indicator 5.
    with pytest.raises(monitoring.MonitoringError):
        monitoring.set_indicator_value(programme, 5, 2024, 10, None, admin)
    # Its own indicator 3 has a value for 2024 (0); the roadmap's 7 of 2024 is not its.
    assert {n: v.value for n, v in monitoring.entered_values(2024, programme).items()} == {3: 0}
    assert {n: v.value for n, v in monitoring.entered_values(2021, roadmap).items()} == {5: 1500}
    assert programme.code == "kgd-2023-2025"


def test_the_admin_cannot_move_a_plan_item_into_another_programme(two_programmes, client, login):
    programme, _kgd, _sov = two_programmes
    login(UserFactory(role=Role.ADMIN))
    item = db.session.scalar(
        sa.select(PlanItem).join(Programme).where(Programme.code == "kgd-2020-2022")
    )
    own, other = item.section_id, programme.sections[0].id
    edit = f"/admin/plan-items/edit/?id={item.id}"
    fields = {
        "title": "Новый текст",
        "responsible": item.responsible,
        "deadline": item.deadline,
        "expected_result": item.expected_result,
        "csrf_token": csrf_token(client, edit),
    }
    # Only the item's own programme's sections are offered, and no other is taken.
    form = client.get(edit).get_data(as_text=True)
    assert f'value="{own}"' in form and f'value="{other}"' not in form
    moved = client.post(edit, data=fields | {"section": str(other)}, follow_redirects=True)
    assert "Выберите раздел программы, к которой относится мероприятие." in moved.get_data(
        as_text=True
    )
    db.session.expire_all()
    unchanged = db.session.get(PlanItem, item.id)
    assert unchanged.section_id == own and unchanged.title != "Новый текст"
    kept = client.post(edit, data=fields | {"section": str(own)})
    assert kept.status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).title == "Новый текст"


# --- XLSX ---


def test_the_roadmap_goes_through_xlsx_unchanged(seeded, runner, tmp_path):
    target = tmp_path / "roadmap.xlsx"
    result = runner.invoke(
        args=["programme", "export", "kgd-2020-2022", "--format", "xlsx", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Программа", "Разделы", "Мероприятия", "Показатели"]
    indicators = list(book["Показатели"].iter_rows(values_only=True))
    assert indicators[0][4:] == (
        "count",
        "type",
        "activity_kinds",
        "host_kinds",
        "organizer_kinds",
        "organizer_or_host_kinds",
        "ovz_only",
        "grades",
    )
    assert indicators[2][4:8] == (
        "students",
        None,
        None,
        "college, university, employer, employment_center",
    )
    result = runner.invoke(args=["programme", "import", str(target)])
    assert result.exit_code == 0, result.output
    assert "programme kgd-2020-2022 unchanged;" in result.output
    assert "items: 0 added, 0 updated, 0 removed, 37 unchanged" in result.output


def new_workbook(tmp_path, runner, edit=None) -> str:
    """NEW as XLSX (exported once imported, then taken out again), edited by ``edit``."""
    runner.invoke(args=["programme", "import", write(tmp_path, NEW)])
    path = tmp_path / "new.xlsx"
    runner.invoke(
        args=["programme", "export", NEW["code"], "--format", "xlsx", "--output", str(path)]
    )
    if edit is not None:
        book = openpyxl.load_workbook(path)
        edit(book)
        book.save(path)
    return str(path)


def test_a_programme_from_xlsx(seeded, runner, tmp_path):
    def edit(book):
        book["Программа"]["B2"] = "Другая программа"
        book["Показатели"]["K2"] = "нет"  # ovz_only
        book["Показатели"]["L3"] = ""
        book["Мероприятия"].append([3, 2, "Новое", "", "", "", "open_day; excursion", ""])

    path = new_workbook(tmp_path, runner, edit)
    result = runner.invoke(args=["programme", "import", path])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("programme kgd-2026-2030 updated; sections: 0 added")
    assert "items: 1 added, 0 updated, 0 removed, 2 unchanged" in result.output
    document = json.loads(runner.invoke(args=["programme", "export", NEW["code"]]).output)
    assert document["title"] == "Другая программа"
    assert document["items"][2]["activity_kinds"] == ["excursion", "open_day"]
    assert document["indicators"] == NEW["indicators"]


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda b: b["Показатели"].__setitem__("H2", "employer, factory"),
            'Показатели, row 2: host_kinds[1]: unknown kind "factory"',
        ),
        (
            lambda b: b["Показатели"].__setitem__("L2", "5-12"),
            "Показатели, row 2: grades[1]: 12 is not a grade (1–11)",
        ),
        (lambda b: b["Показатели"].__setitem__("E3", None), "Показатели, row 3: count: missing"),
        (
            lambda b: b["Мероприятия"].__setitem__("A3", 1),
            "Мероприятия, row 3: number: 1 is given twice (also Мероприятия, row 2)",
        ),
        (
            lambda b: b["Мероприятия"].__setitem__("B3", 9),
            "Мероприятия, row 3: section: no section 9 in sections",
        ),
        (
            lambda b: b["Программа"].__setitem__("D2", "2020-01-01"),
            "Программа, row 2: valid_to: 2020-01-01 is before valid_from 2026-01-01",
        ),
        (lambda b: b.remove(b["Разделы"]), "no sheet «Разделы»"),
        (lambda b: b["Разделы"].__setitem__("C1", "colour"), 'Разделы: unknown column "colour"'),
    ],
)
def test_a_bad_workbook_is_refused_whole_with_sheet_and_row(
    seeded, runner, tmp_path, edit, problem
):
    path = new_workbook(tmp_path, runner, edit)
    before = programme_counts()
    result = runner.invoke(args=["programme", "import", path])
    assert result.exit_code != 0
    assert problem in result.output
    assert programme_counts() == before


def test_a_damaged_workbook_is_refused(seeded, runner, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = runner.invoke(args=["programme", "import", str(path)])
    assert result.exit_code != 0 and "nothing was imported" in result.output
