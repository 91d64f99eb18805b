"""``partnercrm backup``, ``partnercrm restore`` and ``partnercrm retention``."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app

from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.database import utcnow
from partnercrm.extensions import db
from partnercrm.operations import backup as backups
from partnercrm.operations.services import apply_retention
from partnercrm.uploads import upload_root
from partnercrm.web.unit_of_work import unit_of_work


def _operator() -> dict:
    """No user is logged in on the command line: note who ran it on the server, if known."""
    try:
        return {"os_user": getpass.getuser()}
    except (KeyError, OSError):  # no login name in the environment or the password database
        return {}


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file to write; default instance/backups/partnercrm-<UTC time>.sqlite3|.dump.",
)
def backup_command(output: Path | None) -> None:
    """Back up the database and the uploaded documents (a .uploads.tar.gz beside it)."""
    url = db.engine.url
    target = output or backups.default_backup_path(
        Path(current_app.instance_path) / "backups", url, utcnow()
    )
    click.echo(f"backup: database → {target}")
    try:
        files = backups.backup(url, target, upload_root())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup: uploaded documents → {files.uploads or 'none to keep'}")
    # The copy holds every person's data: an export like any other (DESIGN §2 AuditEntry).
    with unit_of_work():
        record(
            AuditAction.EXPORT,
            "database",
            details={"file": target.name, "uploads": files.uploads is not None, **_operator()},
        )
    click.echo(f"backup: done, {target.stat().st_size} bytes")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database (and put back the uploaded documents) with a backup. Stop the app
    first; run `partnercrm db upgrade` afterwards if the backup is older than the code."""
    url = db.engine.url
    if not yes:
        click.confirm(
            f"Все данные в {url.render_as_string(hide_password=True)} будут заменены копией "
            f"{file}. / Every record will be replaced by the backup. Continue?",
            abort=True,
        )
    # No pooled connection may hold the old database open while it is replaced: the session
    # and the pool are let go by hand, as no unit of work can do it.
    db.session.remove()
    db.engine.dispose()
    click.echo(f"restore: database ← {file}")
    try:
        archive = backups.restore(url, file, upload_root())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restore: uploaded documents ← {archive or 'no uploads archive beside the file'}")
    with unit_of_work():
        record(AuditAction.UPDATE, "database", details={"restored_from": file.name, **_operator()})
    click.echo("restore: done")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Count who is due, change nothing.")
def retention_command(dry_run: bool) -> None:
    """Anonymise students and young people past the retention period (RETENTION_DAYS)."""
    days = current_app.config["RETENTION_DAYS"]
    with unit_of_work():  # a dry run only counts: there is nothing to commit
        result = apply_retention(days, dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    click.echo(
        f"retention ({days} days): {verb} {result.students} students, "
        f"{result.young_people} young people"
    )
