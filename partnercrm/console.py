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
import sys
from importlib import import_module

# The commands that run without Flask, by name: the module and the name of each.
REPORT_COMMANDS = {
    "indicators": ("partnercrm.indicators.cli", "indicators_command"),
    "hours": ("partnercrm.profminimum.cli", "hours_command"),
}


def main() -> None:
    name, *args = sys.argv[1:] or [""]
    if name in REPORT_COMMANDS:
        run_report(name, args)
    else:
        from partnercrm.cli import run_app_group

        run_app_group()


def run_report(name: str, args: list[str]) -> None:
    """Run command ``name`` with ``args`` in a session of its own (click's context object, which
    :func:`partnercrm.commands.command_session` finds), with the usage lines, errors and exit
    statuses of the app's group (click's ``main`` exits with the command's status)."""
    # Nothing the imports make is garbage: collecting during them only walks it (0.07–0.13 s of
    # the start), and frozen it is left out of every later collection, the exit's included.
    gc.disable()
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
    gc.freeze()
    gc.enable()
    with Session(engine) as session:
        command.main(args, prog_name=f"partnercrm {name}", obj=session)

