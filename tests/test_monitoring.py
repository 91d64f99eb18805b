"""Monitoring: municipal plans (indicator 1), the ministry's values (5 and 7) and the yearly
campaign — freezing, "changed since submission", returning, closing, exports — by role and by
id. Time is frozen with time_machine where deadlines matter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.activities import services as activity_services
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.localtime import Period
from partnercrm.monitoring import services
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import (
    CampaignStatus,
    ReportState,
    ReportStatus,
    report_state,
    submitted_late,
)
from tests import pdfs
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.conftest import RequestScopedClient, csrf_token, request_scoped_client
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.spreadsheets import caption, csv_rows, sheet_table, workbook

# 1 December 2021, 12:00 in Kaliningrad: the campaign for 2021 runs in December.
DECEMBER = datetime(2021, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def web(app):
    """A factory of logged-in (or anonymous) clients with the English interface."""

    def _client(user=None) -> RequestScopedClient:
        client = request_scoped_client(app)
        with client.session_transaction() as session:
            session["lang"] = "en"
        if user is not None:
            response = client.post(
                "/login",
                data={
                    "email": user.email,
                    "password": PASSWORD,
                    "csrf_token": csrf_token(client),
                },
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _client


def post(client, path, data=None, **kwargs):
    """POST with a valid CSRF token of ``client``'s session."""
    return client.post(path, data={**(data or {}), "csrf_token": _token(client)}, **kwargs)


def _token(client) -> str:
    # Any page with a form of this session gives its token; the base layout has one.
    page = client.get("/monitoring/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if match is None:  # roles without monitoring: take it from a page they can open
        page = client.get("/").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
    assert match, "no CSRF token"
    return match.group(1)


@pytest.fixture
def people(seeded):
    """Two municipalities with a coordinator each, a school in the first, and one user of every
    other role."""
    place = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    kgd, sov = place["Калининград"], place["Советский"]
    org = {
        kind: OrganizationFactory(kind=kind, municipality=kgd)
        for kind in (
            OrganizationKind.SCHOOL,
            OrganizationKind.EMPLOYER,
            OrganizationKind.COLLEGE,
            OrganizationKind.EMPLOYMENT_CENTER,
        )
    }
    users = {
        "admin": UserFactory(role=Role.ADMIN, full_name="Министерство Админ"),
        "coord_a": UserFactory(role=Role.COORDINATOR, municipality=kgd, full_name="Координатор А"),
        "coord_b": UserFactory(role=Role.COORDINATOR, municipality=sov, full_name="Координатор Б"),
        "school": UserFactory(role=Role.SCHOOL, organization=org[OrganizationKind.SCHOOL]),
        "college": UserFactory(role=Role.COLLEGE, organization=org[OrganizationKind.COLLEGE]),
        "employer": UserFactory(role=Role.EMPLOYER, organization=org[OrganizationKind.EMPLOYER]),
        "employment_center": UserFactory(
            role=Role.EMPLOYMENT_CENTER, organization=org[OrganizationKind.EMPLOYMENT_CENTER]
        ),
    }
    db.session.commit()
    return {
        "kgd": kgd,
        "sov": sov,
        "school_org": org[OrganizationKind.SCHOOL],
        "employer_org": org[OrganizationKind.EMPLOYER],
        **users,
    }


def fresh(model, **where):
    db.session.expire_all()
    # In insertion order: PostgreSQL returns an unordered select in any order.
    return db.session.scalars(
        sa.select(model).filter_by(**where).order_by(*sa.inspect(model).primary_key)
    ).all()


def computed(year: int) -> list:
    """The indicators as a fresh request would compute them."""
    db.session.expire_all()
    return queries.compute(db.session, Period.year(year))


def held_excursion(people, students, day=date(2021, 3, 15)):
    activity = ActivityFactory(
        host=people["employer_org"],
        organizer=people["school_org"],
        starts_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC),
        starts_on=day,
    )
    activity_services.set_named_participants(activity, people["school_org"], students)
    db.session.commit()
    return activity


PDF = pdfs.pdf("municipal plan")


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


# --- pure rules ---


