"""The Alembic migrations build, from an empty database, exactly the schema the models declare
— on SQLite (batch mode) and, when TEST_DATABASE_URL points at it, on PostgreSQL."""

from __future__ import annotations

import os
import uuid

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
