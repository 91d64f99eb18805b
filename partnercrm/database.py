"""Declarative base, constraint naming convention and column types shared by all models."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any, TypeAlias, cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, scoped_session

# What queries and services take: a session, or Flask-SQLAlchemy's request-scoped ``db.session``.
SessionLike: TypeAlias = Session | scoped_session[Any]

# Stable constraint names, so Alembic batch mode on SQLite and PostgreSQL agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware, in UTC. Used as a callable default, never called at import."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, returns aware UTC; rejects naive datetimes so local time never leaks in."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(enum_cls, name: str) -> sa.Enum:
    """A Python ``StrEnum`` stored as its value in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Model(DeclarativeBase):
    """The base class of every model: plain SQLAlchemy, so importing a model imports no Flask
    (the reports' commands run without it: :mod:`partnercrm.console`). Flask-SQLAlchemy's
    ``db`` is built on it and shares its registry and metadata (:mod:`partnercrm.extensions`)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def render_migration_item(type_: str, obj, autogen_context):
    """Alembic hook: write ``UTCDateTime`` as plain ``sa.DateTime()`` so migrations never
    import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_connection_setup(dbapi_connection, connection_record) -> None:
    """SQLite only: make ``lower()`` Unicode-aware, so case-insensitive search works for
    Cyrillic as it does on PostgreSQL."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def fold(text: str) -> str:
    """``text`` as :func:`folded` compares it: lower case, «ё» read as «е»."""
    return text.lower().replace("ё", "е")


def folded(expression) -> sa.ColumnElement[str]:
    """``expression`` in lower case with «ё» read as «е», in SQL, so a search for «Воробьев»
    finds «Воробьёв» (and the other way round) on SQLite and PostgreSQL alike; compare it with
    :func:`fold` of the searched text. «Ё» is replaced before ``lower()`` too, in case a
    PostgreSQL database's locale leaves it upper case."""
    return sa.func.replace(sa.func.lower(sa.func.replace(expression, "Ё", "е")), "ё", "е")


def savepoint(session: SessionLike) -> SessionTransaction:
    """``session.begin_nested()`` that nests on SQLite too; use it as a context manager.

    pysqlite (legacy transaction control, which keeps writers waiting on the busy handler; see
    docs/offers.md) opens its transaction only right before the first INSERT, UPDATE or DELETE.
    A SAVEPOINT sent before that would open a transaction of its own, and its RELEASE would
    commit it at once, before the unit of work decides. So the BEGIN is sent first; it takes no
    lock, just as pysqlite's own BEGIN before the write would not."""
    connection = session.connection()
    driver_connection = connection.connection.dbapi_connection
    if isinstance(driver_connection, sqlite3.Connection) and not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    return session.begin_nested()


def rowcount(result: sa.Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. ``Session.execute`` is typed to return a plain
    ``Result``; for these statements it is a ``CursorResult`` (SQLAlchemy advises the cast)."""
    return cast(sa.CursorResult[Any], result).rowcount