def test_report_state_rules():
    deadline = date(2021, 12, 20)
    assert report_state(None, deadline, date(2021, 12, 20), True) is ReportState.MISSING
    assert report_state(None, deadline, date(2021, 12, 21), True) is ReportState.OVERDUE
    assert report_state(None, deadline, date(2021, 12, 21), False) is ReportState.MISSING
    assert (
        report_state(ReportStatus.SUBMITTED, deadline, date(2022, 1, 1), True)
        is ReportState.SUBMITTED
    )
    assert (
        report_state(ReportStatus.REOPENED, deadline, date(2021, 12, 1), True)
        is ReportState.REOPENED
    )
    assert (
        report_state(ReportStatus.REOPENED, deadline, date(2021, 12, 21), True)
        is ReportState.OVERDUE
    )
    assert not submitted_late(deadline, date(2021, 12, 20))
    assert submitted_late(deadline, date(2021, 12, 21))
    assert not submitted_late(deadline, None)


# --- every role × every URL ---


def _urls(people, campaign_id, plan_id):
    kgd = people["kgd"].id
    return {
        "get": [
            "/monitoring/",
            f"/monitoring/campaigns/{campaign_id}",
            f"/monitoring/campaigns/{campaign_id}/municipalities/{kgd}",
            f"/monitoring/campaigns/{campaign_id}/export.csv",
            f"/monitoring/campaigns/{campaign_id}/export.xlsx",
            "/monitoring/plans",
            "/monitoring/plans/new",
            f"/monitoring/plans/{plan_id}/edit",
            f"/monitoring/plans/{plan_id}/document",
            "/monitoring/values",
        ],
        "post": [
            "/monitoring/campaigns",
            f"/monitoring/campaigns/{campaign_id}/deadline",
            f"/monitoring/campaigns/{campaign_id}/close",
            f"/monitoring/campaigns/{campaign_id}/municipalities/{kgd}/submit",
            f"/monitoring/campaigns/{campaign_id}/municipalities/{kgd}/reopen",
            "/monitoring/plans/new",
            f"/monitoring/plans/{plan_id}/edit",
            f"/monitoring/plans/{plan_id}/delete",
            "/monitoring/values",
        ],
    }


@pytest.fixture
def campaign_and_plan(people, upload_folder):
    from partnercrm import uploads

    with time_machine.travel(DECEMBER, tick=False):
        campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    upload_folder.mkdir(parents=True, exist_ok=True)
    (upload_folder / "municipal_plans").mkdir(exist_ok=True)
    name = uploads.new_stored_name()
    (upload_folder / "municipal_plans" / name).write_bytes(PDF)
    plan = MunicipalPlan(
        municipality=people["kgd"], year=2021, approved_on=date(2021, 2, 1), document=name
    )
    db.session.add(plan)
    db.session.commit()
    return campaign, plan


@time_machine.travel(DECEMBER, tick=False)
def test_anonymous_is_sent_to_login_everywhere(web, people, campaign_and_plan):
    campaign, plan = campaign_and_plan
    client = web()
    urls = _urls(people, campaign.id, plan.id)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url in urls["post"]:
        response = client.post(url, data={})
        # Without a session there is no CSRF token either: refused before anything runs.
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], url
    assert fresh(MunicipalReport) == []
    assert fresh(MonitoringCampaign)[0].status is CampaignStatus.OPEN


@pytest.mark.parametrize("role", ["school", "college", "employer", "employment_center"])
@time_machine.travel(DECEMBER, tick=False)
def test_other_roles_get_403_everywhere(web, people, campaign_and_plan, role):
    campaign, plan = campaign_and_plan
    client = web(people[role])
    urls = _urls(people, campaign.id, plan.id)
    token = _token(client)
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls["post"]:
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "year": "2022",
                "deadline": "2022-12-20",
                "approved_on": "2021-03-01",
                "municipality_id": str(people["kgd"].id),
                "value_5": "10",
            },
        )
        assert response.status_code == 403, url
    assert fresh(MunicipalReport) == []
    assert len(fresh(MonitoringCampaign)) == 1
    assert fresh(MonitoringCampaign)[0].status is CampaignStatus.OPEN
    assert fresh(IndicatorValue) == []
    assert [p.approved_on for p in fresh(MunicipalPlan)] == [date(2021, 2, 1)]


