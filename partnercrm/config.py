"""Configuration from the environment (DESIGN §4.1); ``instance/config.py`` overrides it."""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "production", "testing")
MIN_SECRET_KEY_LENGTH = 32
# Keys that ship in examples or are typed by habit; production must not run with them.
KNOWN_WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "partnercrm"}
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105


class ConfigurationError(RuntimeError):
    """The app must not start with this configuration."""


def environment() -> str:
    env = os.environ.get("PARTNERCRM_ENV", "development").strip().lower() or "development"
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"PARTNERCRM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}"
        )
    return env


def instance_path(default: str) -> str:
    """``PARTNERCRM_INSTANCE_PATH`` moves the instance folder (its ``config.py`` and the default
    SQLite file), e.g. to a writable place or, in tests, to a temporary one."""
    return os.environ.get("PARTNERCRM_INSTANCE_PATH") or default


def from_environment(instance_path: str) -> dict:
    """Settings read from environment variables, with defaults for development."""
    env = environment()
    production = env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "partnercrm.sqlite3")
    settings = {
        "PARTNERCRM_ENV": env,
        "TESTING": env == "testing",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL") or default_db
        ),
        "SECRET_KEY": os.environ.get("SECRET_KEY")
        or (None if production else DEVELOPMENT_SECRET_KEY),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis is down, count in this process rather than answer every login with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "TRUSTED_PROXY_IPS": trusted_proxy_ips(),
        "TRUSTED_PROXIES": trusted_proxies(),
        # Values bound to SQL statements (names, birth dates) stay out of error messages and
        # so out of production logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": production},
        # Days after a student leaves (is archived) or a young person's last holiday job before
        # `partnercrm retention` removes their personal data (docs/operations.md).
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", 365)),
        # Babel: Russian interface, Kaliningrad time (UTC+2, no DST).
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Kaliningrad",
        "LANGUAGES": ("ru", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "INVITATION_MAX_AGE": int(os.environ.get("INVITATION_MAX_AGE", 7 * 24 * 3600)),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600)),
        "PASSWORD_RESET_LIMIT_PER_IP": os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "10 per hour"),
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
        ),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 5 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes"),
        "SHOW_DEMO_ACCOUNTS": env == "development",
        # Flask-Admin and Flask-Migrate (with alembic) are set up when first needed, by the first
        # request for /admin and by the `db` commands, not by every command and worker start;
        # tests set them up at once (docs/performance.md, "Start-up").
        "LAZY_ADMIN": env != "testing",
        "LAZY_MIGRATIONS": env != "testing",
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # Data rows of one import file: on the Import page (a request must end well within the
        # server's timeout), and by `partnercrm import` (its --max-rows overrides it).
        "IMPORT_MAX_ROWS": 20_000,
        "IMPORT_CLI_MAX_ROWS": 1_000_000,
    }
    settings.update(mail_settings())
    return settings


def trusted_proxy_ips() -> tuple[str, ...]:
    """The addresses (or networks) of the reverse proxies in front of the app, from
    ``TRUSTED_PROXY_IPS`` (comma-separated; default none). Only a request that arrives from one
    of them may tell, by X-Forwarded-For and X-Forwarded-Proto, the client's address (login
    throttling, the audit trail) and that it came over https. gunicorn's config reads it too."""
    entries = os.environ.get("TRUSTED_PROXY_IPS", "").replace(" ", ",").split(",")
    networks = []
    for entry in filter(None, entries):
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError as error:
            raise ConfigurationError(
                f"TRUSTED_PROXY_IPS: {entry!r} is not an IP address or network"
            ) from error
    return tuple(networks)


def trusted_proxies() -> int:
    """How many trusted proxies stand in a row in front of the app (``TRUSTED_PROXIES``; 1 when
    TRUSTED_PROXY_IPS names any, else 0): how deep X-Forwarded-For is believed."""
    hops = int(os.environ.get("TRUSTED_PROXIES", 1 if trusted_proxy_ips() else 0))
    if hops and not trusted_proxy_ips():
        raise ConfigurationError(
            "TRUSTED_PROXIES is set but TRUSTED_PROXY_IPS names no proxy: forwarded headers "
            "would be believed from anyone. Set TRUSTED_PROXY_IPS to the proxy's address."
        )
    return hops


