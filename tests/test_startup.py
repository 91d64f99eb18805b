"""A fast start (issue 18): no command and no worker start imports what only some of them need —
alembic (the ``db`` commands), Flask-Admin (the first request for /admin), openpyxl, pypdf,
icalendar, zxcvbn, email_validator (the code that uses them) — nor hashes the dummy password of
the login's timing protection. /admin, built on its first request, is the admin the other tests
check (tests/test_admin.py, tests/test_security_matrix.py build it at once). Timing is measured by
bench/startup.py, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from argon2 import PasswordHasher

from partnercrm.accounts import passwords
from partnercrm.accounts.rules import Role
from partnercrm.admin import AdminOnDemand
from partnercrm.extensions import db
from tests.conftest import log_in, request_scoped_client
from tests.factories import OrganizationFactory, UserFactory

HEAVY = ("alembic", "flask_admin", "openpyxl", "pypdf", "icalendar", "zxcvbn", "email_validator")
# What only the app needs: the reports' commands (console.REPORT_COMMANDS) run without it and
# import none of it — Flask and its extensions, WTForms, argon2, the views, every model.
OF_THE_APP = (
    "flask",
    "werkzeug",
    "jinja2",
    "flask_sqlalchemy",
    "flask_login",
    "flask_babel",
    "babel",
    "flask_wtf",
    "wtforms",
    "flask_limiter",
    "limits",
    "flask_mailman",
    "flask_bootstrap",
    "argon2",
    "partnercrm.web.extensions",
    "partnercrm.web.views",
    "partnercrm.models",
    "partnercrm.feeds.sequence",
    "partnercrm.indicators.programme_cli",
)

# Runs ``partnercrm ARGS`` as the console script does, then reports what the process imported,
# whether the dummy password was hashed, whether what the start made was frozen out of the
# garbage collections and whether they resumed for the command (console.started).
COMMAND = f"""
import atexit, gc, json, os, sys

@atexit.register
def report():
    passwords = sys.modules.get("partnercrm.accounts.passwords")
    print(json.dumps({{
        "imported": [name for name in {HEAVY!r} if name in sys.modules],
        "of the app": [name for name in {OF_THE_APP!r} if name in sys.modules],
        "dummy_hashed": passwords is not None and passwords._dummy_hash.cache_info().currsize > 0,
        "frozen": gc.get_freeze_count() > 0,
        "collecting": gc.isenabled(),
    }}))

# A report's command ends with os._exit, which skips atexit: report first.
exit_at_once = os._exit
os._exit = lambda code: (report(), exit_at_once(code))

sys.argv = ["partnercrm", *sys.argv[1:]]
from partnercrm.console import main
main()
"""

# The tables, sooner than by the migrations.
SCHEMA = """
from partnercrm.app import create_app
from partnercrm.extensions import db
with create_app().app_context():
    db.create_all()
print("{}")
"""

# A worker: the app of wsgi.py, then a page, then /admin.
WORKER = f"""
import gc, json, sys
from wsgi import app
assert gc.get_freeze_count() > 0 and gc.isenabled()

def imported():
    return [name for name in {HEAVY!r} if name in sys.modules]

client = app.test_client()
answers = {{"start": imported()}}
client.get("/login")
answers["login page"] = imported()
client.get("/admin/")
answers["admin"] = imported()
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_like(tmp_path_factory):
    """The environment of a command run by hand: development settings (the admin and the
    migrations as in production), a SQLite database of its own."""
    instance = tmp_path_factory.mktemp("instance")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(PARTNERCRM_ENV="development", PARTNERCRM_INSTANCE_PATH=str(instance))
    return env


