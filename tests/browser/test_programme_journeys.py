"""The ministry's administrator publishes the next programme in the browser: opens «Программы»
from the menu, downloads the XLSX template, uploads a file, reads the preview (every rule in
plain Russian), publishes, and lands on the programme's page; a bad file shows its problems in
Russian. The pages fit a phone."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from partnercrm.indicators.programme_sheets import TITLES, read_workbook
from partnercrm.roadmap.models import Programme
from tests.browser.pages import log_in
from tests.browser.test_layout_journeys import overflow
from tests.factories import UserFactory
from tests.spreadsheets import workbook
from tests.test_programme_admin import NEW, RULE_IN_RUSSIAN

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "ru-RU", "accept_downloads": True}


def test_the_admin_previews_and_publishes_a_programme(seeded, live_server, browser, tmp_path):
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server, admin.email)
        # The menu's «Программы», in its group's dropdown.
        link = page.get_by_role("link", name="Программы", exact=True, include_hidden=True)
        page.locator("#mainnav .dropdown", has=link).locator(".dropdown-toggle").click()
        page.locator("#mainnav").get_by_role("link", name="Программы", exact=True).click()
        page.wait_for_url("**/programmes/")
        assert "kgd-2020-2022" in page.locator("#programmes").inner_text()

        with page.expect_download() as info:
            page.locator("#programme-template").click()
        template = Path(info.value.path()).read_bytes()
        assert workbook(template).sheetnames == list(TITLES.values())
        assert read_workbook(template)["code"]

        bad = tmp_path / "bad.json"
        document = json.loads(json.dumps(NEW))
        document["indicators"][0]["rule"]["host_kinds"] = ["factory"]
        bad.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        page.set_input_files("#file", str(bad))
        page.get_by_role("button", name="Показать изменения").click()
        problems = page.locator("#problems").inner_text()
        assert "indicators[0].rule.host_kinds[0]: неизвестный вид «factory»" in problems

        good = tmp_path / "kgd-2026-2030.json"
        good.write_text(json.dumps(NEW, ensure_ascii=False), encoding="utf-8")
        page.set_input_files("#file", str(good))
        page.get_by_role("button", name="Показать изменения").click()
        page.get_by_role("heading", name="Предпросмотр программы kgd-2026-2030").wait_for()
        assert RULE_IN_RUSSIAN in page.locator("#preview-indicators").inner_text()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1
        page.set_viewport_size({"width": 390, "height": 844})
        assert overflow(page) == 0
        page.set_viewport_size(DESKTOP["viewport"])

        page.get_by_role("button", name="Опубликовать").click()
        page.wait_for_url("**/roadmap/?programme=kgd-2026-2030")
        assert "Программа kgd-2026-2030 опубликована" in page.content()
        assert RULE_IN_RUSSIAN in page.locator("#programme-indicators").inner_text()
        page.get_by_role("link", name="1. Экскурсии на предприятия").click()
        page.wait_for_url("**/roadmap/kgd-2026-2030/items/1")
        assert "Экскурсия на предприятие" in page.content()
    finally:
        context.close()
