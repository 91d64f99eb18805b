"""The app's command group: Flask's CLI for this app plus the commands of DESIGN §4.2 (the
console script, :mod:`partnercrm.console`, runs the reports' commands without it)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, ScriptInfo

from partnercrm.extensions import db
from partnercrm.web.unit_of_work import unit_of_work

users_cli = AppGroup("users", help="Manage user accounts.")


class MigrationCommands(click.Group):
    """``partnercrm db``: Flask-Migrate's command group, imported (alembic with it) and bound to
    the app only when a ``db`` command line is parsed, so no other command pays for them."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        from partnercrm.app import bind_migrations

        assert parent is not None, "a subcommand of the app's command line"
        app = parent.ensure_object(ScriptInfo).load_app()
        bind_migrations(app)
        # Flask-Migrate's own group, which it put in this one's place; click runs the command
        # of the context it gets back.
        return app.cli.commands["db"].make_context(info_name, args, parent=parent, **extra)


migration_commands = MigrationCommands("db", help="Perform database migrations.")


def register(app: Flask) -> None:
    from partnercrm.agreements.cli import remind_command
    from partnercrm.feeds.cli import feed_url_command
    from partnercrm.imports.cli import import_command
    from partnercrm.indicators.cli import indicators_command
    from partnercrm.indicators.counters_cli import counters_cli
    from partnercrm.indicators.programme_cli import programme_cli
    from partnercrm.operations.cli import backup_command, restore_command, retention_command
    from partnercrm.profminimum.cli import hours_command

    app.cli.add_command(seed_command)
    app.cli.add_command(indicators_command)
    app.cli.add_command(hours_command)
    app.cli.add_command(programme_cli)
    app.cli.add_command(counters_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(remind_command)
    app.cli.add_command(import_command)
    app.cli.add_command(feed_url_command)
    for command in (backup_command, restore_command, retention_command):
        app.cli.add_command(command)


@click.command("seed")
def seed_command() -> None:
    """Seed the roadmap (sections, plan items, indicators), municipalities and the school
    holidays of the current school year. Idempotent."""
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.jobs.holidays import school_year_of, seed_school_holidays
    from partnercrm.localtime import local_today
    from partnercrm.roadmap.services import seed_roadmap

    with unit_of_work():
        added = seed_roadmap()
        added["municipalities"] = seed_municipalities()
        school_year = school_year_of(local_today())
        holidays = seed_school_holidays(school_year)
    if holidays is None:
        click.echo(
            f"warning: no school holidays for {school_year} in school_holidays.json; "
            "enter them in the admin (/admin/school-holidays) before publishing holiday jobs",
            err=True,
        )
    else:
        added["school holidays"] = holidays
    click.echo("seed: " + ", ".join(f"{count} {what} added" for what, count in added.items()))


@click.command("demo")
def demo_command() -> None:
    """Load the demo organizations and accounts (one per role). Idempotent."""
    from partnercrm.demo import load_demo

    try:
        with unit_of_work():
            added = load_demo()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    click.echo("demo: " + ", ".join(f"{count} {what} added" for what, count in added.items()))


@users_cli.command("create")
@click.option("--email", required=True, help="Login e-mail (unique, case-insensitive).")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "coordinator", "school", "college", "employer", "employment_center"]
    ),
)
@click.option("--org", "org_code", help="Organization code (school, college, employer, center).")
@click.option("--municipality", help="Municipality name as in municipalities.json.")
@click.option("--name", "full_name", help="Full name; defaults to the e-mail's local part.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, org_code, municipality, full_name, password_stdin) -> None:
    """Create a user account (password from a prompt or --password-stdin)."""
    from partnercrm.accounts import services
    from partnercrm.accounts.rules import Role, password_problem
    from partnercrm.directory.models import Municipality, Organization

    organization = None
    if org_code:
        organization = db.session.scalar(
            sa.select(Organization).where(Organization.code == org_code)
        )
        if organization is None:
            raise click.ClickException(f"no organization with code {org_code!r}")
    place = None
    if municipality:
        place = db.session.scalar(sa.select(Municipality).where(Municipality.name == municipality))
        if place is None:
            raise click.ClickException(f"no municipality named {municipality!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    try:
        with unit_of_work():
            user = services.create_user(
                email=email,
                full_name=full_name or email.split("@")[0],
                role=Role(role),
                organization=organization,
                municipality=place,
                password=password,
            )
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created user {user.id} <{user.email}> with role {user.role.value}")
