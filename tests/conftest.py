"""Test setup: one schema per run, emptied after every test.

SQLite by default (a temporary file); PostgreSQL when ``TEST_DATABASE_URL`` is set, as
``.ci/run`` does. Tests commit for real, so code that commits is tested as it runs.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

os.environ["PARTNERCRM_ENV"] = "testing"

from partnercrm import create_app  # noqa: E402
from partnercrm.extensions import db, limiter  # noqa: E402
from tests import factories  # noqa: E402


def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(
        tmp_path_factory.mktemp("db") / "test.sqlite3"
    )


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
            "SERVER_NAME": "partnercrm.test",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        yield
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


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
