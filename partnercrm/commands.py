"""What the commands share, without Flask: the session a command works in."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session


def command_session() -> Session:
    """The session of the command being run: the one :mod:`partnercrm.console` gives a command
    it runs without Flask (click's context object), else the app's (``db.session``)."""
    session = click.get_current_context().find_object(Session)
    if session is not None:
        return session
    from partnercrm.extensions import db  # Flask-SQLAlchemy: only a command run in the app

    return db.session()
