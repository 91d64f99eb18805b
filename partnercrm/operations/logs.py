"""What never reaches a log: calendar feed signatures, query strings, e-mail addresses.

A private feed URL is a credential (DESIGN §4.5), query strings carry searches for students'
names, and e-mail addresses are personal data. Standard library only: gunicorn's config
(partnercrm/gunicorn_conf.py) imports it before any app exists.
"""

from __future__ import annotations

import logging
import re

REDACTED = "***"

_FEED_SIGNATURE = re.compile(r"(/calendar/\d+/)[^/?#\s\"']+(\.ics)")
# The request line of an access log: "GET /path?query HTTP/1.1".
_REQUEST_QUERY = re.compile(r"(\b[A-Z]{3,7} /[^?\s\"]*)\?[^\s\"]*")
_EMAIL = re.compile(r"[\w.+-]+@((?:[\w-]+\.)+[\w-]+)")


def redact_path(path: str) -> str:
    """A URL path (its query string dropped) with any feed signature replaced."""
    return _FEED_SIGNATURE.sub(rf"\1{REDACTED}\2", path.split("?", 1)[0])


def redact(text: str) -> str:
    """Free text (a log message) with feed signatures, request query strings and the local
    part of e-mail addresses replaced; the domain stays, it tells which organization."""
    text = _FEED_SIGNATURE.sub(rf"\1{REDACTED}\2", text)
    text = _REQUEST_QUERY.sub(r"\1", text)
    return _EMAIL.sub(rf"{REDACTED}@\1", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger) -> None:
    """Put the filter on every handler of ``logger`` (records propagated from child loggers
    pass handler filters, not the parent logger's own); once per handler."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def configure(quiet: bool) -> None:
    """The process's log: INFO and above on standard error unless ``quiet`` (debugging, tests,
    whose runners keep their own), the filter on the handlers of the root logger either way."""
    if not quiet:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    install(logging.getLogger())
