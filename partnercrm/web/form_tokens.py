"""One-time form tokens: a create form is saved once, whatever the user does with it.

The create forms of activities, students, organizations, offers, holiday jobs and agreements
carry one; a booking's and a speaker request's ``request_key`` is one too (their own unique
column decides, ``current_token`` issues it).

Every create form carries a token (:class:`FormTokenField`, rendered with the ``form_token``
macro of ``_macros.html``). Its script (``static/form-token.js``) writes the token into the
page's address (``?once=…``), because Chromium and Firefox fetch a ``no-store`` page again on
*Back* and would otherwise issue a new token: the page fetched again reads the same token from
its address, the fields the user had typed come back, and *Save* then finds the token spent.

A view asks :func:`made_with` first: the address of what the token's first submission made
(the view shows it with :func:`show_repeated` instead of saving again), and on success calls
:func:`spend` in the same unit of work as the record it creates, so the token is spent exactly
when the record is kept. Spending inserts the token's row (its primary key): of two concurrent
submissions the second waits for the first and is refused. A refused save rolls back and keeps
the token unspent.

Tokens are the user's: another user's token is never found. Rows older than
:data:`KEPT_FOR` are removed as new ones are spent.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from partnercrm.database import savepoint, utcnow
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.web.models import FormToken

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEPT_FOR = timedelta(days=7)
# The address parameter the script writes and a page fetched again reads.
PARAMETER = "once"


class RepeatedSubmission(UserError):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid(token: str | None) -> str | None:
    return token if token and TOKEN.match(token) else None


def current_token() -> str:
    """The token of the form being rendered: the one in the page's address (a page fetched
    again on *Back*), else a new one."""
    return valid(request.args.get(PARAMETER)) or new_token()


class FormTokenField(HiddenField):
    """The hidden one-time token of a create form (issued per rendered form)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"data-form-token": ""})
        super().__init__(label, validators, default=current_token, **kwargs)

    def process_formdata(self, valuelist) -> None:
        self.data = valid(valuelist[0]) if valuelist else None


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _owned(token: str) -> sa.Select:
    return sa.select(FormToken).where(FormToken.token == token, FormToken.user_id == _user_id())


def made_with(form) -> str | None:
    """The address of what ``form``'s token made, if it was spent (by this user)."""
    token = form.form_token.data
    if not token:
        return None
    spent = db.session.scalar(_owned(token))
    return (spent.url or request.path) if spent is not None else None


def show_repeated(url: str):
    """The answer to a form sent again: what its first submission made, with a message."""
    flash(_("This form had already been saved; here is what it made."), "info")
    return redirect(url)


def repeated_answer(form):
    """For a form sent again (a POST whose token was spent): the answer showing what its first
    submission made; None otherwise, and the view goes on."""
    if request.method != "POST":
        return None
    url = made_with(form)
    return show_repeated(url) if url is not None else None


def spend(form, url: str) -> None:
    """Spend ``form``'s token for the record at ``url``, in the current unit of work; refuse
    (:class:`RepeatedSubmission`) when a concurrent submission spent it first."""
    token = form.form_token.data
    if not token:
        return
    now = utcnow()
    try:
        with savepoint(db.session):
            db.session.add(FormToken(token=token, user_id=_user_id(), url=url, created_at=now))
            db.session.flush()
    except IntegrityError:
        raise RepeatedSubmission(
            N_("This form has just been saved; look at the list before saving it again.")
        ) from None
    db.session.execute(sa.delete(FormToken).where(FormToken.created_at < now - KEPT_FOR))