@time_machine.travel(DECEMBER, tick=False)
def test_coordinator_urls(web, people, campaign_and_plan):
    """A coordinator: own municipality's pages; the ministry's pages are 403."""
    campaign, plan = campaign_and_plan
    own = web(people["coord_a"])
    for url in (
        "/monitoring/",
        "/monitoring/plans",
        "/monitoring/plans/new",
        f"/monitoring/plans/{plan.id}/edit",
        f"/monitoring/plans/{plan.id}/document",
        f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}",
    ):
        assert own.get(url).status_code == 200, url
    # The campaign page of a coordinator is their municipality's report.
    response = own.get(f"/monitoring/campaigns/{campaign.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}"
    )
    for url in (
        f"/monitoring/campaigns/{campaign.id}/export.csv",
        f"/monitoring/campaigns/{campaign.id}/export.xlsx",
        "/monitoring/values",
    ):
        assert own.get(url).status_code == 403, url
    for url in (
        "/monitoring/campaigns",
        f"/monitoring/campaigns/{campaign.id}/close",
        f"/monitoring/campaigns/{campaign.id}/deadline",
        f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}/reopen",
        "/monitoring/values",
    ):
        assert post(own, url, {"year": "2022", "deadline": "2022-12-20"}).status_code == 403, url

    other = web(people["coord_b"])
    for url in (
        f"/monitoring/plans/{plan.id}/edit",
        f"/monitoring/plans/{plan.id}/document",
        f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}",
    ):
        assert other.get(url).status_code == 403, url
    assert len(fresh(MonitoringCampaign)) == 1


@time_machine.travel(DECEMBER, tick=False)
def test_coordinator_without_municipality_has_no_monitoring(web, people):
    user = UserFactory(role=Role.COORDINATOR, municipality=None)
    db.session.commit()
    assert web(user).get("/monitoring/").status_code == 403


# --- municipal plans (indicator 1) ---


@time_machine.travel(DECEMBER, tick=False)
def test_plans_list_has_every_municipality(web, people):
    db.session.add(
        MunicipalPlan(
            municipality=people["kgd"],
            year=2021,
            approved_on=date(2021, 2, 1),
            title="Постановление № 5",
        )
    )
    db.session.commit()
    page = web(people["admin"]).get("/monitoring/plans?year=2021").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>", page)
    assert len(rows) == 22
    assert "Постановление № 5" in page
    assert "1 of 22 municipalities" in page


