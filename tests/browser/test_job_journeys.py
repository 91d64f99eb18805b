"""The employment center posts a holiday job that breaks the Labour Code, is refused with the
articles, fixes it and publishes it on the public board — on a phone."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.labour import public_days_off
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import local_today
from tests.browser.pages import log_in, log_out, open_menu_link
from tests.factories import OrganizationFactory, UserFactory

TITLE = "Помощник садовника"
NIGHT_WORK = (
    "Несовершеннолетних нельзя привлекать к работе в ночное время: смена должна быть в "
    "пределах с 06:00 до 22:00 одного дня. (ст. 96 ТК РФ)"
)
LONG_DAY = "В возрасте 14 лет продолжительность ежедневной работы при совмещении с учёбой"


def test_center_fixes_a_job_the_labour_code_refuses_and_publishes_it(
    seeded, live_server, phone, screenshot
):
    center_user = UserFactory(role=Role.EMPLOYMENT_CENTER)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, name="МБУ «Зеленстрой»")
    db.session.commit()
    # Outside any school holiday (none are entered): the school-year limits apply.
    first_day = local_today() + timedelta(days=30)
    # Two weeks without a public holiday, on which minors may not work (art. 268).
    while public_days_off(first_day, first_day + timedelta(days=13)):
        first_day += timedelta(days=7)

    log_in(phone, live_server, center_user.email)
    open_menu_link(phone, "Временное трудоустройство")
    phone.get_by_role("link", name="Новая вакансия").click()
    phone.fill("#employer", employer.code)
    phone.fill("#title", TITLE)
    phone.fill("#places", "6")
    phone.fill("#duties", "Полив и прополка клумб в городском парке.")
    phone.select_option("#municipality", label="Калининград")
    phone.fill("#address", "г. Калининград, Центральный парк")
    phone.fill("#first_day", first_day.isoformat())
    phone.fill("#last_day", (first_day + timedelta(days=13)).isoformat())
    phone.fill("#shift_starts", "14:00")
    phone.fill("#shift_ends", "23:00")  # night work from 22:00
    phone.fill("#min_age", "14")
    phone.fill("#hours_per_day", "6")  # 2.5 h at 14 while at school
    phone.fill("#hours_per_week", "12")
    phone.fill("#pay", "150 рублей в час")
    phone.check("#not_prohibited_attested")
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Вакансия сохранена.").wait_for()

    phone.get_by_role("button", name="Опубликовать").click()
    phone.locator(".alert-danger").filter(has_text="Вакансия нарушает Трудовой кодекс").wait_for()
    # The job's page lists every violation with its article.
    violations = phone.locator("#violations li")
    violations.filter(has_text=NIGHT_WORK).wait_for()
    violations.filter(has_text=LONG_DAY).filter(has_text="(ст. 94 ТК РФ)").wait_for()
    screenshot(phone, "job-violations")
    db.session.expire_all()
    assert db.session.scalar(sa.select(HolidayJob.status)) is JobStatus.DRAFT

    phone.get_by_role("link", name="Редактировать").click()
    phone.fill("#min_age", "16")
    phone.fill("#hours_per_day", "4")
    phone.fill("#shift_ends", "20:00")
    phone.fill("#break_minutes", "120")  # 14:00–20:00 less 2 h of breaks: 4 h of work
    phone.get_by_role("button", name="Проверить по Трудовому кодексу").click()
    phone.get_by_text("Проверка по Трудовому кодексу нарушений не выявила.").wait_for()
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Вакансия сохранена.").wait_for()
    phone.get_by_role("button", name="Опубликовать").click()
    phone.get_by_text("Вакансия опубликована на общедоступной доске вакансий.").wait_for()
    log_out(phone)

    phone.goto(live_server + "/")
    phone.get_by_role("link", name="Временная работа для подростков").click()
    card = phone.locator("#board [data-job]", has_text=TITLE)
    card.get_by_text("14:00–20:00").wait_for()
    card.get_by_text("4 ч в день, 12 ч в неделю").wait_for()
    screenshot(phone, "job-board")

    db.session.expire_all()
    job = db.session.scalar(sa.select(HolidayJob))
    assert (job.status, job.center_id, job.employer_id) == (
        JobStatus.PUBLISHED,
        center_user.organization_id,
        employer.id,
    )
    assert (job.min_age, job.hours_per_day, job.shift_ends) == (16, 4, time(20, 0))