def check_rate_limit_storage(storage_uri: str, workers: int) -> None:
    """Refuse to run several worker processes that each count login attempts in their own
    memory: the limits would multiply by the number of workers (docs/deployment.md: Redis)."""
    if workers > 1 and storage_uri.startswith("memory://"):
        raise ConfigurationError(
            f"{workers} workers with RATELIMIT_STORAGE_URI={storage_uri}: each worker would "
            "count login attempts apart. Set RATELIMIT_STORAGE_URI=redis://… (a Redis server) "
            "or run one worker."
        )


def mail_settings() -> dict:
    """SMTP when ``MAIL_SERVER`` is set, otherwise mail goes to the log."""
    settings: dict = {
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "partnercrm@localhost"),
        # Seconds; a hanging SMTP server must not hang the request that sends the mail.
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", 10)),
    }
    server = os.environ.get("MAIL_SERVER")
    if not server:
        # Flask-Mailman imports a dotted class name only when it ends in "EmailBackend".
        settings["MAIL_BACKEND"] = "partnercrm.mail.LogEmailBackend"
        return settings
    settings.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER=server,
        MAIL_PORT=int(os.environ.get("MAIL_PORT", 25)),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME"),
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD"),
        MAIL_USE_TLS=_flag(os.environ.get("MAIL_USE_TLS")),
        MAIL_USE_SSL=_flag(os.environ.get("MAIL_USE_SSL")),
    )
    return settings


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """The settings: the environment's, then ``instance/config.py``'s, then ``overrides``
    (tests), the database URL normalised and the secret key checked. Without Flask, so that the
    app (``create_app``) and a command that runs without it (:mod:`partnercrm.console`) read
    the same."""
    settings = from_environment(instance_path)
    settings.update(_settings_file(Path(instance_path) / "config.py"))
    settings.update(overrides or {})
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        settings["SQLALCHEMY_DATABASE_URI"], instance_path
    )
    check_secret_key(settings)
    return settings


def _settings_file(path: Path) -> dict:
    """The upper-case names a Python settings file defines, as Flask's ``from_pyfile`` reads
    them; none if there is no such file."""
    if not path.is_file():
        return {}
    namespace: dict = {"__file__": str(path)}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)  # noqa: S102 — the operator's file
    return {key: value for key, value in namespace.items() if key.isupper()}


def normalise_database_url(url: str, instance_path: str | None = None) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings and use psycopg 3; a relative
    SQLite path is in the instance folder (as Flask-SQLAlchemy would read it)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        path = url[len(prefix) :]
        if (
            url.startswith(prefix)
            and instance_path
            and path
            and not path.startswith(("/", ":memory:", "file:"))
        ):
            return prefix + str(Path(instance_path) / path)
    return url


def check_secret_key(config: dict) -> None:
    """Refuse to start in production with a missing or weak ``SECRET_KEY``."""
    if config.get("PARTNERCRM_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if not key:
        raise ConfigurationError("SECRET_KEY is required in production")
    if (
        len(key) < MIN_SECRET_KEY_LENGTH
        or key.lower() in KNOWN_WEAK_SECRETS
        or key == DEVELOPMENT_SECRET_KEY
        or len(set(key)) < 10
        or _is_patterned(key)
    ):
        raise ConfigurationError(
            f"SECRET_KEY is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} "
            "random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def _is_patterned(key: str) -> bool:
    """A key made by hand rather than by a random generator: a repeated unit ("0123456789" * 4)
    or mostly a run of neighbouring characters ("abcdefgh…", "9876…")."""
    repeated = key in (key + key)[1:-1]
    steps = [ord(b) - ord(a) for a, b in zip(key, key[1:], strict=False)]
    sequential = sum(abs(step) == 1 for step in steps) > len(steps) // 2
    return repeated or sequential


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}