@time_machine.travel(DECEMBER, tick=False)
def test_coordinator_manages_own_plans_only(web, people):
    own = web(people["coord_a"])
    response = post(
        own,
        "/monitoring/plans/new",
        {
            "municipality_id": str(people["kgd"].id),
            "year": "2021",
            "approved_on": "2021-03-01",
            "title": "План А",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = fresh(MunicipalPlan)[0]
    assert (plan.municipality_id, plan.year, plan.approved_on, plan.title) == (
        people["kgd"].id,
        2021,
        date(2021, 3, 1),
        "План А",
    )

    # Another municipality by id: refused, nothing created.
    response = post(
        own,
        "/monitoring/plans/new",
        {
            "municipality_id": str(people["sov"].id),
            "year": "2021",
            "approved_on": "2021-03-01",
        },
    )
    assert response.status_code == 403
    assert len(fresh(MunicipalPlan)) == 1

    # Another coordinator's plan by id: refused, unchanged.
    other_plan = MunicipalPlan(
        municipality=people["sov"], year=2021, approved_on=date(2021, 1, 10), title="План Б"
    )
    db.session.add(other_plan)
    db.session.commit()
    assert (
        post(
            own,
            f"/monitoring/plans/{other_plan.id}/edit",
            {"year": "2021", "approved_on": "2021-05-05", "title": "взлом"},
        ).status_code
        == 403
    )
    assert post(own, f"/monitoring/plans/{other_plan.id}/delete").status_code == 403
    kept = fresh(MunicipalPlan, municipality_id=people["sov"].id)
    assert [(p.title, p.approved_on) for p in kept] == [("План Б", date(2021, 1, 10))]
    assert own.get("/monitoring/plans/999999/edit").status_code == 404

    # Own plan: edit, then delete.
    response = post(
        own,
        f"/monitoring/plans/{plan.id}/edit",
        {"year": "2021", "approved_on": "2021-04-01", "title": "План А, ред. 2"},
    )
    assert response.status_code == 302
    assert fresh(MunicipalPlan, id=plan.id)[0].approved_on == date(2021, 4, 1)
    plan_id = plan.id
    assert post(own, f"/monitoring/plans/{plan_id}/delete").status_code == 302
    assert fresh(MunicipalPlan, id=plan_id) == []


@time_machine.travel(DECEMBER, tick=False)
def test_admin_manages_any_plan_and_rules_hold(web, people):
    admin = web(people["admin"])
    response = post(
        admin,
        "/monitoring/plans/new",
        {
            "municipality_id": str(people["sov"].id),
            "year": "2021",
            "approved_on": "2021-06-01",
        },
    )
    assert response.status_code == 302
    # One plan per municipality and year.
    response = post(
        admin,
        "/monitoring/plans/new",
        {
            "municipality_id": str(people["sov"].id),
            "year": "2021",
            "approved_on": "2021-07-01",
        },
    )
    assert response.status_code == 400
    assert "already has a plan for this year" in response.get_data(as_text=True)
    # Not approved in the future (today is 1 December 2021).
    response = post(
        admin,
        "/monitoring/plans/new",
        {
            "municipality_id": str(people["kgd"].id),
            "year": "2021",
            "approved_on": "2021-12-02",
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.get_data(as_text=True)
    # plausible: approved from 2000 on.
    response = post(
        admin,
        "/monitoring/plans/new",
        {"municipality_id": str(people["kgd"].id), "year": "2021", "approved_on": "1999-12-31"},
    )
    assert response.status_code == 400
    assert "The date must be from 01.01.2000 to 01.12.2021." in response.get_data(as_text=True)
    # No municipality chosen, a year out of range.
    response = post(
        admin,
        "/monitoring/plans/new",
        {
            "municipality_id": "0",
            "year": "1999",
            "approved_on": "2021-01-01",
        },
    )
    assert response.status_code == 400
    assert [p.approved_on for p in fresh(MunicipalPlan)] == [date(2021, 6, 1)]


def test_indicator_1_counts_plans_approved_by_the_end_of_the_period(people):
    kgd, sov = people["kgd"], people["sov"]
    db.session.add_all(
        [
            MunicipalPlan(municipality=kgd, year=2021, approved_on=date(2021, 12, 31)),
            MunicipalPlan(municipality=sov, year=2021, approved_on=date(2022, 1, 10)),
        ]
    )
    db.session.commit()
    by_number = {r.number: r for r in computed(2021)}
    assert by_number[1].value == 1
    parts = {p.key: p.value for p in by_number[1].by_municipality}
    assert parts[kgd.id] == 1 and parts[sov.id] == 0
    # By the middle of the year the December plan was not approved yet.
    half = Period(date(2021, 1, 1), date(2021, 6, 30))
    assert {r.number: r for r in queries.compute(db.session, half)}[1].value == 0
    # A municipality's own value, as a campaign freezes it.
    own = queries.compute(db.session, Period.year(2021), queries.Scope(municipality_id=kgd.id))
    assert {r.number: r for r in own}[1].value == 1
    other = queries.compute(db.session, Period.year(2021), queries.Scope(municipality_id=sov.id))
    assert {r.number: r for r in other}[1].value == 0


# --- indicators 5 and 7 ---


@time_machine.travel(DECEMBER, tick=False)
def test_admin_enters_indicators_5_and_7(web, people):
    admin = web(people["admin"])
    assert admin.get("/monitoring/values?year=2021").status_code == 200
    response = post(
        admin,
        "/monitoring/values?year=2021",
        {
            "value_5": "1500",
            "comment_5": "по данным мониторинга",
            "value_7": "1",
            "comment_7": "",
        },
    )
    assert response.status_code == 302
    results = {r.number: r for r in computed(2021)}
    assert (results[5].value, results[5].comment) == (1500, "по данным мониторинга")
    assert results[7].value == 1
    values = {v.indicator.number: v for v in fresh(IndicatorValue)}
    assert values[5].entered_by_id == people["admin"].id

    # Bad input changes nothing.
    for bad in (
        {"value_5": "-3", "value_7": "1"},
        {"value_5": "abc", "value_7": "1"},
        {"value_5": "5", "value_7": "2"},
    ):
        assert post(admin, "/monitoring/values?year=2021", bad).status_code == 400
    assert {r.number: r for r in computed(2021)}[5].value == 1500

    # "no" is 0; an empty value and comment remove the entry.
    post(admin, "/monitoring/values?year=2021", {"value_5": "", "comment_5": "", "value_7": "0"})
    results = {r.number: r for r in computed(2021)}
    assert results[5].value is None and results[7].value == 0
    assert [v.indicator.number for v in fresh(IndicatorValue)] == [7]
    # The audit trail has the changes.
    assert fresh(AuditEntry, object_type="indicator_value")


@pytest.mark.parametrize("role", ["coord_a", "school", "employer"])
@time_machine.travel(DECEMBER, tick=False)
def test_indicator_values_are_for_admins_only(web, people, role):
    client = web(people[role])
    assert client.get("/monitoring/values").status_code == 403
    assert post(client, "/monitoring/values?year=2021", {"value_5": "9"}).status_code == 403
    assert fresh(IndicatorValue) == []


# --- the campaign ---


def test_campaign_journey(web, people):
    """Open → coordinator sees computed values → submits (frozen with who and when) → data
    change shows as changed since submission, frozen stays → returned → submitted again."""
    kgd = people["kgd"]
    students = [StudentFactory(school=people["school_org"]) for _ in range(3)]
    held_excursion(people, students[:2])
    db.session.add(MunicipalPlan(municipality=kgd, year=2021, approved_on=date(2021, 2, 1)))
    db.session.commit()

    with time_machine.travel(DECEMBER, tick=False) as traveller:
        admin = web(people["admin"])
        response = post(admin, "/monitoring/campaigns", {"year": "2021", "deadline": "2021-12-20"})
        assert response.status_code == 302
        campaign = fresh(MonitoringCampaign)[0]
        assert (campaign.year, campaign.deadline, campaign.opened_by_id) == (
            2021,
            date(2021, 12, 20),
            people["admin"].id,
        )
        # plausible: a deadline at most three years ahead.
        response = post(admin, "/monitoring/campaigns", {"year": "2022", "deadline": "9999-12-20"})
        assert response.status_code == 400
        assert "The date must be from 01.01.2000 to" in response.get_data(as_text=True)
        # One campaign per year.
        response = post(admin, "/monitoring/campaigns", {"year": "2021", "deadline": "2021-12-25"})
        assert response.status_code == 400
        assert "already exists" in response.get_data(as_text=True)
        assert len(fresh(MonitoringCampaign)) == 1

        coordinator = web(people["coord_a"])
        report_url = f"/monitoring/campaigns/{campaign.id}/municipalities/{kgd.id}"
        page = coordinator.get(report_url).get_data(as_text=True)
        assert "Submit the report" in page
        live = services.live_values(campaign, kgd.id)
        assert live["2"] == {"value": 2, "named": 2, "headcount": 0}
        assert live["1"]["value"] == 1

        traveller.move_to(datetime(2021, 12, 1, 10, 30, tzinfo=UTC))  # sessions last 12 h
        response = post(coordinator, f"{report_url}/submit", {"comment": "Всё верно"})
        assert response.status_code == 302
        report = fresh(MunicipalReport)[0]
        assert report.status is ReportStatus.SUBMITTED
        assert report.frozen_values["2"] == {"value": 2, "named": 2, "headcount": 0}
        assert report.frozen_values["1"]["value"] == 1
        assert set(report.frozen_values) == {str(n) for n in range(1, 8)}
        assert report.submitted_by_id == people["coord_a"].id
        assert report.submitted_at == datetime(2021, 12, 1, 10, 30, tzinfo=UTC)
        assert report.comment == "Всё верно"
        page = coordinator.get(report_url).get_data(as_text=True)
        assert "Координатор А" in page and "01.12.2021 12:30" in page
        assert "changed since submission" not in page

        # The data change: another student of the municipality took part in a held activity.
        held_excursion(people, [students[2]], day=date(2021, 11, 20))
        assert services.live_values(fresh(MonitoringCampaign)[0], kgd.id)["2"]["value"] == 3
        page = coordinator.get(report_url).get_data(as_text=True)
        assert "changed since submission" in page
        table = admin.get(f"/monitoring/campaigns/{campaign.id}").get_data(as_text=True)
        assert "changed since submission" in table
        rows = {
            row.municipality.id: row for row in services.consolidated(fresh(MonitoringCampaign)[0])
        }
        # An excursion to an employer: indicator 2 (visited) and 4's base set (not ОВЗ: same).
        assert rows[kgd.id].changed == [2]
        # The frozen number stays.
        assert fresh(MunicipalReport)[0].frozen_values["2"]["value"] == 2

        # Submitted / missing in the consolidated table.
        assert rows[kgd.id].state is ReportState.SUBMITTED
        assert rows[people["sov"].id].state is ReportState.MISSING
        assert "Submitted: 1 of 22" in table

        # The admin returns the report; the coordinator submits again: frozen anew.
        traveller.move_to(datetime(2021, 12, 1, 11, 0, tzinfo=UTC))
        response = post(admin, f"{report_url}/reopen", {"reason": "  Учтите экскурсию <20.11>  "})
        assert response.status_code == 302
        report = fresh(MunicipalReport)[0]
        assert report.status is ReportStatus.REOPENED
        assert report.reopened_by_id == people["admin"].id
        assert report.return_reason == "Учтите экскурсию <20.11>"
        assert report.frozen_values["2"]["value"] == 2  # still the old numbers until resubmitted
        page = coordinator.get(report_url).get_data(as_text=True)
        assert "Returned for correction" in page and "Submit the report" in page
        assert "Reason for returning" in page and "Учтите экскурсию &lt;20.11&gt;" in page
        assert "Учтите экскурсию &lt;20.11&gt;" in admin.get(report_url).get_data(as_text=True)

        traveller.move_to(datetime(2021, 12, 1, 11, 30, tzinfo=UTC))
        assert post(coordinator, f"{report_url}/submit", {"comment": ""}).status_code == 302
        reports = fresh(MunicipalReport)
        assert len(reports) == 1
        assert reports[0].status is ReportStatus.SUBMITTED
        assert reports[0].frozen_values["2"]["value"] == 3
        assert reports[0].submitted_at == datetime(2021, 12, 1, 11, 30, tzinfo=UTC)
        page = coordinator.get(report_url).get_data(as_text=True)
        assert "Returned for correction by" not in page and "Reason for the last return" in page
        rows = {
            row.municipality.id: row for row in services.consolidated(fresh(MonitoringCampaign)[0])
        }
        assert rows[kgd.id].changed == []
        # Each step is in the audit trail.
        assert fresh(AuditEntry, object_type="municipal_report")


@time_machine.travel(DECEMBER, tick=False)
@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "Enter the reason for returning the report."),
        ("я" * 2001, "The reason is too long (at most 2000 characters)."),
    ],
)
def test_return_needs_a_reason_and_changes_nothing_without_one(web, people, reason, message):
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    services.submit_report(campaign, people["kgd"].id, people["coord_a"], None)
    db.session.commit()
    admin = web(people["admin"])
    url = f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}"
    assert "Reason" in admin.get(url).get_data(as_text=True)
    assert "Return for correction" not in web(people["coord_a"]).get(url).get_data(as_text=True)

    response = post(admin, f"{url}/reopen", {"reason": reason})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    report = fresh(MunicipalReport)[0]
    assert report.status is ReportStatus.SUBMITTED
    assert report.reopened_at is None and report.return_reason is None
    with pytest.raises(services.MonitoringError, match="reason"):
        services.reopen_report(report, people["admin"], reason)


