"""A municipal coordinator submits the municipality's yearly monitoring report on a phone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.monitoring import services
from partnercrm.monitoring.models import MunicipalReport
from partnercrm.monitoring.rules import ReportStatus
from tests.browser.pages import log_in, open_menu_link
from tests.factories import UserFactory


def test_coordinator_submits_the_monitoring_report(seeded, live_server, phone, screenshot):
    admin = UserFactory(role=Role.ADMIN)
    coordinator = UserFactory(role=Role.COORDINATOR)
    year = local_today().year
    services.open_campaign(year, local_today() + timedelta(days=20), admin)
    db.session.commit()

    log_in(phone, live_server, coordinator.email)
    open_menu_link(phone, "Мониторинг")
    phone.get_by_role("link", name="Открыть").click()
    phone.fill("#comment", "Сведения сверены с отчётами школ")
    screenshot(phone, "monitoring-report")
    phone.once("dialog", lambda dialog: dialog.accept())  # «Отправить отчёт?»
    phone.get_by_role("button", name="Отправить отчёт").click()
    phone.get_by_text("Отчёт отправлен").first.wait_for()

    db.session.expire_all()
    report = db.session.scalar(sa.select(MunicipalReport))
    assert report.status is ReportStatus.SUBMITTED
    assert report.submitted_by_id == coordinator.id
    assert report.comment == "Сведения сверены с отчётами школ"
    assert set(report.frozen_values) == {str(n) for n in range(1, 8)}
