"""Programmes in the browser (docs/programmes.md): the administrator lists and downloads them,
downloads the XLSX template, uploads a file, sees what it would change (nothing written), and
publishes exactly that; a bad file is refused whole with every problem in Russian at its place.
Other roles have none of it."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
import time_machine

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.audit.models import AuditEntry
from partnercrm.extensions import db
from partnercrm.indicators.programme_sheets import EXAMPLE, TITLES, read_workbook, to_workbook
from partnercrm.indicators.programmes import check_document
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from tests.activity_factories import ActivityFactory
from tests.conftest import csrf_token
from tests.factories import UserFactory

NEW = {
    "code": "kgd-2026-2030",
    "title": "Программа профориентации на 2026–2030 годы",
    "valid_from": "2026-01-01",
    "valid_to": "2030-12-31",
    "sections": [{"number": 1, "title": "Профпробы"}, {"number": 2, "title": "Экскурсии"}],
    "items": [
        {
            "number": 1,
            "section": 2,
            "title": "Экскурсии на предприятия",
            "responsible": "ОМСУ",
            "deadline": "ежегодно",
            "expected_result": "—",
            "activity_kinds": ["excursion"],
            "continues": [5, 23],
        }
    ],
    "indicators": [
        {
            "number": 1,
            "goal": "",
            "name": "Школьники на предприятиях",
            "unit": "человек",
            "rule": {"count": "students", "host_kinds": ["employer"], "grades": [8, 11]},
        }
    ],
}
PROGRAMME_TABLES = ("programme", "plan_section", "plan_item", "indicator")
RULE_IN_RUSSIAN = (
    "Школьники 8–11 классов, участвовавшие в проведённых мероприятиях на площадках: работодатель"
)


@pytest.fixture
def admin(seeded, client, login):
    user = UserFactory(role=Role.ADMIN)
    db.session.commit()
    login(user)
    return user


def state() -> tuple:
    """What an import could change: every programme row, and the audit trail's length."""
    return (
        tuple(
            db.session.execute(sa.select(model).order_by(model.id)).scalars().all().__len__()
            for model in (Programme, PlanSection, PlanItem, Indicator)
        )
        + (
            db.session.scalar(
                sa.select(sa.func.count()).where(AuditEntry.object_type.in_(PROGRAMME_TABLES))
            ),
        )
        + tuple(
            tuple(db.session.execute(sa.select(*model.__table__.c).order_by(model.id)).all())
            for model in (Programme, PlanItem, Indicator)
        )
    )


def upload(client, content: bytes, name: str = "programme.json"):
    return client.post(
        "/programmes/upload",
        data={
            "file": (io.BytesIO(content), name),
            "csrf_token": csrf_token(client, "/programmes/"),
        },
        content_type="multipart/form-data",
    )


def token_of(page: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', page
    )
    assert found, "no publish form on the preview"
    return found.group(1)


def publish(client, token: str):
    return client.post(
        "/programmes/publish",
        data={"token": token, "csrf_token": csrf_token(client, "/programmes/")},
    )


def as_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_list_shows_each_programme_with_its_years_sizes_and_downloads(admin, client):
    page = client.get("/programmes/").get_data(as_text=True)
    assert "kgd-2020-2022" in page and "Программы" in page
    # The years reports count by it: from its first to this one (no programme came after).
    assert f"2020–{date.today().year}" in page
    assert "/roadmap/?programme=kgd-2020-2022" in page
    exported = client.get("/programmes/kgd-2020-2022/export.json")
    assert exported.status_code == 200
    assert json.loads(exported.data) == json.loads(
        json.dumps(data.roadmap_programme(), ensure_ascii=False)
    )
    workbook = client.get("/programmes/kgd-2020-2022/export.xlsx")
    assert "attachment" in workbook.headers["Content-Disposition"]
    assert read_workbook(workbook.data)["code"] == "kgd-2020-2022"
    assert client.get("/programmes/nothing/export.json").status_code == 404
    assert client.get("/programmes/kgd-2020-2022/export.csv").status_code == 404


def test_the_template_has_every_sheet_with_an_example_row_and_reads_back(admin, client):
    response = client.get("/programmes/template.xlsx")
    assert response.status_code == 200
    assert 'filename="programme-template.xlsx"' in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == list(TITLES.values())
    for sheet in book.worksheets:
        assert sheet.max_row == 2  # the header and one example
        assert sheet["A1"].value in ("code", "number")
    assert read_workbook(response.data) == check_document(EXAMPLE)