@time_machine.travel(DECEMBER, tick=False)
def test_double_submit_makes_one_report(web, people):
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    db.session.commit()
    coordinator = web(people["coord_a"])
    url = f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}/submit"
    token = _token(coordinator)
    first = coordinator.post(url, data={"csrf_token": token, "comment": "раз"})
    second = coordinator.post(
        url, data={"csrf_token": token, "comment": "два"}, follow_redirects=True
    )
    assert first.status_code == 302
    assert second.status_code == 200
    assert "already been submitted" in second.get_data(as_text=True)
    reports = fresh(MunicipalReport)
    assert len(reports) == 1 and reports[0].comment == "раз"


@time_machine.travel(DECEMBER, tick=False)
def test_simultaneous_submissions_hit_the_unique_constraint_cleanly(app, people, monkeypatch):
    """Two requests both find no report; the second insert fails on the unique constraint and
    becomes a clear refusal, not a 500."""
    from partnercrm.errors import UserError

    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    db.session.commit()
    campaign_id, municipality_id = campaign.id, people["kgd"].id
    real_live_values = services.live_values

    def the_other_request_wins(campaign, mid):
        values = real_live_values(campaign, mid)
        with db.engine.connect() as other:
            other.execute(
                sa.insert(MunicipalReport).values(
                    campaign_id=campaign_id,
                    municipality_id=mid,
                    status="submitted",
                    frozen_values={},
                    submitted_at=datetime(2021, 12, 1, tzinfo=UTC),
                )
            )
            other.commit()
        return values

    monkeypatch.setattr(services, "live_values", the_other_request_wins)
    with pytest.raises(UserError, match="already been submitted"):
        services.submit_report(campaign, municipality_id, people["coord_a"], None)
    db.session.rollback()
    assert len(fresh(MunicipalReport)) == 1


