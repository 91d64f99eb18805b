"""Reports in the form officials use: the exports downloaded from the pages open in Russian
Excel as they should (CSV with a BOM and `;`, XLSX with a caption and a frozen header), the live
roadmap prints as a table alone, and a school prints the participant list of a trip."""

from __future__ import annotations

from pathlib import Path

from partnercrm import data
from partnercrm.accounts.rules import Role
from partnercrm.activities import services
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.browser.pages import log_in
from tests.factories import OrganizationFactory, UserFactory
from tests.spreadsheets import caption, csv_rows, sheet_table, workbook

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "ru-RU", "accept_downloads": True}


def download(page, name: str) -> bytes:
    """Click the link ``name`` and return the file it downloads."""
    with page.expect_download() as info:
        page.get_by_role("link", name=name, exact=True).first.click()
    return Path(info.value.path()).read_bytes()


def test_coordinator_downloads_and_prints_the_reports(seeded, live_server, browser):
    coordinator = UserFactory(role=Role.COORDINATOR)
    db.session.commit()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server, coordinator.email)
        page.goto(live_server + "/reports/?year=2025")
        rows = csv_rows(download(page, "CSV"))
        assert rows[0][:4] == ["№", "Показатель", "Единица измерения", "Значение"]
        sheet = workbook(download(page, "XLSX")).worksheets[0]
        assert caption(sheet) == [
            "Показатели дорожной карты",
            f"Программа: {data.load('plan.json')['title']} (kgd-2020-2022)",
            "Период: 01.01.2025 – 31.12.2025",
            f"Территория: {coordinator.municipality.name}",
        ]
        assert sheet.freeze_panes == "A7"
        assert sheet_table(sheet)[0][0] == "№"

        page.goto(live_server + "/reports/roadmap?year=2025")
        rows = csv_rows(download(page, "CSV"))
        assert rows[0][:5] == [
            "№",
            "Пункт дорожной карты",
            "Выполнен",
            "Регион: проведено",
            "Регион: запланировано",
        ]
        sheet = workbook(download(page, "XLSX")).active
        assert caption(sheet)[0] == "Исполнение дорожной карты"
        assert sheet.freeze_panes == "A7"
        assert len([row for row in sheet_table(sheet)[1:] if isinstance(row[0], int)]) >= 37

        assert page.get_by_role("button", name="Печать").is_visible()
        page.emulate_media(media="print")
        assert not page.locator("nav.navbar").is_visible()
        assert not page.get_by_role("button", name="Печать").is_visible()
        assert not page.locator("form").first.is_visible()
        assert page.locator("#roadmap").is_visible()
    finally:
        context.close()


def test_school_prints_the_trip_list(seeded, live_server, phone):
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, name="Школа № 7")
    other = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    host = OrganizationFactory(
        kind=OrganizationKind.EMPLOYER, name="Судозавод Янтарь", phone="+7 4012 11-22-33"
    )
    teacher = UserFactory(role=Role.SCHOOL, organization=school)
    trip = ActivityFactory(host=host, organizer=school, location="ул. Верфевая, 1")
    ours = [
        StudentFactory(school=school, grade=8, class_letter="А", full_name="Иванов Иван"),
        StudentFactory(school=school, grade=8, class_letter="Б", full_name="Петрова Анна"),
    ]
    services.set_named_participants(trip, school, ours)
    theirs = StudentFactory(school=other, full_name="Чужой Ученик")
    services.set_named_participants(trip, other, [theirs])
    db.session.commit()

    log_in(phone, live_server, teacher.email)
    phone.goto(f"{live_server}/activities/{trip.id}")
    phone.get_by_role("link", name="Список на выезд").click()
    phone.fill("#staff", "Соколова Елена Викторовна, классный руководитель 8А")
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Сопровождающие сохранены").wait_for()
    trip_box = phone.locator("#trip")
    for text in ("Школа № 7", "15.03.2021 10:00", "ул. Верфевая, 1", "+7 4012 11-22-33", "8А, 8Б"):
        assert text in trip_box.inner_text(), text
    assert "Соколова Елена Викторовна" in phone.locator("[data-field=staff]").inner_text()
    names = phone.locator("#trip-students").inner_text()
    assert "Иванов Иван" in names and "Петрова Анна" in names and "Чужой Ученик" not in names
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    with phone.expect_download() as info:
        phone.get_by_role("link", name="XLSX").click()
    sheet = workbook(Path(info.value.path()).read_bytes()).active
    assert caption(sheet)[0] == f"Список участников: {trip.title}"
    assert sheet.freeze_panes and [row[1] for row in sheet_table(sheet)[1:]] == [
        "Иванов Иван",
        "Петрова Анна",
    ]

    phone.emulate_media(media="print")
    assert not phone.locator("#staff").is_visible()
    assert phone.locator("#trip-students").is_visible()


def test_school_downloads_an_import_template(seeded, live_server, browser):
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, code="school-77")
    teacher = UserFactory(role=Role.SCHOOL, organization=school)
    db.session.commit()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server, teacher.email)
        page.goto(live_server + "/imports/")
        page.locator("details", has=page.locator("[data-templates=students]")).locator(
            "summary"
        ).click()
        templates = page.locator("[data-templates=students]")
        with page.expect_download() as info:
            templates.get_by_role("link", name="CSV").click()
        rows = csv_rows(Path(info.value.path()).read_bytes())
        assert rows[0][:3] == ["school_code", "local_id", "full_name"]
        assert rows[1][0] == "school-77"
        with page.expect_download() as info:
            templates.get_by_role("link", name="XLSX").click()
        sheet = workbook(Path(info.value.path()).read_bytes()).active
        assert sheet.freeze_panes == "A2" and sheet["A2"].value == "school-77"
    finally:
        context.close()
