"""One unit of work per request, as Indico's ``RH.process`` does it.

A request runs its view inside :func:`unit_of_work`: the database session is committed once when
the view returns, rolled back when anything is raised (an ``abort``, a ``UserError``, a bug), and
the callbacks the request queued with :func:`after_commit` (mail, notifications) run only after
the commit succeeded, so nobody is told about a change that was not kept and no mail server
holds a lock. Services flush and never commit; views neither commit nor roll back. The command
line uses the same context manager, one unit per piece of work it must keep.

A view that shows a refusal instead of raising it wraps the service call in
:func:`refusal_shown`: the refusal rolls back what the call did and lands on its form field or
as a message, and the view goes on to render the form again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, flash
from sqlalchemy.orm import Session

from partnercrm.database import SessionLike
from partnercrm.errors import UserError
from partnercrm.extensions import db
from partnercrm.web.integers import RoutingMap

log = logging.getLogger(__name__)

_AFTER_COMMIT = "partnercrm.after_commit"


class PartnerCRM(Flask):
    """The application class: every view runs in its own unit of work; ``<int:…>`` in a route
    matches only numbers an id column holds (:mod:`partnercrm.web.integers`)."""

    url_map_class = RoutingMap

    def dispatch_request(self):
        with unit_of_work():
            return super().dispatch_request()


@contextmanager
def unit_of_work() -> Iterator[SessionLike]:
    """Commit the session once if the block succeeds, roll back if it raises; then run the
    callbacks queued with :func:`after_commit` (each failure is logged, none stops the others)."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            # The change is kept; a failed notification must not turn it into an error page.
            log.exception("after-commit callback %r failed", callback)


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current unit of work has committed; forget it on rollback."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def _forget_callbacks(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def refusal_text(error: UserError) -> str:
    """The refusal in the user's language, placeholders filled."""
    # Imported here, by the pages that show refusals: the app class and the unit of work, from
    # this module, are in every app, also in the app of a command without pages (no Babel).
    from flask_babel import gettext

    return gettext(error.message, **error.params)


def show_refusal(error: UserError, form=None, extra: Iterable[str] = ()) -> None:
    """Show ``error`` and those found with it (``error.more``) each on its form field if the
    form has it, else as a message; ``extra`` lines (already translated) follow as messages of
    their own."""
    for refusal in error.all():
        text = refusal_text(refusal)
        name = refusal.field
        field = form[name] if form is not None and name and name in form else None
        if field is None:
            flash(text, "danger")
        else:
            field.errors = [*field.errors, text]
    for line in extra:
        flash(line, "danger")


@contextmanager
def refusal_shown(
    form=None, extra: Callable[[UserError], list[str]] | None = None
) -> Iterator[None]:
    """Run service calls; a :class:`UserError` rolls back what they did and is shown (see
    :func:`show_refusal`) instead of propagating, and the code after the ``with`` block runs."""
    try:
        yield
    except UserError as error:
        db.session.rollback()
        show_refusal(error, form, extra(error) if extra is not None else ())


def register(app: Flask) -> None:
    """Forget the queued callbacks of every rolled-back transaction (once per process)."""
    if not sa.event.contains(Session, "after_rollback", _forget_callbacks):
        sa.event.listen(Session, "after_rollback", _forget_callbacks)