@time_machine.travel(DECEMBER, tick=False)
def test_coordinator_cannot_see_or_submit_another_municipality(web, people):
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    db.session.commit()
    other = web(people["coord_b"])
    base = f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}"
    assert other.get(base).status_code == 403
    assert post(other, f"{base}/submit", {"comment": "чужой"}).status_code == 403
    assert fresh(MunicipalReport) == []
    # Unknown ids are no way around it either.
    assert (
        other.get(f"/monitoring/campaigns/{campaign.id}/municipalities/999999").status_code == 403
    )
    own = f"/monitoring/campaigns/999999/municipalities/{people['sov'].id}"
    assert other.get(own).status_code == 404
    # An admin does not submit for a municipality.
    assert post(web(people["admin"]), f"{base}/submit").status_code == 403
    assert fresh(MunicipalReport) == []


def test_deadline_overdue_and_late(web, people):
    with time_machine.travel(DECEMBER, tick=False) as traveller:
        # A deadline in the past is refused.
        with pytest.raises(services.MonitoringError):
            services.open_campaign(2021, date(2021, 11, 30), people["admin"])
        db.session.rollback()
        campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
        db.session.commit()
        assert services.consolidated(campaign)[0].state is ReportState.MISSING

        # The deadline day is still in time; the day after, missing reports are overdue.
        traveller.move_to(datetime(2021, 12, 20, 21, 0, tzinfo=UTC))  # 23:00 local
        rows = {r.municipality.id: r for r in services.consolidated(campaign)}
        assert rows[people["kgd"].id].state is ReportState.MISSING
        traveller.move_to(datetime(2021, 12, 20, 22, 30, tzinfo=UTC))  # 00:30 local, 21 Dec
        rows = {r.municipality.id: r for r in services.consolidated(campaign)}
        assert rows[people["kgd"].id].state is ReportState.OVERDUE
        admin = web(people["admin"])
        table = admin.get(f"/monitoring/campaigns/{campaign.id}").get_data(as_text=True)
        assert "overdue" in table and "deadline passed" in table

        services.submit_report(campaign, people["kgd"].id, people["coord_a"], None)
        db.session.commit()
        rows = {r.municipality.id: r for r in services.consolidated(campaign)}
        assert rows[people["kgd"].id].state is ReportState.SUBMITTED
        assert rows[people["kgd"].id].late
        assert rows[people["sov"].id].state is ReportState.OVERDUE

        # Extending the deadline: no longer overdue.
        response = post(
            admin, f"/monitoring/campaigns/{campaign.id}/deadline", {"deadline": "2021-12-27"}
        )
        assert response.status_code == 302
        campaign = fresh(MonitoringCampaign)[0]
        assert campaign.deadline == date(2021, 12, 27)
        rows = {r.municipality.id: r for r in services.consolidated(campaign)}
        assert rows[people["sov"].id].state is ReportState.MISSING


