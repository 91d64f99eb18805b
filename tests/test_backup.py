"""Backups that restore (DESIGN §5): back up, change, restore, and the data is as it was —
on a SQLite file and, when TEST_DATABASE_URL points at a server, on PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from partnercrm import uploads
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.operations import backup as backups
from partnercrm.students.models import Student
from tests.activity_factories import StudentFactory
from tests.factories import OrganizationFactory


@pytest.fixture
def postgres_url():
    """A throwaway database of its own: a restore replaces everything in it."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed (apt install postgresql-client)")
    base = sa.make_url(url).difference_update_query(["options"])
    name = f"partnercrm_backup_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request, make_app, tmp_path, monkeypatch):
    """An app on a database of its own, with a school, two students and an uploaded PDF."""
    monkeypatch.setenv("PARTNERCRM_INSTANCE_PATH", str(tmp_path / "instance"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = make_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    with app.app_context():
        db.create_all()
        school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
        StudentFactory(school=school, local_id="001", full_name="Иванов Иван")
        StudentFactory(school=school, local_id="002", full_name="Петрова Анна")
        stored = uploads.store_bytes(b"%PDF-1.4 agreement", "agreements")
        db.session.commit()
        yield app, stored
        db.session.remove()
        db.drop_all()


def suffix(url: sa.URL) -> str:
    return ".sqlite3" if url.get_backend_name() == "sqlite" else ".dump"


def roster() -> list[tuple[str, str]]:
    return db.session.execute(
        sa.select(Student.local_id, Student.full_name).order_by(Student.local_id)
    ).all()


def test_a_restored_backup_brings_back_the_data_and_documents(live, tmp_path):
    app, stored = live
    runner = app.test_cli_runner()
    target = tmp_path / "backups" / f"nightly{suffix(db.engine.url)}"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    archive = tmp_path / "backups" / "nightly.uploads.tar.gz"
    assert target.is_file() and archive.is_file()
    # Backups hold personal data: readable by their owner only.
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
    (export,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "database")
    )
    assert export.action is AuditAction.EXPORT
    assert export.details["file"] == target.name
    at_backup = roster()

    # Everything changes after the backup...
    student = db.session.scalar(sa.select(Student).where(Student.local_id == "001"))
    student.full_name = "Изменённое Имя"
    db.session.delete(db.session.scalar(sa.select(Student).where(Student.local_id == "002")))
    StudentFactory(school=student.school, local_id="003")
    db.session.commit()
    uploads.stored_path("agreements", stored).unlink()

    # ...a restore without confirmation does nothing...
    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code == 1
    assert [local_id for local_id, _ in roster()] == ["001", "003"]

    # ...and with it, the data and the documents are as they were.
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert roster() == at_backup == [("001", "Иванов Иван"), ("002", "Петрова Анна")]
    assert uploads.stored_path("agreements", stored).read_bytes() == b"%PDF-1.4 agreement"
    restored = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.details["restored_from"].as_string() == target.name)
    )
    assert restored is not None and restored.action is AuditAction.UPDATE


def test_the_default_backup_file_is_in_the_instance_folder(live):
    app, _stored = live
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (database, archive) = sorted(
        path.name for path in (Path(app.instance_path) / "backups").iterdir()
    )
    assert re.fullmatch(r"partnercrm-\d{8}T\d{6}Z" + re.escape(suffix(db.engine.url)), database)
    assert archive == database.rsplit(".", 1)[0] + ".uploads.tar.gz"


def test_restore_refuses_a_file_that_is_not_a_backup(live, tmp_path):
    app, _stored = live
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("не копия")
    result = app.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code == 1
    assert "not a" in result.output
    assert [name for _, name in roster()] == ["Иванов Иван", "Петрова Анна"]


def test_missing_postgresql_tools_are_named_in_russian_and_english(monkeypatch, tmp_path):
    monkeypatch.setattr(backups.shutil, "which", lambda tool: None)
    url = sa.make_url("postgresql+psycopg://crm:s3cret@db.example.ru/partnercrm")
    with pytest.raises(backups.BackupError) as refused:
        backups.backup(url, tmp_path / "x.dump", tmp_path / "uploads")
    assert "pg_dump не найден" in str(refused.value)
    assert "pg_dump not found" in str(refused.value)
    assert not (tmp_path / "x.dump").exists()


def test_the_password_goes_in_the_environment_not_the_command_line():
    url = sa.make_url("postgresql+psycopg://crm:s3cret@db.example.ru:5433/partnercrm")
    uri, env = backups.libpq_connection(url)
    assert uri == "postgresql://crm@db.example.ru:5433/partnercrm"
    assert env["PGPASSWORD"] == "s3cret"
