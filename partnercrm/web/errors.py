"""Error pages. Every error answers with a page in the user's language, never a traceback."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from partnercrm.extensions import db

log = logging.getLogger(__name__)

# SQLSTATE numeric_value_out_of_range: PostgreSQL's "integer out of range".
NUMERIC_VALUE_OUT_OF_RANGE = "22003"
NUMBER_OUT_OF_RANGE = _l("A number in the request is too large. Check the address or the form.")

MESSAGES = {
    400: _l("The request could not be understood. Reload the page and try again."),
    403: _l("You do not have access to this page."),
    404: _l("The page was not found."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Wait a few minutes and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
    503: _l("The database is busy with another change. Wait a moment and try again."),
}
TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Try again"),
}


def render_error(code: int, message=None):
    message = message or MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify(error=str(message)), code
    title = TITLES.get(code, TITLES[400] if code < 500 else TITLES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _l("The form has expired or was sent from another site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, MESSAGES.get(error.code, error.description))

    @app.errorhandler(sa.exc.OperationalError)
    def database_busy(error: sa.exc.OperationalError):
        # SQLite's "database is locked": another writer held the lock past the busy timeout.
        # The unit of work has rolled back, so nothing was changed: the user may simply retry.
        if "database is locked" not in str(error.orig):
            raise error
        response, code = render_error(503)
        return response, code, {"Retry-After": "2"}

    # A number past what the database holds that no check caught (ids and pages are checked in
    # partnercrm/web/integers.py and pagination.py): SQLite refuses to bind it (OverflowError),
    # PostgreSQL to compare or store it. The client's mistake, not ours: a 400, and one line in
    # the log — no traceback, no statement, no parameters.
    @app.errorhandler(OverflowError)
    def number_overflow(error: OverflowError):
        return _number_out_of_range(error)

    @app.errorhandler(sa.exc.DataError)
    def data_error(error: sa.exc.DataError):
        if _sqlstate(error) != NUMERIC_VALUE_OUT_OF_RANGE:
            raise error
        return _number_out_of_range(error.orig)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # The failed request may have left the session in a broken transaction.
        db.session.rollback()
        return render_error(500)


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


def _number_out_of_range(cause: BaseException | None):
    # The unit of work has rolled back if the view raised; a handler may run outside it.
    db.session.rollback()
    reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    log.warning("%s %s: a number out of range (%s)", request.method, request.path, reason)
    return render_error(400, NUMBER_OUT_OF_RANGE)