@time_machine.travel(DECEMBER, tick=False)
def test_closing_stops_submissions_and_returns(web, people):
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    services.submit_report(campaign, people["sov"].id, people["coord_b"], None)
    db.session.commit()
    admin = web(people["admin"])
    assert post(admin, f"/monitoring/campaigns/{campaign.id}/close").status_code == 302
    assert fresh(MonitoringCampaign)[0].status is CampaignStatus.CLOSED

    coordinator = web(people["coord_a"])
    base = f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}"
    page = coordinator.get(base).get_data(as_text=True)
    assert "Submit the report" not in page and "campaign is closed" in page
    response = post(coordinator, f"{base}/submit", {}, follow_redirects=True)
    assert response.status_code == 200
    assert "campaign is closed" in response.get_data(as_text=True)
    assert [r.municipality_id for r in fresh(MunicipalReport)] == [people["sov"].id]

    sov = f"/monitoring/campaigns/{campaign.id}/municipalities/{people['sov'].id}"
    response = post(admin, f"{sov}/reopen", {"reason": "Исправьте"}, follow_redirects=True)
    assert "campaign is closed" in response.get_data(as_text=True)
    assert fresh(MunicipalReport)[0].status is ReportStatus.SUBMITTED
    # Closed twice: a clear message, not an error.
    response = post(admin, f"/monitoring/campaigns/{campaign.id}/close", follow_redirects=True)
    assert "already closed" in response.get_data(as_text=True)


