"""Test setup: one schema per run, emptied after every test.

SQLite by default (a temporary file); PostgreSQL when ``TEST_DATABASE_URL`` is set, as
``.ci/run`` does. Tests commit for real, so code that commits is tested as it runs.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

os.environ["PARTNERCRM_ENV"] = "testing"

from partnercrm.app import create_app  # noqa: E402
from partnercrm.extensions import db  # noqa: E402
from partnercrm.web.extensions import limiter  # noqa: E402
from tests import factories  # noqa: E402


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    # A schema of this run's own, so concurrent runs on one PostgreSQL database don't collide.
    schema = f"pytest_{os.getpid()}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def drop_test_schema(url: str) -> None:
    parsed = sa.make_url(url)
    options = parsed.query.get("options", "")
    if parsed.get_backend_name() != "postgresql" or "search_path=" not in options:
        return
    schema = options.split("search_path=", 1)[1]
    engine = sa.create_engine(parsed.difference_update_query(["options"]))
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
            "SERVER_NAME": "partnercrm.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Flask-Mailman keeps sent messages in app.extensions["mailman"].outbox.
            "MAIL_BACKEND": "locmem",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    drop_test_schema(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        yield
        empty_database()
    limiter.reset()


def empty_database() -> None:
    """Delete every row (in an app context). Modules whose data lives across their tests
    override ``_clean_database`` and call this once at the end."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        # DELETE is far faster than TRUNCATE on small tables; ids restart as on SQLite.
        for table in tables:
            connection.execute(table.delete())
        if connection.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.autoincrement is not False:
                    connection.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                            " 1, false)"
                        )
                    )


@pytest.fixture
def outbox(app):
    """The messages sent during the test (the ``locmem`` mail backend)."""
    app.extensions["mailman"].outbox = []
    return app.extensions["mailman"].outbox


@pytest.fixture
def make_app(app):
    """Build more apps on the test database (production settings, test-only routes).

    Environment variables (``monkeypatch.setenv``) apply; ``config`` wins over them.
    """
    built = []

    def _make(config: dict | None = None):
        new = create_app(
            {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **(config or {})}
        )
        built.append(new)
        return new

    yield _make
    for new in built:
        with new.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    """A browser: each request in its own app context and session (:class:`RequestScopedClient`)."""
    return request_scoped_client(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The roadmap and the 22 municipalities, as ``partnercrm seed`` leaves them."""
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.roadmap.services import seed_roadmap

    seed_roadmap()
    seed_municipalities()
    db.session.commit()


@pytest.fixture
def login(client):
    """Log ``user`` in through the login form; returns the response."""

    def _login(user, password=factories.PASSWORD):
        return client.post(
            "/login",
            data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
        )

    return _login


def csrf_token(client, path: str = "/login") -> str:
    """A valid CSRF token for ``client``'s session, taken from a rendered form."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(
    client,
    email: str,
    password: str = factories.PASSWORD,
    *,
    next: str | None = None,
    remember: bool = False,
    ip: str = "127.0.0.1",
):
    """POST the login form from ``ip`` (a fresh token each time); returns the response."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post(
        "/login",
        query_string={"next": next} if next else None,
        data=data,
        environ_base={"REMOTE_ADDR": ip},
    )


class RequestScopedClient(FlaskClient):
    """A test client whose every request has its own app context, as in production.

    The autouse fixture keeps one app context (and database session) open for the whole test.
    Each request gets a context and a session of its own, so a view that forgets to commit loses
    its change, and the user of one client's request never leaks into another's ``g``. Before a
    request the test's session commits what the test set up (a request sees committed data
    only); after it, the test's session forgets what it had loaded, so the test reads what the
    request committed.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context()
        if outer:
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer:
            db.session.expire_all()
        return response


def request_scoped_client(app) -> RequestScopedClient:
    return RequestScopedClient(app, app.response_class, use_cookies=True)
