"""Configuration (DESIGN §4.1): environment variables, instance/config.py, production checks."""

from __future__ import annotations

import logging

import pytest

from partnercrm.app import create_app
from partnercrm.config import (
    DEVELOPMENT_SECRET_KEY,
    ConfigurationError,
    check_rate_limit_storage,
    from_environment,
    load,
    normalise_database_url,
)
from partnercrm.extensions import db
from partnercrm.mail import send_mail

STRONG_KEY = "kV3q9-Zt7xWm2LpR8sYb4NcFh6JdGa1Uo0EiTl5XwQ"


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment with the instance folder in a temporary directory."""
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_USE_TLS",
        "RATELIMIT_STORAGE_URI",
        "TRUSTED_PROXIES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARTNERCRM_INSTANCE_PATH", str(tmp_path))

    def _set(env: str, **variables: str):
        monkeypatch.setenv("PARTNERCRM_ENV", env)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return _set


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "short-but-random-Xy7",
        DEVELOPMENT_SECRET_KEY,
        "a" * 64,
        "changeme" * 6,
        "12345678" * 5,
        "0123456789" * 4,
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ],
    ids=[
        "missing",
        "empty",
        "short",
        "development",
        "one-letter",
        "placeholder",
        "few-chars",
        "repeated-digits",
        "alphabet",
    ],
)
def test_production_refuses_a_missing_or_weak_secret_key(environment, key):
    environment("production", **({} if key is None else {"SECRET_KEY": key}))
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_strong_secret_key(environment):
    environment("production", SECRET_KEY=STRONG_KEY)
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG_KEY
    assert not app.testing
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["SHOW_DEMO_ACCOUNTS"] is False


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_run_without_a_secret_key(environment, env):
    environment(env)
    app = create_app()
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_an_unknown_environment_stops_the_app(environment):
    environment("staging")
    with pytest.raises(ConfigurationError, match="PARTNERCRM_ENV"):
        create_app()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/crm", "postgresql+psycopg://u:p@db:5432/crm"),
        ("postgresql://u@/crm", "postgresql+psycopg://u@/crm"),
        ("postgresql+psycopg://u@db/crm", "postgresql+psycopg://u@db/crm"),
        ("sqlite:////var/lib/crm.sqlite3", "sqlite:////var/lib/crm.sqlite3"),
    ],
)
def test_database_urls_are_normalised(environment, url, expected):
    assert normalise_database_url(url) == expected
    environment("development", DATABASE_URL=url)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == expected


def test_the_default_database_is_sqlite_in_the_instance_folder(environment, tmp_path):
    environment("development")
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/partnercrm.sqlite3"


def test_instance_config_overrides_the_environment(environment, tmp_path):
    (tmp_path / "config.py").write_text(
        f"SECRET_KEY = {STRONG_KEY!r}\n"
        "SQLALCHEMY_DATABASE_URI = 'postgres://crm@db/crm'\n"
        "INVITATION_MAX_AGE = 3600\n",
        encoding="utf-8",
    )
    # Production without SECRET_KEY in the environment: the instance file provides it.
    environment("production", DATABASE_URL="sqlite:///ignored.sqlite3")
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG_KEY
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://crm@db/crm"
    assert app.config["INVITATION_MAX_AGE"] == 3600


def test_a_command_without_flask_reads_the_settings_the_app_reads(environment, tmp_path):
    """The reports' commands run without the app (partnercrm.console): ``config.load`` gives
    them what ``create_app`` puts in the app's config, the instance file included."""
    (tmp_path / "config.py").write_text(
        "SQLALCHEMY_DATABASE_URI = 'sqlite:///crm.sqlite3'\nRETENTION_DAYS = 30\nlower = 1\n",
        encoding="utf-8",
    )
    environment("development")
    settings = load(str(tmp_path))
    app = create_app()
    assert settings == {key: app.config[key] for key in settings}
    assert "lower" not in settings and settings["RETENTION_DAYS"] == 30
    # A relative SQLite path is in the instance folder, as Flask-SQLAlchemy would read it.
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/crm.sqlite3"
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "crm.sqlite3")