def run(env, code: str, *args: str, status: int = 0) -> tuple[str, dict]:
    """The standard output of ``code`` before its last line, and that line's report; standard
    error instead when the exit status is not 0."""
    done = subprocess.run(  # noqa: S603 — this interpreter, the code of this module
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert done.returncode == status, done.stderr
    *output, report = done.stdout.strip().splitlines()
    return "\n".join(output) if status == 0 else done.stderr, json.loads(report)


def test_commands_import_neither_alembic_nor_the_admin(production_like):
    _, report = run(production_like, COMMAND, "db", "heads")
    # The report sees imports: the `db` commands bring alembic in.
    assert "alembic" in report["imported"]
    run(production_like, SCHEMA)
    run(production_like, COMMAND, "seed")

    # The reports' commands run without the app, and import none of it.
    lean = {
        "imported": [],
        "of the app": [],
        "dummy_hashed": False,
        "frozen": True,
        "collecting": True,
    }
    output, report = run(production_like, COMMAND, "indicators", "--year", "2021")
    assert json.loads(output)["period"]["from"] == "2021-01-01"
    assert report == lean
    # --verify recounts every counter from the rows in that app too.
    verified, report = run(production_like, COMMAND, "indicators", "--year", "2021", "--verify")
    assert verified == output and report == lean
    hours, report = run(production_like, COMMAND, "hours", "--school-year", "2021/22")
    assert "2021/22" in hours
    assert report == lean
    refused, report = run(
        production_like, COMMAND, "indicators", "--year", "2021", "--to", "2021-06-30", status=2
    )
    assert refused.startswith("Usage: partnercrm indicators [OPTIONS]\n")
    assert "Error: give either --year, or both --from and --to" in refused
    assert report == lean

    # An option before the command's name takes the app's group: the same figures, the same
    # refusal.
    whole, report = run(production_like, COMMAND, "--no-debug", "indicators", "--year", "2021")
    assert whole == output
    assert report == {
        "imported": [],
        "of the app": list(OF_THE_APP),
        "dummy_hashed": False,
        "frozen": True,
        "collecting": True,
    }
    assert (
        run(
            production_like,
            COMMAND,
            "--no-debug",
            "indicators",
            "--year",
            "2021",
            "--to",
            "2021-06-30",
            status=2,
        )[0]
        == refused
    )

    output, report = run(production_like, COMMAND, "--help")
    assert "db " in output and "indicators" in output
    assert report == {
        "imported": [],
        "of the app": list(OF_THE_APP),
        "dummy_hashed": False,
        "frozen": True,
        "collecting": True,
    }
    output, _ = run(production_like, COMMAND, "routes")
    assert "/reports/" in output


def test_a_worker_imports_flask_admin_on_the_first_request_for_admin(production_like):
    _, answers = run(production_like, WORKER)
    assert answers["start"] == answers["login page"] == []
    assert answers["admin"] == ["flask_admin"]


# /admin on demand, in the test process


@pytest.fixture
def lazy_app(make_app):
    """An app that builds its admin as production does: on the first request for /admin."""
    lazy = make_app({"LAZY_ADMIN": True, "SERVER_NAME": "partnercrm.test"})
    yield lazy
    admin_app = lazy.extensions["admin_on_demand"].admin_app
    if admin_app is not None:
        with admin_app.app_context():
            db.session.remove()
            db.engine.dispose()


def rules(app) -> set[tuple[str, str, frozenset]]:
    return {
        (rule.rule, rule.endpoint, frozenset(rule.methods or ()))
        for rule in app.url_map.iter_rules()
        if not rule.build_only
    }


def test_the_admin_app_serves_exactly_the_tested_routes(app, lazy_app):
    """The app the tests use (admin built in) has the very rules of the admin app that serves
    /admin in production, and the lazy app those rules less the admin's: so the security matrix
    over ``app.url_map`` checks every route production serves."""
    dispatcher = lazy_app.extensions["admin_on_demand"]
    assert dispatcher.admin_app is None and "admin" not in lazy_app.extensions

    admin_rules = {rule for rule in rules(app) if rule[0].startswith("/admin")}
    assert len(admin_rules) > 50
    assert rules(lazy_app) == rules(app) - admin_rules
    assert rules(dispatcher.serving_admin()) == rules(app)
    built, tested = dispatcher.admin_app.extensions["admin"][0], app.extensions["admin"][0]
    assert [view.endpoint for view in built._views] == [view.endpoint for view in tested._views]


def test_admin_is_built_on_its_first_request_with_its_checks(lazy_app):
    dispatcher = lazy_app.extensions["admin_on_demand"]
    client = request_scoped_client(lazy_app)
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    school = UserFactory(role=Role.SCHOOL, organization=OrganizationFactory())
    db.session.commit()

    assert client.get("/login").status_code == 200
    assert dispatcher.admin_app is None

    # Anonymous: to the login page; another role: 403 (the views' own checks).
    answer = client.get("/admin/users/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert dispatcher.admin_app is not None
    log_in(client, school.email)
    assert client.get("/admin/users/").status_code == 403

    # The admin, logged in by the app, is the admin's user in the admin app (one session), and
    # the app's pages link to it.
    other = request_scoped_client(lazy_app)
    log_in(other, admin.email)
    assert 'href="/admin/"' in other.get("/dashboard").get_data(as_text=True)
    for path in ("/admin/", "/admin/users/", "/admin/organizations/", "/admin/school-holidays/"):
        assert other.get(path).status_code == 200, path
    # CSRF as before: a post without the token is refused and changes nothing.
    answer = other.post(f"/admin/users/edit/?id={school.id}", data={"email": "x@example.org"})
    assert answer.status_code == 400
    assert db.session.get(type(school), school.id).email == school.email


def test_two_first_requests_build_one_admin():
    """The development server's threads may ask for /admin together: one build."""
    started, release = threading.Event(), threading.Event()
    built = []

    def build():
        started.set()
        release.wait(5)
        built.append(object())
        return built[-1]

    dispatcher = AdminOnDemand(lambda environ, start_response: [], build)  # type: ignore[arg-type]
    answers: list = []
    threads = [
        threading.Thread(target=lambda: answers.append(dispatcher.serving_admin()))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(built) == 1 and answers == [built[0], built[0]]


# The login's timing protection, with the dummy hash made on first use


def test_an_unknown_email_costs_a_real_password_check(client, monkeypatch):
    checked: list[str] = []

    class Recording(PasswordHasher):
        def verify(self, hash, password):
            checked.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_hasher", Recording())
    user = UserFactory(email="known@example.org")
    db.session.commit()
    passwords._dummy_hash.cache_clear()

    log_in(client, user.email, "a wrong password")
    # The first check of the process hashes the dummy even for a known e-mail, so that it
    # too takes as long as the first check of an unknown one.
    assert passwords._dummy_hash.cache_info().currsize == 1
    log_in(client, "nobody@example.org", "a wrong password")

    assert checked == [user.password_hash, passwords._dummy_hash()]
    # The dummy costs what a real hash costs: argon2id with the parameters of new hashes.
    assert checked[1].startswith("$argon2id$")
    assert not passwords._hasher.check_needs_rehash(checked[1])
