"""gunicorn settings for production: ``gunicorn -c python:partnercrm.gunicorn_conf wsgi:app``.

Each setting may be changed by an environment variable (docs/configuration.md); gunicorn's own
command-line options still win over this file.
"""

from __future__ import annotations

import os
from typing import Any, cast

from gunicorn.glogging import Logger

from partnercrm.config import check_rate_limit_storage, environment, trusted_proxy_ips
from partnercrm.operations.logs import install, redact_path

# Each worker holds its own database connection pool, so more workers than this only queue
# on PostgreSQL's connection limit.
MAX_DEFAULT_WORKERS = 8


def default_workers(cores: int | None) -> int:
    return min(2 * (cores or 1) + 1, MAX_DEFAULT_WORKERS)


class RedactingLogger(Logger):
    """gunicorn's logger without query strings or feed signatures in the access log (every
    atom that carries the URL is rewritten) and with the app's filter on its error log."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        install(self.error_log)

    # gunicorn's stubs close the atoms to a TypedDict: the real dict has the header and environ
    # atoms too ({referer}i, ...), which this method removes.
    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:  # type: ignore[override]
        atoms = cast(dict[str, Any], super().atoms(resp, req, environ, request_time))
        path = redact_path(environ.get("PATH_INFO") or "")
        referer = environ.get("HTTP_REFERER")
        atoms.update(
            r=f"{atoms['m']} {path} {atoms['H']}",
            U=path,
            q="",
            f=redact_path(referer) if referer else "-",
        )
        # The same values as header and environ atoms ({referer}i, {raw_uri}e, ...).
        for key in ("{referer}i", "{query_string}e", "{raw_uri}e", "{path_info}e"):
            atoms.pop(key, None)
        return atoms


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers(os.cpu_count()))
# Seconds a request may take: the browser import of up to 20,000 rows and the yearly exports.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# The proxies allowed to say the request came over https: the same TRUSTED_PROXY_IPS the app
# believes X-Forwarded-For from (web/security.py); none by default.
forwarded_allow_ips = ",".join(trusted_proxy_ips())


def on_starting(server) -> None:
    """Refuse to start production workers that would count login attempts apart (a
    ConfigurationError is a RuntimeError: gunicorn prints it and exits 1)."""
    if environment() == "production":
        check_rate_limit_storage(
            os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), server.cfg.workers
        )


logger_class = RedactingLogger
accesslog = "-"
errorlog = "-"
# The combined format without the query string (searches hold names) and with the path
# redacted: %(r)s and %(U)s come from RedactingLogger.atoms.
access_log_format = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(M)sms'
