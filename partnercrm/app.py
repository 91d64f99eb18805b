"""The app: ``create_app`` as a list of small ``register_*`` steps."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from partnercrm import PROJECT_ROOT
from partnercrm import config as config_module
from partnercrm.web.unit_of_work import PartnerCRM


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` (tests) is applied last and wins. The reports' commands do not
    build it: they run without Flask (:mod:`partnercrm.console`)."""
    app = PartnerCRM(
        "partnercrm",
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=config_module.instance_path(str(PROJECT_ROOT / "instance")),
    )
    register_config(app, config)
    register_logging(app)
    register_database(app)
    register_unit_of_work(app)
    # Before the counters: the audit trail's listeners come first, as they always did.
    register_models(app)
    register_counters(app)
    register_extensions(app)
    register_migrations(app)
    register_imports(app)
    register_hooks(app)
    register_roadmap_records(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_admin(app, config)
    register_template_context(app)
    register_demo(app)
    register_commands(app)
    return app


def register_config(app: Flask, overrides: dict | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.load(app.instance_path, overrides))


def register_logging(app: Flask) -> None:
    from partnercrm.operations.logs import configure, install

    configure(quiet=app.debug or app.testing)
    install(app.logger)


def register_database(app: Flask) -> None:
    from partnercrm.extensions import db

    db.init_app(app)


def register_extensions(app: Flask) -> None:
    """The extensions of the pages, and mail."""
    from partnercrm.web.extensions import babel, bootstrap, csrf, limiter, mail
    from partnercrm.web.i18n import select_locale

    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    bootstrap.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)


def register_migrations(app: Flask) -> None:
    """The ``db`` commands. Flask-Migrate imports alembic, a fifth of a second no other command
    needs: outside tests the commands bind it when one of them runs (cli.MigrationCommands)."""
    if app.config["LAZY_MIGRATIONS"]:
        from partnercrm.cli import migration_commands

        app.cli.add_command(migration_commands)
    else:
        bind_migrations(app)


def bind_migrations(app: Flask) -> None:
    """Flask-Migrate, once per app (it adds its own ``db`` group in place of the lazy one)."""
    if "migrate" in app.extensions:
        return
    # Alembic announces each of its plugins on import, at INFO, which the app's log would show.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from flask_migrate import Migrate

    from partnercrm.database import render_migration_item
    from partnercrm.extensions import db

    Migrate(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )


def register_unit_of_work(app: Flask) -> None:
    from partnercrm.web.unit_of_work import register

    register(app)


def register_models(app: Flask) -> None:
    """Import every model so metadata is complete (Alembic, create_all, the admin); start the
    audit trail and the calendar feeds' sequence numbers."""
    from partnercrm import models  # noqa: F401
    from partnercrm.audit.services import register_change_tracking
    from partnercrm.feeds.sequence import register_sequence_tracking

    register_change_tracking()
    register_sequence_tracking()


def register_counters(app: Flask) -> None:
    """The counters kept of the figures (issue #18): the reports read them, and settle first
    what the session marked."""
    from partnercrm.activities.changes import register_change_marking
    from partnercrm.indicators.counters import register as register_indicator_counters
    from partnercrm.profminimum.counters import register as register_hours_counters

    register_change_marking()
    register_indicator_counters()
    register_hours_counters()


def register_imports(app: Flask) -> None:
    """The import kinds: the engine's own, then those kept in other packages."""
    from partnercrm.agreements.importer import register as register_agreements_import
    from partnercrm.imports.services import register as register_import_engine
    from partnercrm.profminimum.importer import register as register_levels_import

    register_import_engine(app)
    register_agreements_import(app)
    register_levels_import(app)


