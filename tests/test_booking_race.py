"""The race: 50 simultaneous booking attempts on a slot of 10 seats book exactly 10 seats;
every other attempt is told "no seats left", none ends in an error.

Twice on each database — file SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is set:
50 threads, each with its own app context and database session, calling the service; and 50
HTTP requests at once against a real server (gunicorn, 4 worker processes of 4 threads), each
with its own CSRF token and one-time form key, as browsers would send them.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.app import create_app
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.offers import bookings, services
from partnercrm.offers.models import Booking, OfferSlot
from partnercrm.offers.rules import ACTIVE_BOOKING_STATUSES
from tests.conftest import drop_test_schema
from tests.factories import PASSWORD, MunicipalityFactory, OrganizationFactory, UserFactory
from tests.offer_factories import OfferFactory, SlotFactory

ROOT = Path(__file__).resolve().parents[1]
ATTEMPTS, SEATS, SCHOOLS = 50, 10, 5
NO_SEATS_LEFT = "No seats left"


def _postgres_url(base: str, schema: str) -> str:
    """A schema of this test's own (as tests/conftest.py makes one per run): the server's
    processes see the same tables, and nothing else is touched."""
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        sa.make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def race_url(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "race.sqlite3")
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = _postgres_url(base, f"race_{os.getpid()}")
    yield url
    drop_test_schema(url)


@pytest.fixture
def race_app(race_url):
    """An app on the race database, with one published offer: a slot of 10 seats a week
    ahead, and five schools with a staff user each."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": race_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "locmem",
        }
    )
    with app.app_context():
        db.create_all()
        municipality = MunicipalityFactory()
        employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=municipality)
        slot = SlotFactory(
            offer=OfferFactory(organization=employer),
            capacity=SEATS,
            starts_at=utcnow() + timedelta(days=7),
        )
        for number in range(SCHOOLS):
            UserFactory(
                role=Role.SCHOOL,
                email=f"school{number}@race.example",
                organization=OrganizationFactory(
                    kind=OrganizationKind.SCHOOL, municipality=municipality
                ),
            )
        db.session.commit()
        app.config["RACE_SLOT_ID"] = slot.id
    yield app
    with app.app_context():
        db.engine.dispose()  # the file or the schema goes with race_url


def assert_exactly_the_capacity_booked(app) -> None:
    with app.app_context():
        slot = db.session.get(OfferSlot, app.config["RACE_SLOT_ID"])
        active = db.session.scalar(
            sa.select(sa.func.sum(Booking.seats)).where(
                Booking.slot_id == slot.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)
            )
        )
        bookings = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        assert (slot.booked_seats, active, bookings) == (SEATS, SEATS, SEATS)
        db.session.remove()


# --- (a) threads, each with its own session, through the service ---


def test_threads_with_their_own_sessions_book_exactly_the_capacity(race_app):
    with race_app.app_context():
        school_ids = list(
            db.session.scalars(
                sa.select(Organization.id)
                .where(Organization.kind == OrganizationKind.SCHOOL)
                .order_by(Organization.id)
            )
        )
        db.session.remove()
    slot_id = race_app.config["RACE_SLOT_ID"]
    start = threading.Barrier(ATTEMPTS)

    def attempt(number: int) -> str:
        start.wait()  # all at once, before any of them touches the database
        with race_app.app_context():  # its own scoped session
            try:
                slot = db.session.get(OfferSlot, slot_id)
                school = db.session.get(Organization, school_ids[number % SCHOOLS])
                bookings.book(
                    slot,
                    school,
                    bookings.BookingData(seats=1, grade=9),
                    f"race-thread-{number:03d}-key",
                    None,
                    utcnow(),
                )
                db.session.commit()
                return "booked"
            except services.OfferError as error:
                db.session.rollback()
                return error.message
            finally:
                db.session.remove()

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))
    assert results.count("booked") == SEATS
    assert results.count(services.NO_SEATS_LEFT) == ATTEMPTS - SEATS
    assert_exactly_the_capacity_booked(race_app)