@time_machine.travel(DECEMBER, tick=False)
def test_export_parses_back_with_frozen_numbers_and_neutralised_cells(web, people):
    students = [StudentFactory(school=people["school_org"]) for _ in range(4)]
    held_excursion(people, students)
    db.session.add(
        MunicipalPlan(municipality=people["kgd"], year=2021, approved_on=date(2021, 2, 1))
    )
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    services.submit_report(
        campaign, people["kgd"].id, people["coord_a"], '=HYPERLINK("http://evil.example","click")'
    )
    db.session.commit()
    # A later change does not reach the export: it holds frozen values.
    held_excursion(people, [StudentFactory(school=people["school_org"])], day=date(2021, 10, 1))

    admin = web(people["admin"])
    response = admin.get(f"/monitoring/campaigns/{campaign.id}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = csv_rows(response.data)
    header = table[0]
    assert header[:3] == ["№", "Показатель", "Единица измерения"]
    municipalities = header[3:]
    assert len(municipalities) == 22
    k, s = municipalities.index("Калининград") + 3, municipalities.index("Советский") + 3
    by_number = {row[0]: row for row in table[1:] if row[0]}
    assert by_number["1"][k] == "1"
    assert by_number["2"][k] == "4"  # frozen: the fifth student came later
    assert by_number["2"][s] == ""  # Советский has not submitted
    labels = {row[1]: row for row in table[1:] if not row[0]}
    assert labels["Статус отчёта"][k] == "представлен"
    assert labels["Статус отчёта"][s] == "не представлен"
    assert labels["Отправил"][k] == "Координатор А"
    assert labels["Дата и время отправки"][k] == "01.12.2021 12:00"
    assert labels["Комментарий"][k].startswith("'=HYPERLINK")

    response = admin.get(f"/monitoring/campaigns/{campaign.id}/export.xlsx")
    assert response.status_code == 200
    book = workbook(response.data)
    assert book.sheetnames == ["Сводная", "Отчёты"]
    assert caption(book["Сводная"])[:2] == [
        "Мониторинг 2021: сводная таблица",
        "Период: 01.01.2021 – 31.12.2021",
    ]
    sheet = sheet_table(book["Сводная"])
    assert sheet[0][:3] == ["№", "Показатель", "Единица измерения"]
    rows = {row[0]: row for row in sheet[1:] if row[0] is not None}
    assert rows[2][k] == 4 and rows[1][k] == 1
    reports = {row[0]: row for row in sheet_table(book["Отчёты"])}
    assert reports["Калининград"][1] == "представлен"
    assert reports["Калининград"][2] == "Координатор А"
    assert reports["Калининград"][4].startswith("'=HYPERLINK")
    assert reports["Калининград"][5] == "2"  # changed since submission
    assert reports["Советский"][1] == "не представлен"

    exports = fresh(AuditEntry, action=AuditAction.EXPORT)
    assert [(e.object_type, e.details["format"], e.user_id) for e in exports] == [
        ("monitoring_campaign", "csv", people["admin"].id),
        ("monitoring_campaign", "xlsx", people["admin"].id),
    ]
    assert admin.get(f"/monitoring/campaigns/{campaign.id}/export.pdf").status_code == 404


@time_machine.travel(DECEMBER, tick=False)
def test_consolidated_live_values_match_each_municipality(people):
    """The admin table computes every municipality at once; it must agree with the
    municipality's own computation that a submission freezes."""
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    students = [StudentFactory(school=people["school_org"]) for _ in range(2)]
    held_excursion(people, students)
    sov_school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=people["sov"])
    activity = ActivityFactory(host=people["employer_org"], organizer=sov_school)
    activity_services.set_headcount(activity, sov_school, grade=9, count=12, ovz_count=1)
    db.session.commit()
    everyone = services.live_values_by_municipality(campaign)
    assert len(everyone) == 22
    for municipality in (people["kgd"], people["sov"]):
        assert everyone[municipality.id] == services.live_values(campaign, municipality.id)
    assert everyone[people["sov"].id]["2"] == {"value": 12, "named": 0, "headcount": 12}


@time_machine.travel(DECEMBER, tick=False)
def test_pages_render_for_admin_and_coordinator(web, people):
    campaign = services.open_campaign(2021, date(2021, 12, 20), people["admin"])
    services.submit_report(campaign, people["kgd"].id, people["coord_a"], "<script>x</script>")
    db.session.commit()
    admin = web(people["admin"])
    index = admin.get("/monitoring/").get_data(as_text=True)
    assert "Monitoring 2021" in index and "1 / 22" in index
    page = admin.get(
        f"/monitoring/campaigns/{campaign.id}/municipalities/{people['kgd'].id}"
    ).get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "Return for correction" in page
    coordinator = web(people["coord_a"]).get("/monitoring/").get_data(as_text=True)
    assert "Monitoring 2021" in coordinator and "submitted" in coordinator
