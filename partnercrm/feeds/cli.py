"""``partnercrm feed-url EMAIL`` (DESIGN §4.2): the private calendar feed URL of a user."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import click
import sqlalchemy as sa
from flask import current_app

from partnercrm.accounts.models import User, normalise_email
from partnercrm.extensions import db

# Where `make run` serves the app: the URL a developer without SERVER_NAME can open.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


@click.command("feed-url")
@click.argument("email")
def feed_url_command(email: str) -> None:
    """Print the private calendar feed URL of the user with this e-mail.

    The URL is absolute: set SERVER_NAME (and PREFERRED_URL_SCHEME, https in production) in
    instance/config.py to the name the site is reached by. Outside production, without
    SERVER_NAME, the URL is the one `make run` serves.
    """
    from partnercrm.feeds.events import private_feed_url

    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no user with the e-mail {email}")
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated: the feed answers 404")
    context: AbstractContextManager[object] = nullcontext()
    if not current_app.config.get("SERVER_NAME"):
        if current_app.config["PARTNERCRM_ENV"] == "production":
            raise click.ClickException(
                "SERVER_NAME is not set: put the site's host name (e.g. "
                "SERVER_NAME = 'partnercrm.example.ru') in instance/config.py"
            )
        click.echo(
            f"SERVER_NAME is not set: the URL is for {DEVELOPMENT_BASE_URL} (`make run`)",
            err=True,
        )
        context = current_app.test_request_context(base_url=DEVELOPMENT_BASE_URL)
    with context:
        click.echo(private_feed_url(user))
