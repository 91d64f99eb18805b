"""Running it for real: gunicorn's settings, and logs without feed signatures, query strings
or e-mail addresses."""

from __future__ import annotations

import importlib
import io
import logging
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from gunicorn.config import Config

from partnercrm import PROJECT_ROOT
from partnercrm.extensions import db
from partnercrm.operations.logs import RedactingFilter, install, redact, redact_path

FEED = "/calendar/42/Zm9vYmFyYmF6cXV4LXNlY3JldA.ics"


def test_feed_signatures_query_strings_and_e_mail_local_parts_are_redacted():
    assert redact_path(FEED + "?kind=excursion") == "/calendar/42/***.ics"
    assert redact_path("/students/?q=Иванов&page=2") == "/students/"
    assert redact_path("/calendar/public.ics") == "/calendar/public.ics"
    line = f'"GET {FEED}?kind=open_day HTTP/1.1" 200 - "POST /students?q=Петров HTTP/1.1"'
    assert redact(line) == '"GET /calendar/42/***.ics HTTP/1.1" 200 - "POST /students HTTP/1.1"'
    assert redact("mail to ivan.petrov+crm@school-1.edu39.ru not sent") == (
        "mail to ***@school-1.edu39.ru not sent"
    )


def conf(monkeypatch, **environment):
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "TRUSTED_PROXIES", "TRUSTED_PROXY_IPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARTNERCRM_ENV", "production")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(importlib.import_module("partnercrm.gunicorn_conf"))


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    module = conf(monkeypatch)
    assert module.bind == "127.0.0.1:8000"
    assert module.workers == min(2 * (os.cpu_count() or 1) + 1, 8)
    # gunicorn believes X-Forwarded-Proto from the app's trusted proxies only: none by default.
    assert module.forwarded_allow_ips == ""
    assert [module.default_workers(n) for n in (None, 1, 2, 16)] == [3, 3, 5, 8]

    module = conf(monkeypatch, GUNICORN_BIND="0.0.0.0:9000", WEB_CONCURRENCY="5")
    assert (module.bind, module.workers) == ("0.0.0.0:9000", 5)
    module = conf(monkeypatch, TRUSTED_PROXY_IPS="10.0.0.5,::1")
    assert module.forwarded_allow_ips == "10.0.0.5/32,::1/128"


def test_the_access_log_has_no_query_string_or_feed_signature(monkeypatch):
    module = conf(monkeypatch)
    config = Config()
    for name in ("access_log_format", "accesslog", "logger_class"):
        config.set(name, getattr(module, name))
    logger = module.RedactingLogger(config)
    out = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(out)]
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": FEED + "?kind=excursion",
        "PATH_INFO": FEED,
        "QUERY_STRING": "kind=excursion",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://crm.example.ru/students/?q=Иванов",
        "HTTP_USER_AGENT": "Thunderbird/128.0",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("Referer", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    line = out.getvalue()
    assert '"GET /calendar/42/***.ics HTTP/1.1" 200 512' in line
    assert '"https://crm.example.ru/students/"' in line
    assert "Thunderbird/128.0" in line
    for secret in ("Zm9vYmFy", "kind=", "Иванов"):
        assert secret not in line


def test_the_app_log_is_filtered(make_app):
    """An unexpected error's log line and traceback lose the feed signature and e-mail."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logging.getLogger().addHandler(handler)
    try:
        app = make_app({"TESTING": False})
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)

        def failing(rest):
            raise RuntimeError(f"ivan@school.example.ru asked for {FEED}")

        app.add_url_rule("/fails/<path:rest>", "fails", failing)
        with app.app_context():
            assert app.test_client().get("/fails/x?q=Иванов").status_code == 500
    finally:
        logging.getLogger().removeHandler(handler)
    text = out.getvalue()
    assert "Exception on /fails/x [GET]" in text
    assert "***@school.example.ru asked for /calendar/42/***.ics" in text
    assert "ivan@" not in text and "Zm9vYmFy" not in text


def test_installing_the_filter_twice_filters_once():
    logger = logging.getLogger("partnercrm.tests.twice")
    logger.addHandler(logging.NullHandler())
    install(logger)
    install(logger)
    assert len(logger.handlers[0].filters) == 1


def test_production_hides_sql_parameters_and_retention_defaults_to_a_year(make_app, monkeypatch):
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    app = make_app()
    assert app.config["RETENTION_DAYS"] == 365
    monkeypatch.setenv("PARTNERCRM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "kV3q9-Zt7xWm2LpR8sYb4NcFh6JdGa1Uo0EiTl5XwQ")
    monkeypatch.setenv("RETENTION_DAYS", "730")
    app = make_app()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    assert app.config["RETENTION_DAYS"] == 730


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")
def test_gunicorn_refuses_workers_that_would_count_logins_apart(tmp_path):
    environment = {
        **os.environ,
        "PARTNERCRM_ENV": "production",
        "SECRET_KEY": "kV3q9-Zt7xWm2LpR8sYb4NcFh6JdGa1Uo0EiTl5XwQ",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
        "PARTNERCRM_INSTANCE_PATH": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    finished = subprocess.run(  # noqa: S603
        [gunicorn, "-c", "python:partnercrm.gunicorn_conf", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in finished.stderr and "redis://" in finished.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")
def test_gunicorn_serves_the_app_with_this_config(tmp_path, make_app):
    database = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    with make_app({"SQLALCHEMY_DATABASE_URI": database}).app_context():
        db.create_all()
    port = free_port()
    environment = {
        **os.environ,
        "PARTNERCRM_ENV": "production",
        "SECRET_KEY": "kV3q9-Zt7xWm2LpR8sYb4NcFh6JdGa1Uo0EiTl5XwQ",
        "DATABASE_URL": database,
        "PARTNERCRM_INSTANCE_PATH": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "-c", "python:partnercrm.gunicorn_conf", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Requests wait in the listening socket's backlog until the worker takes them.
        for line in server.stderr:
            if "Listening at" in line:
                break
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/health", timeout=30) as response:  # noqa: S310
            assert response.status == 200
            assert response.read() == b'{"status":"ok"}\n'
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + FEED + "?kind=excursion", timeout=30)  # noqa: S310
    finally:
        server.terminate()
        access_log, error_log = server.communicate(timeout=30)
    assert '"GET /health HTTP/1.1" 200' in access_log
    assert '"GET /calendar/42/***.ics HTTP/1.1" 404' in access_log
    assert "Zm9vYmFy" not in access_log + error_log
    assert "kind=" not in access_log


def test_health_answers_503_when_the_database_is_unreachable(app, client, monkeypatch):
    assert client.get("/health").get_json() == {"status": "ok"}

    def unreachable(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.engine, "connect", unreachable)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