def test_a_weak_key_in_the_instance_config_is_refused_too(environment, tmp_path):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'dev'\n", encoding="utf-8")
    environment("production", SECRET_KEY=STRONG_KEY)
    with pytest.raises(ConfigurationError):
        create_app()


def test_rate_limit_storage_and_limits_come_from_the_environment(
    environment, monkeypatch, tmp_path
):
    environment(
        "production",
        SECRET_KEY=STRONG_KEY,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes",
        TRUSTED_PROXY_IPS="10.0.0.2, 10.1.0.0/16",
        TRUSTED_PROXIES="2",
    )
    settings = from_environment(str(tmp_path))
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert settings["LOGIN_LIMIT_PER_ACCOUNT"] == "3 per 10 minutes"
    assert settings["TRUSTED_PROXY_IPS"] == ("10.0.0.2/32", "10.1.0.0/16")
    assert settings["TRUSTED_PROXIES"] == 2
    for name in ("RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES", "TRUSTED_PROXY_IPS"):
        monkeypatch.delenv(name)
    environment("production", SECRET_KEY=STRONG_KEY)
    # Production trusts no proxy unless told which.
    assert from_environment(str(tmp_path))["TRUSTED_PROXIES"] == 0
    assert from_environment(str(tmp_path))["TRUSTED_PROXY_IPS"] == ()
    environment("development")
    assert from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
    assert from_environment(str(tmp_path))["TRUSTED_PROXIES"] == 0


@pytest.mark.parametrize(
    "variables",
    [{"TRUSTED_PROXIES": "1"}, {"TRUSTED_PROXY_IPS": "nginx.local"}],
)
def test_proxy_settings_that_would_trust_anyone_refuse_to_start(environment, variables):
    environment("production", SECRET_KEY=STRONG_KEY, **variables)
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_IPS"):
        create_app()


def test_several_workers_need_a_shared_rate_limit_storage():
    check_rate_limit_storage("memory://", 1)
    check_rate_limit_storage("redis://127.0.0.1:6379/0", 4)
    with pytest.raises(ConfigurationError, match="redis://"):
        check_rate_limit_storage("memory://", 2)


def test_mail_goes_to_the_log_without_a_server(environment, caplog):
    environment("development")
    app = create_app()
    assert app.config["MAIL_BACKEND"] == "partnercrm.mail.LogEmailBackend"
    with app.app_context(), caplog.at_level(logging.INFO, logger="partnercrm.mail"):
        assert send_mail(["a@example.org"], "Тема", "Текст письма")
    # Logs keep only the domain of an address (partnercrm/operations/logs.py).
    assert "***@example.org" in caplog.text
    assert "a@example.org" not in caplog.text
    assert "Текст письма" in caplog.text


def test_mail_uses_smtp_when_a_server_is_set(environment):
    environment("development", MAIL_SERVER="smtp.example.ru", MAIL_PORT="587", MAIL_USE_TLS="true")
    config = create_app().config
    assert (config["MAIL_BACKEND"], config["MAIL_SERVER"], config["MAIL_PORT"]) == (
        "smtp",
        "smtp.example.ru",
        587,
    )
    assert config["MAIL_USE_TLS"] is True
    assert config["MAIL_USE_SSL"] is False
    assert 0 < config["MAIL_TIMEOUT"] <= 60


def test_a_mail_server_that_cannot_be_reached_is_logged_not_raised(environment, caplog):
    # Port 1 on this machine refuses the connection at once.
    environment("development", MAIL_SERVER="127.0.0.1", MAIL_PORT="1")
    app = create_app()
    with app.app_context(), caplog.at_level(logging.ERROR, logger="partnercrm.mail"):
        assert send_mail(["a@example.org"], "Тема", "Текст") is False
    assert "not sent" in caplog.text
