"""Huge numbers in URLs, query strings and forms (issue #14, item 5): pages are clamped, ids are
range-checked before they reach the database, and a number that still gets there is a 400 with
one line in the log, not a 500 with a traceback. Every route and role: the security matrix
(tests/test_security_matrix.py, "huge numbers")."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.web.integers import MAX_ID, optional_record_id, record_id
from partnercrm.web.pagination import MAX_PAGE, requested_page
from tests.conftest import csrf_token, log_in, request_scoped_client
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (str(MAX_ID), MAX_ID), ("0", None), ("-1", None), (str(MAX_ID + 1), None)]
    + [(HUGE, None), ("abc", None), ("", None)],
)
def test_a_record_id_is_a_number_an_id_column_holds(value, expected):
    if expected is None:
        with pytest.raises(ValueError):
            record_id(value)
    else:
        assert record_id(value) == expected
    assert optional_record_id("0") == 0


@pytest.mark.parametrize(
    ("query", "page"),
    [("", 1), ("page=3", 3), ("page=0", 1), ("page=-7", 1), ("page=x", 1)]
    + [(f"page={HUGE}", MAX_PAGE), ("page=9223372036854775807", MAX_PAGE)],
)
def test_the_page_number_is_clamped(app, query, page):
    with app.test_request_context(f"/agreements/?{query}"):
        assert requested_page() == page


def test_the_probes_reproductions_answer_4xx_without_a_login(client):
    response = client.get("/api/v1/jobs?page=9223372036854775807")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert (document["page"], document["jobs"]) == (MAX_PAGE, [])
    for url in (f"/jobs/board?page={HUGE}", f"/offers/public?page={HUGE}"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/calendar/public.ics?municipality={HUGE}").status_code == 404
    assert client.get(f"/jobs/board/{HUGE}").status_code == 404
    assert client.get(f"/offers/{2**31}").status_code == 404


def test_list_filters_ignore_an_id_no_column_holds(client):
    user = UserFactory(role=Role.ADMIN)
    db.session.commit()
    log_in(client, user.email)
    for url in (
        f"/agreements/?organization={HUGE}&municipality={2**31}",
        f"/activities/?municipality={HUGE}&plan_item={2**63}",
        f"/organizations?municipality={HUGE}",
        f"/offers/?municipality={HUGE}",
        f"/jobs/?municipality={HUGE}",
        f"/approvals?municipality={HUGE}",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/agreements/{2**31}").status_code == 404
    assert client.get(f"/reports/?municipality={HUGE}").status_code == 400
    assert client.get(f"/jobs/report?municipality={HUGE}").status_code == 400
    assert client.get(f"/admin/users/edit/?id={HUGE}").status_code == 302  # back to the list


def test_a_huge_organization_id_on_the_user_form_is_refused(client):
    admin = UserFactory(role=Role.ADMIN)
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    MunicipalityFactory()
    db.session.commit()
    log_in(client, admin.email)
    data = {
        "email": "new@example.org",
        "full_name": "Новый Пользователь",
        "role": Role.SCHOOL.value,
        "organization": HUGE,
        "municipality": "0",
        "access": "invite",
        "csrf_token": csrf_token(client, "/users/new"),
    }
    response = client.post("/users/new", data=data)
    assert response.status_code == 200  # the form again, with the field refused
    assert db.session.scalar(sa.select(User).where(User.email == "new@example.org")) is None
    response = client.post("/users/new", data={**data, "organization": str(school.id)})
    assert response.status_code == 302


# --- the net: a number that reaches the database anyway ---


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str, message: str):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.fixture
def failing_app(make_app):
    app = make_app({"PROPAGATE_EXCEPTIONS": False, "SERVER_NAME": "partnercrm.test"})

    @app.route("/test-only/overflow")
    def overflow():
        # Past 2^63: SQLite cannot bind it (OverflowError), PostgreSQL cannot compare it with
        # an integer column (DataError, numeric_value_out_of_range).
        db.session.execute(sa.select(User.id).where(User.id == 2**63)).all()
        return "unreachable"

    @app.route("/test-only/out-of-range")
    def out_of_range():
        raise sa.exc.DataError("SELECT", {}, FakeDriverError("22003", "integer out of range"))

    @app.route("/test-only/division")
    def division():
        raise sa.exc.DataError("SELECT", {}, FakeDriverError("22012", "division by zero"))

    @app.route("/api/test-only/overflow")
    def api_overflow():
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    return app


def test_a_number_out_of_range_is_a_400_without_a_traceback(failing_app, caplog):
    client = request_scoped_client(failing_app)
    for url in ("/test-only/overflow", "/test-only/out-of-range", "/api/test-only/overflow"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            response = client.get(url + "?q=secret")
        assert response.status_code == 400, url
        body = response.get_data(as_text=True)
        text = json.loads(body)["error"] if url.startswith("/api/") else body
        assert "Число в запросе слишком велико" in text
        assert not [record for record in caplog.records if record.exc_info], url
        (line,) = [record.getMessage() for record in caplog.records]
        assert "a number out of range" in line and "secret" not in line


def test_another_data_error_is_still_a_server_error(failing_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = request_scoped_client(failing_app).get("/test-only/division")
    assert response.status_code == 500
    assert any(record.exc_info for record in caplog.records)