def test_a_good_file_is_previewed_without_a_write_then_published_as_previewed(admin, client):
    before = state()
    preview = upload(client, as_json(NEW))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "Предпросмотр программы kgd-2026-2030" in page
    assert RULE_IN_RUSSIAN in page
    assert "Экскурсия на предприятие" in page  # the item's default kind
    assert "мероприятия 5, 23 предыдущей программы" in page
    assert state() == before  # the dry run wrote nothing, not even an audit entry

    published = publish(client, token_of(page))
    assert published.status_code == 302
    assert published.headers["Location"].endswith("/roadmap/?programme=kgd-2026-2030")
    shown = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Программа kgd-2026-2030 опубликована" in shown
    assert RULE_IN_RUSSIAN in shown
    assert "Экскурсии на предприятия" in shown
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2026-2030"))
    assert [s.title for s in programme.sections] == ["Профпробы", "Экскурсии"]
    assert [(i.number, i.activity_kinds, i.continues) for i in programme.items] == [
        (1, ["excursion"], [5, 23])
    ]
    assert programme.indicators[0].rule == NEW["indicators"][0]["rule"] | {"grades": [8, 11]}
    [entry] = [
        entry
        for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.object_type == "programme")
        )
        if "published" in entry.details
    ]
    assert entry.user_id == admin.id
    assert entry.object_id == programme.id and len(entry.details["sha256"]) == 64

    # The same file again: the preview says nothing would change and offers no publishing.
    again = upload(client, as_json(NEW)).get_data(as_text=True)
    assert "ничего не изменит" in again and 'name="token"' not in again


def test_an_update_is_previewed_row_by_row(admin, client):
    document = data.roadmap_programme()
    document["items"] = document["items"][:-1]
    document["indicators"][0]["name"] = "Новое название"
    page = upload(client, as_json(document)).get_data(as_text=True)
    counts = page[page.index('id="change-counts"') :]
    assert re.search(r"Показатели</th>\s*<td[^>]*>0</td>\s*<td[^>]*>1</td>", counts)
    assert 'data-change="removed"' in page and 'data-change="updated"' in page


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["indicators"][0]["rule"].update(host_kinds=["employer", "factory"]),
            "indicators[0].rule.host_kinds[1]: неизвестный вид «factory»",
        ),
        (
            lambda d: d["items"][0].update(section=7),
            "items[0].section: нет раздела 7 среди разделов",
        ),
        (
            lambda d: d["indicators"][0]["rule"].update(grades=[8, 12]),
            "indicators[0].rule.grades[1]: 12 — не класс (1–11)",
        ),
        (lambda d: d["indicators"][0].pop("rule"), "indicators[0].rule: не указано"),
    ],
)
def test_a_bad_file_is_refused_whole_in_russian_with_its_place(admin, client, change, problem):
    document = json.loads(as_json(NEW))
    change(document)
    before = state()
    response = upload(client, as_json(document))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert problem in page and "ничего не сохранено" in page
    assert 'name="token"' not in page
    assert state() == before


def test_a_bad_workbook_names_sheet_and_row_in_russian(admin, client):
    book = openpyxl.load_workbook(io.BytesIO(to_workbook(check_document(json.loads(as_json(NEW))))))
    book["Показатели"]["H2"] = "employer, factory"  # host_kinds
    book["Мероприятия"]["A2"] = "x"
    content = io.BytesIO()
    book.save(content)
    before = state()
    page = upload(client, content.getvalue(), "programme.xlsx").get_data(as_text=True)
    assert "Показатели, строка 2: host_kinds[1]: неизвестный вид «factory»" in page
    assert "Мероприятия, строка 2: number: &#39;x&#39; — не число от 1 до 9999" in page
    assert state() == before
    broken = upload(client, b"{not json", "programme.json").get_data(as_text=True)
    assert "не JSON:" in broken
    damaged = upload(client, b"PK\x03\x04 damaged", "programme.xlsx").get_data(as_text=True)
    assert "ничего не сохранено" in damaged


def test_an_item_with_records_cannot_be_left_out_in_russian(admin, client):
    item = db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 5))
    ActivityFactory(plan_items=[item])
    db.session.commit()
    document = data.roadmap_programme()
    document["items"] = [i for i in document["items"] if i["number"] != 5]
    page = upload(client, as_json(document)).get_data(as_text=True)
    assert "items: к мероприятию 5 привязаны записи (1); его нет в файле" in page


def test_files_too_large_or_empty_are_refused(admin, client):
    page = upload(client, b" " * (1024 * 1024 + 1)).get_data(as_text=True)
    assert "файл программы — не более 1 МБ" in page
    assert "Файл пуст" in upload(client, b"").get_data(as_text=True)


