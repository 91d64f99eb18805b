"""The ``partnercrm`` console script. The reports' commands (``indicators``, ``hours``) named
first run here without Flask: the settings, an engine and a session, nothing else, so their
start costs little more than SQLAlchemy's import (issue 18; docs/performance.md «Start-up»).
Every other command line goes to the app's command group (:mod:`partnercrm.cli`), where those
two commands run in the app as well.

A report only reads. Its session changes no record, so it marks nothing for the counters to
settle: the counters' listeners, which every app registers (``create_app``), are left out, and
with them the modules of the counters a command does not read."""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

# The commands that run without Flask, by name: the module and the name of each.
REPORT_COMMANDS = {
    "indicators": ("partnercrm.indicators.cli", "indicators_command"),
    "hours": ("partnercrm.profminimum.cli", "hours_command"),
}


def main() -> None:
    # What a start imports and builds lives until the process ends: collecting garbage meanwhile
    # only walks it, a third of a start (docs/performance.md «Start-up»). See :func:`started`.
    gc.disable()
    name, *args = sys.argv[1:] or [""]
    if name in REPORT_COMMANDS:
        run_report(name, args)
    else:
        run_app_group()


def started() -> None:
    """The start is over: what it made is frozen out of every later garbage collection (the
    exit's included), and collections resume for what the command makes."""
    gc.freeze()
    gc.enable()


def run_app_group() -> None:
    """The app's command group, as Flask's ``flask`` command would run it."""
    from flask.cli import FlaskGroup

    from partnercrm.app import create_app

    def started_app():
        app = create_app()
        started()
        return app

    FlaskGroup(create_app=started_app, help="PartnerCRM command line.")(prog_name="partnercrm")


def run_report(name: str, args: list[str]) -> None:
    """Run command ``name`` with ``args`` in a session of its own (click's context object, which
    :func:`partnercrm.commands.command_session` finds), with the usage lines, errors and exit
    statuses of the app's group (click's ``main`` exits with the command's status)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from partnercrm import PROJECT_ROOT
    from partnercrm import config as config_module
    from partnercrm.operations.logs import configure

    module, attribute = REPORT_COMMANDS[name]
    command = getattr(import_module(module), attribute)
    settings = config_module.load(config_module.instance_path(str(PROJECT_ROOT / "instance")))
    configure(quiet=settings["TESTING"])
    engine = create_engine(
        settings["SQLALCHEMY_DATABASE_URI"], **settings["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    started()
    try:
        with Session(engine) as session:
            command.main(args, prog_name=f"partnercrm {name}", obj=session)
    except SystemExit as done:  # click's main ends with it, whatever the command did
        engine.dispose()
        exit_at_once(done.code)


def exit_at_once(code: int | str | None) -> None:
    """End the process with ``code`` as ``sys.exit`` would, without the interpreter's
    finalization: tearing down every module and object the start made costs a report's command
    a tenth of its time (docs/performance.md «Counters»), and nothing is left for it to do — the
    output is flushed here, the command closed its files and the connections are closed."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
