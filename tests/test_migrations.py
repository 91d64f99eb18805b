"""The Alembic migrations build, from an empty database, exactly the schema the models declare
— on SQLite (batch mode) and, when TEST_DATABASE_URL points at it, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from partnercrm import create_app
from partnercrm.extensions import db


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def upgrade_and_compare(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        assert schema_differences(db.engine) == []
        # Downgrading to nothing works too, so a bad release can be rolled back.
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path):
    upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.fixture
def empty_postgres_database():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL; .ci/run does)")
    name = f"partnercrm_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_match_models_on_postgresql(empty_postgres_database):
    upgrade_and_compare(empty_postgres_database)


def reminders_across_0012(url: str) -> None:
    """0012: a reminder of an agreement becomes one row per party; downgrading keeps one row
    per agreement, lead time and end date."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    now = datetime(2021, 10, 1, 6)
    with app.app_context():
        upgrade(revision="0011")
        with db.engine.begin() as connection:
            run = connection.execute
            run(sa.text("INSERT INTO municipality VALUES (1, 'Город', 'Городской округ', 'ГО')"))
            run(
                sa.text(
                    "INSERT INTO organization (id, kind, code, name, municipality_id,"
                    " created_at, updated_at)"
                    " VALUES (:id, 'school', :code, :code, 1, :now, :now)"
                ),
                [{"id": number, "code": f"S{number}", "now": now} for number in (1, 2, 3)],
            )
            run(
                sa.text(
                    "INSERT INTO agreement (id, number, subject, sequence, created_at,"
                    " updated_at) VALUES (:id, :number, 'x', 0, :now, :now)"
                ),
                [{"id": id_, "number": f"N{id_}", "now": now} for id_ in (1, 2)],
            )
            run(
                sa.text(
                    "INSERT INTO agreement_party (agreement_id, organization_id)"
                    " VALUES (:agreement, :party)"
                ),
                [
                    {"agreement": agreement, "party": party}
                    for agreement, parties in ((1, (1, 2)), (2, (1, 2, 3)))
                    for party in parties
                ],
            )
            run(
                sa.text(
                    "INSERT INTO agreement_reminder (agreement_id, days_before, valid_to,"
                    " sent_at) VALUES (:agreement, :days, :valid_to, :now)"
                ),
                [
                    {
                        "agreement": agreement,
                        "days": days,
                        "valid_to": date(2021, 12, 31),
                        "now": now,
                    }
                    for agreement, days in ((1, 60), (2, 60), (2, 14))
                ],
            )

        upgrade(revision="0012")
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT agreement_id, days_before, organization_id FROM agreement_reminder"
                    " ORDER BY agreement_id, days_before, organization_id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, 60, 1),
            (1, 60, 2),
            (2, 14, 1),
            (2, 14, 2),
            (2, 14, 3),
            (2, 60, 1),
            (2, 60, 2),
            (2, 60, 3),
        ]

        downgrade(revision="0011")
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT agreement_id, days_before FROM agreement_reminder"
                    " ORDER BY agreement_id, days_before"
                )
            ).all()
        assert [tuple(row) for row in rows] == [(1, 60), (2, 14), (2, 60)]
        downgrade(revision="base")
        db.engine.dispose()


def test_reminders_become_one_per_party_on_sqlite(tmp_path):
    reminders_across_0012(f"sqlite:///{tmp_path / 'reminders.sqlite3'}")


def test_reminders_become_one_per_party_on_postgresql(empty_postgres_database):
    reminders_across_0012(empty_postgres_database)