def test_publishing_takes_only_a_sound_fresh_token_of_the_same_admin(admin, client, login):
    before = state()
    token = token_of(upload(client, as_json(NEW)).get_data(as_text=True))
    # Tampered: refused, nothing written.
    refused = publish(client, token[:-2] + ("A" if token[-1] != "A" else "B") + token[-1])
    assert refused.status_code == 302
    assert "Предпросмотр не удаётся прочитать" in client.get("/programmes/").get_data(as_text=True)
    # Too old.
    with time_machine.travel(datetime.now() + timedelta(hours=2)):
        publish(client, token)
        assert "больше часа" in client.get("/programmes/").get_data(as_text=True)
    assert state() == before
    # Another administrator's preview.
    other = UserFactory(role=Role.ADMIN)
    db.session.commit()
    login(other)
    assert publish(client, token).status_code == 403
    assert state() == before


def test_publishing_refuses_when_the_programme_changed_since_the_preview(admin, client):
    document = data.roadmap_programme()
    document["title"] = "Новое название дорожной карты"
    token = token_of(upload(client, as_json(document)).get_data(as_text=True))
    programme = db.session.scalar(sa.select(Programme))
    programme.title = "Кто-то исправил"
    db.session.commit()
    before = state()
    assert publish(client, token).status_code == 302
    assert "Программа изменилась после предпросмотра" in client.get("/programmes/").get_data(
        as_text=True
    )
    assert state() == before


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.COORDINATOR, Role.EMPLOYER])
def test_other_roles_have_no_programme_pages(seeded, client, login, role):
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    for url in (
        "/programmes/",
        "/programmes/template.xlsx",
        "/programmes/kgd-2020-2022/export.json",
    ):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/roadmap/")
    assert client.post("/programmes/upload", data={"csrf_token": token}).status_code == 403
    assert (
        client.post("/programmes/publish", data={"csrf_token": token, "token": "x"}).status_code
        == 403
    )
    assert "/programmes/" not in client.get("/roadmap/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(seeded, client):
    response = client.get("/programmes/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admins_menu_has_programmes(admin, client):
    assert 'href="/programmes/"' in client.get("/roadmap/").get_data(as_text=True)


def test_flask_admin_shows_and_filters_by_programme_and_never_edits_a_rule(admin, client):
    upload_page = upload(client, as_json(NEW)).get_data(as_text=True)
    publish(client, token_of(upload_page))
    new_id = db.session.scalar(sa.select(Programme.id).where(Programme.code == "kgd-2026-2030"))
    items = client.get("/admin/plan-items/").get_data(as_text=True)
    assert "kgd-2026-2030" in items and "kgd-2020-2022" in items
    filtered = client.get(f"/admin/plan-items/?flt0_0={new_id}").get_data(as_text=True)
    assert "Экскурсии на предприятия" in filtered and "Разработка и утверждение" not in filtered
    indicators = client.get("/admin/indicators/").get_data(as_text=True)
    assert RULE_IN_RUSSIAN in indicators
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.programme_id == new_id))
    edit = f"/admin/indicators/edit/?id={indicator.id}"
    assert 'name="rule"' not in client.get(edit).get_data(as_text=True)
    client.post(
        edit,
        data={
            "goal": "Цель",
            "name": "Другое имя",
            "unit": "человек",
            "rule": '{"count": "activities"}',
            "csrf_token": csrf_token(client, edit),
        },
    )
    db.session.expire_all()
    changed = db.session.get(Indicator, indicator.id)
    assert changed.name == "Другое имя" and changed.rule["count"] == "students"


def test_the_template_filled_in_is_published_from_xlsx(admin, client):
    template = client.get("/programmes/template.xlsx").data
    page = upload(client, template, "programme.xlsx").get_data(as_text=True)
    assert f"Предпросмотр программы {EXAMPLE['code']}" in page
    assert RULE_IN_RUSSIAN in page
    assert publish(client, token_of(page)).status_code == 302
    published = db.session.scalar(sa.select(Programme).where(Programme.code == EXAMPLE["code"]))
    assert published.title == EXAMPLE["title"]
    # Its item's page names the programme and links the roadmap's items it continues.
    item = client.get(f"/roadmap/{EXAMPLE['code']}/items/1").get_data(as_text=True)
    assert EXAMPLE["items"][0]["title"] in item
    assert 'href="/roadmap/kgd-2020-2022/items/5"' in item