def register_hooks(app: Flask) -> None:
    """What packages add to the pages and rules of the packages below them, which do not import
    them (template hooks and the like; never at import time)."""
    from partnercrm.activities.hooks import register as register_activity_hooks
    from partnercrm.agreements.hooks import register as register_agreement_hooks
    from partnercrm.imports.hooks import register as register_import_hooks
    from partnercrm.indicators.hooks import register as register_indicator_hooks
    from partnercrm.offers.hooks import register as register_offer_hooks
    from partnercrm.profminimum.hooks import register as register_profminimum_hooks
    from partnercrm.series.hooks import register as register_series_hooks

    register_activity_hooks(app)
    register_agreement_hooks(app)
    register_import_hooks(app)
    register_offer_hooks(app)
    register_indicator_hooks(app)
    register_profminimum_hooks(app)
    register_series_hooks(app)


def register_blueprints(app: Flask) -> None:
    from partnercrm.accounts.views import bp as accounts_bp
    from partnercrm.activities.views import bp as activities_bp
    from partnercrm.agreements.views import bp as agreements_bp
    from partnercrm.dashboard.views import bp as dashboard_bp
    from partnercrm.directory.views import bp as directory_bp
    from partnercrm.feeds.views import bp as feeds_bp
    from partnercrm.imports.views import bp as imports_bp
    from partnercrm.indicators.views import bp as indicators_bp
    from partnercrm.jobs.api import bp as jobs_api_bp
    from partnercrm.jobs.report_views import bp as job_report_bp
    from partnercrm.jobs.views import bp as jobs_bp
    from partnercrm.monitoring.views import bp as monitoring_bp
    from partnercrm.offers.views import bp as offers_bp
    from partnercrm.portal.views import bp as portal_bp
    from partnercrm.profminimum.views import bp as profminimum_bp
    from partnercrm.programmes.views import bp as programmes_bp
    from partnercrm.roadmap.views import bp as roadmap_bp
    from partnercrm.series.views import bp as series_bp
    from partnercrm.students.views import bp as students_bp
    from partnercrm.web.views import bp as web_bp

    for blueprint in (
        web_bp,
        dashboard_bp,
        accounts_bp,
        directory_bp,
        roadmap_bp,
        activities_bp,
        agreements_bp,
        students_bp,
        series_bp,
        imports_bp,
        indicators_bp,
        profminimum_bp,
        monitoring_bp,
        programmes_bp,
        offers_bp,
        feeds_bp,
        portal_bp,
        job_report_bp,
        jobs_bp,
        jobs_api_bp,
    ):
        app.register_blueprint(blueprint)


def register_admin(app: Flask, overrides: dict | None) -> None:
    """Flask-Admin at /admin. Outside tests, requests for /admin go to a second app built with
    the admin on the first of them (:class:`partnercrm.admin.AdminOnDemand`), so no command and
    no worker builds its views; tests build it into the app, which is then the very app that
    serves /admin. Last of the middleware: each app applies its own to its requests."""
    if app.config["LAZY_ADMIN"]:
        from partnercrm.admin import AdminOnDemand

        AdminOnDemand.install(app, lambda: create_app({**(overrides or {}), "LAZY_ADMIN": False}))
    else:
        from partnercrm.admin.views import create_admin

        create_admin(app)


def register_errorhandlers(app: Flask) -> None:
    from partnercrm.web.errors import register

    register(app)


def register_security(app: Flask) -> None:
    from partnercrm.accounts.session import register as register_login
    from partnercrm.web.security import register as register_headers

    register_login(app)
    register_headers(app)


def register_template_context(app: Flask) -> None:
    from partnercrm.dashboard.navigation import MENU
    from partnercrm.web import hooks, templating

    templating.register(app, MENU)
    hooks.register(app)


def register_roadmap_records(app: Flask) -> None:
    """The live roadmap's figures of records other than activities (agreements, holiday jobs,
    monitoring): contributions to the indicators package's registry."""
    from partnercrm.dashboard.roadmap_records import register

    register(app)


def register_demo(app: Flask) -> None:
    """Outside production the login page lists the demo accounts."""
    if app.config["SHOW_DEMO_ACCOUNTS"]:
        from partnercrm.demo import register

        register(app)


def register_commands(app: Flask) -> None:
    from partnercrm.cli import register

    register(app)
