"""Backup and restore of the database and the uploaded documents (no Flask).

SQLite is copied with its online backup API, so a backup taken while the app runs is
consistent; PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore``. The uploaded PDFs
(agreements, municipal plans) go into a ``.uploads.tar.gz`` beside the database file: a database
restored without them would point at documents that are not there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from partnercrm.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
UPLOADS_SUFFIX = ".uploads.tar.gz"
# A table every PartnerCRM database has, to refuse restoring some other program's file.
MARKER_TABLE = "audit_entry"


class BackupError(UserError):
    """The backup or restore cannot be done; the message says why (Russian and English, as
    the people who run it may read either: the command line shows it as it is)."""


@dataclass(frozen=True)
class BackupFiles:
    database: Path
    uploads: Path | None  # None: there was no uploaded file to keep


def is_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def default_backup_path(folder: Path, url: sa.URL, now: datetime) -> Path:
    """``<folder>/partnercrm-<UTC timestamp>.<sqlite3|dump>``; ``now`` is in UTC."""
    suffix = ".sqlite3" if is_sqlite(url) else ".dump"
    return folder / f"partnercrm-{now:%Y%m%dT%H%M%SZ}{suffix}"


def uploads_archive(database_file: Path) -> Path:
    """The uploads archive that belongs to a database backup file."""
    return database_file.with_name(database_file.stem + UPLOADS_SUFFIX)


# --- backup ---


def backup(url: sa.URL, target: Path, upload_root: Path) -> BackupFiles:
    """Write the database to ``target`` and the upload folder beside it. Files appear whole or
    not at all, readable by their owner only (they hold personal data)."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _written_whole(target) as temporary:
        if is_sqlite(url):
            _backup_sqlite(_existing(_sqlite_file(url)), temporary)
        else:
            _run("pg_dump", "--format=custom", f"--file={temporary}", url=url)
    return BackupFiles(target, _archive_uploads(upload_root, uploads_archive(target)))


def _backup_sqlite(database: Path, target: Path) -> None:
    source = sqlite3.connect(database)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite: {error}") from error
    finally:
        destination.close()
        source.close()


def _archive_uploads(upload_root: Path, archive: Path) -> Path | None:
    files = sorted(
        path
        for path in (upload_root.rglob("*") if upload_root.is_dir() else ())
        if path.is_file() and not path.name.startswith(".")  # not half-written uploads
    )
    if not files:
        return None
    with _written_whole(archive) as temporary, tarfile.open(temporary, "w:gz") as tar:
        for path in files:
            tar.add(path, arcname=str(path.relative_to(upload_root)))
    return archive


# --- restore ---


def restore(url: sa.URL, source: Path, upload_root: Path) -> Path | None:
    """Replace the database's contents with the backup ``source`` and put its uploaded files
    back; returns the uploads archive used, if there was one. Nothing else may be connected
    to a SQLite database meanwhile (stop the app)."""
    if not source.is_file():
        raise BackupError(f"Файл не найден / file not found: {source}")
    if is_sqlite(url):
        _restore_sqlite(source, _sqlite_file(url))
    else:
        _check_magic(source, PG_DUMP_MAGIC, "pg_dump --format=custom")
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(source),
            url=url,
        )
    archive = uploads_archive(source)
    if not archive.is_file():
        return None
    upload_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        # "data": no absolute paths, links or devices can leave the upload folder.
        tar.extractall(upload_root, filter="data")
    return archive


def _restore_sqlite(source: Path, database: Path) -> None:
    _check_magic(source, SQLITE_MAGIC, "SQLite")
    try:
        _copy_checked_sqlite(source, database)
    except sqlite3.Error as error:
        # Most often another connection (the running app) holds the database.
        message = f"SQLite: {error}. Остановите приложение / stop the app first."
        raise BackupError(message) from error


def _copy_checked_sqlite(source: Path, database: Path) -> None:
    backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (check,) = backup_db.execute("PRAGMA quick_check").fetchone()
        marker = backup_db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MARKER_TABLE,)
        ).fetchone()
        if check != "ok" or marker is None:
            raise BackupError(
                f"Файл повреждён или не является копией PartnerCRM / "
                f"the file is damaged or not a PartnerCRM backup: {source}"
            )
        live = sqlite3.connect(database)
        try:
            backup_db.backup(live)
        finally:
            live.close()
    finally:
        backup_db.close()


def _check_magic(source: Path, magic: bytes, kind: str) -> None:
    with source.open("rb") as file:
        if file.read(len(magic)) != magic:
            raise BackupError(
                f"Это не копия нужного формата ({kind}) / not a {kind} backup: {source}"
            )


# --- helpers ---


def _sqlite_file(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("База SQLite в памяти не копируется / an in-memory SQLite database")
    return Path(url.database)


def _existing(database: Path) -> Path:
    if not database.is_file():
        raise BackupError(f"Файл базы данных не найден / database file not found: {database}")
    return database


def libpq_connection(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for the PostgreSQL tools and the environment to run them in: the password
    goes in ``PGPASSWORD``, never on a command line other users can see."""
    uri = sa.URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string()
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return uri, env


def _run(tool: str, *arguments: str, url: sa.URL) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} не найден: установите клиент PostgreSQL той же или более новой версии, что "
            f"и сервер (apt install postgresql-client). / {tool} not found: install the "
            "PostgreSQL client tools of the server's version or newer."
        )
    uri, env = libpq_connection(url)
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [executable, *arguments, f"--dbname={uri}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{tool}: ошибка / failed ({result.returncode}):\n{result.stderr}")


@contextmanager
def _written_whole(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` that becomes ``target`` only when the block ends
    without an error, so a failed run never leaves a backup that looks complete."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o600)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