# --- (b) processes: a real server answering browsers ---


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, cookie: str | None, form: dict | None = None):
    """One HTTP request (redirects not followed): (status, body, session cookie or None)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        text = response.read().decode()
        new_cookie = next(
            (
                value.split(";", 1)[0]
                for name, value in response.getheaders()
                if name.lower() == "set-cookie" and value.startswith("session=")
            ),
            None,
        )
        return response.status, text, new_cookie
    finally:
        connection.close()


class Browser:
    """One logged-in user's browser: keeps its session cookie between sequential requests."""

    def __init__(self, port: int):
        self.port, self.cookie = port, None

    def go(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        status, text, cookie = _request(self.port, method, path, self.cookie, form)
        self.cookie = cookie or self.cookie
        return status, text

    def hidden(self, path: str) -> dict:
        """The hidden inputs of the form at ``path``: CSRF token, one-time form key."""
        status, page = self.go("GET", path)
        assert status == 200, (path, status)
        fields = {}
        for tag in re.findall(r"<input[^>]*>", page):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name and value and 'type="hidden"' in tag:
                fields[name.group(1)] = value.group(1)
        return fields


@pytest.fixture
def server(race_app, race_url, tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAIL_") and key not in ("SECRET_KEY",)
    }
    env.update(
        DATABASE_URL=race_url,
        PARTNERCRM_ENV="testing",
        PARTNERCRM_INSTANCE_PATH=str(tmp_path / "instance"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    process = subprocess.Popen(  # noqa: S603 — a fixed command line
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers=4",
            "--threads=4",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            # Import the app once, then fork: the workers start in a fraction of the time.
            # create_app() opens no database connection, so none is shared across the fork.
            "--preload",
            "partnercrm.app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/health", None)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "the server did not start"
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)
        yield port
    finally:
        # The server and its workers only (their own process group): nothing is left to
        # finish, and a graceful shutdown of threaded workers takes seconds.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _prepare(port: int, form_path: str, number: int) -> list[tuple[str, dict]]:
    """Log school user ``number`` in (English interface) and open the booking form once per
    attempt: (session cookie, form data), each with its own CSRF token and form key."""
    browser = Browser(port)
    token = browser.hidden("/login")["csrf_token"]
    status, _page = browser.go(
        "POST",
        "/login",
        {"email": f"school{number}@race.example", "password": PASSWORD, "csrf_token": token},
    )
    assert status == 302, "login failed"
    token = browser.hidden(form_path)["csrf_token"]
    browser.go("POST", "/language", {"lang": "en", "csrf_token": token})
    return [
        (browser.cookie, {**browser.hidden(form_path), "seats": "1", "grade": "9"})
        for _attempt in range(ATTEMPTS // SCHOOLS)
    ]


def test_simultaneous_requests_to_a_real_server_book_exactly_the_capacity(race_app, server):
    form_path = f"/offers/slots/{race_app.config['RACE_SLOT_ID']}/book"
    with ThreadPoolExecutor(SCHOOLS) as pool:
        attempts = [
            attempt
            for prepared in pool.map(lambda n: _prepare(server, form_path, n), range(SCHOOLS))
            for attempt in prepared
        ]
    assert len({form["request_key"] for _cookie, form in attempts}) == ATTEMPTS
    start = threading.Barrier(ATTEMPTS)

    def post(attempt) -> tuple[int, str]:
        cookie, form = attempt
        start.wait()
        status, text, _cookie = _request(server, "POST", form_path, cookie, form)
        return status, text

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(post, attempts))
    statuses = sorted(status for status, _text in answers)
    assert 500 not in statuses
    booked = [text for status, text in answers if status == 302]
    refused = [text for status, text in answers if status == 200 and NO_SEATS_LEFT in text]
    assert (len(booked), len(refused)) == (SEATS, ATTEMPTS - SEATS), statuses
    assert_exactly_the_capacity_booked(race_app)
