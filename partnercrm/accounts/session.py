"""Flask-Login wiring: the cookie holds the user's session token, not the user id."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_login.config import COOKIE_NAME

from partnercrm.accounts.models import User
from partnercrm.extensions import db
from partnercrm.web.extensions import login_manager


def load_user(session_token: str) -> User | None:
    # A rotated token (logout, password change, deactivation) matches nobody.
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.active.is_(True))
    )


def keep_session(user: User) -> None:
    """After a rotation by the user themselves, carry this browser over to the new token.

    Its remember-me cookie, if it has one, is re-issued too; every other browser is logged out.
    """
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    login_user(user, remember=cookie in request.cookies)


def register(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
