"""The Alembic migrations build, from an empty database, exactly the schema the models declare
— on SQLite (batch mode) and, when TEST_DATABASE_URL points at it, on PostgreSQL.

Alembic's ``compare_metadata`` sees tables, columns, types, indexes and foreign keys, but not
CHECK constraints — so not the allowed values of an enum column either (a ``str_enum`` is a
VARCHAR with a CHECK). :func:`check_constraint_differences` compares those: every CHECK the
migrations made, by name and meaning, with the models' metadata.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from partnercrm.app import create_app
from partnercrm.extensions import db


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


# --- CHECK constraints ---

_STRING = r"'(?:[^']|'')*'"
# PostgreSQL writes casts into what it returns: 'a'::character varying, kind::text, 0::numeric.
_CAST = re.compile(r"::\s*(?:character varying|double precision|[a-z_]+)(?:\s*\[\s*\])?")
_OPERAND_IN_PARENTHESES = re.compile(rf"\(([\w.\"]+|{_STRING}|array\[[^\[\]]*\])\)")
_BETWEEN = re.compile(r"([\w.\"]+) between (\S+) and (\S+)")
# An enum's CHECK: ``kind IN ('a', 'b')``, which PostgreSQL returns as
# ``kind = ANY (ARRAY['a', 'b'])``.
_IN_LIST = re.compile(rf"^(\w+) in \(?((?:{_STRING})(?:, {_STRING})*)\)?$")
_ANY_ARRAY = re.compile(rf"^(\w+) = any \(?array\[((?:{_STRING})(?:, {_STRING})*)\]\)?$")


def check_meaning(sql: str, table: str) -> str:
    """A CHECK's SQL in a form both dialects share: no casts or table prefixes, BETWEEN
    spelled out, one outer pair of parentheses off, and an enum's list of values sorted."""
    text = " ".join(sql.split())
    text = _CAST.sub("", text)
    text = re.sub(rf'(?<![\w."])"?{re.escape(table)}"?\.', "", text)
    # Lower-case outside the string literals (the values are case-sensitive).
    text = "".join(
        part if part.startswith("'") else part.lower() for part in re.split(rf"({_STRING})", text)
    )
    text = _BETWEEN.sub(r"\1 >= \2 and \1 <= \3", text)
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    # Parentheses around one operand (a column, a literal, an array) mean nothing.
    while (simpler := _OPERAND_IN_PARENTHESES.sub(r"\1", text)) != text:
        text = simpler
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    enum = _IN_LIST.match(text) or _ANY_ARRAY.match(text)
    if enum:
        values = sorted(re.findall(_STRING, enum.group(2)))
        return f"{enum.group(1)} in ({', '.join(values)})"
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(_STRING, "''", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def model_check_constraints(dialect) -> dict[tuple[str, str], str]:
    """(table, constraint name) → meaning, of every CHECK of the models (the enums' too)."""
    result = {}
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if not isinstance(constraint, sa.CheckConstraint):
                continue
            assert isinstance(constraint.name, str), f"an unnamed CHECK on {table.name}"
            sql = str(
                constraint.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            )
            result[table.name, str(constraint.name)] = check_meaning(sql, table.name)
    return result


def database_check_constraints(engine) -> dict[tuple[str, str], str]:
    """(table, constraint name) → meaning, of every CHECK in the database."""
    inspector = sa.inspect(engine)
    result = {}
    for table in inspector.get_table_names():
        for constraint in inspector.get_check_constraints(table):
            result[table, constraint["name"]] = check_meaning(constraint["sqltext"], table)
    return result


def check_constraint_differences(engine) -> list[str]:
    """What the database's CHECK constraints lack or have more than the models', readable."""
    models = model_check_constraints(engine.dialect)
    database = database_check_constraints(engine)
    differences = []
    for key in sorted(models.keys() | database.keys(), key=lambda k: (k[0], k[1] or "")):
        table, name = key
        if key not in database:
            differences.append(f"{table}.{name}: in the models, not in the migrations")
        elif key not in models:
            differences.append(f"{table}.{name}: made by the migrations, not in the models")
        elif models[key] != database[key]:
            differences.append(
                f"{table}.{name}: the models say {models[key]!r}, "
                f"the migrations made {database[key]!r}"
            )
    return differences


def test_check_meaning_reads_both_dialects_alike():
    sqlite = "kind IN ('school', 'college')"
    postgres = (
        "((kind)::text = ANY ((ARRAY['college'::character varying, "
        "'school'::character varying])::text[]))"
    )
    assert check_meaning(sqlite, "organization") == check_meaning(postgres, "organization")
    assert check_meaning("organization.kind IN ('school')", "organization") == (
        "kind in ('school')"
    )
    assert check_meaning("\"user\".role IN ('admin')", "user") == "role in ('admin')"
    assert check_meaning("grade IS NULL OR grade BETWEEN 1 AND 11", "booking") == (
        check_meaning("grade IS NULL OR grade >= 1 AND grade <= 11", "booking")
    )
    assert check_meaning("hours_per_day > 0::numeric", "holiday_job") == "hours_per_day > 0"
    # A new member is a difference; so is a value whose case changed.
    assert check_meaning("kind IN ('a', 'b')", "t") != check_meaning("kind IN ('a')", "t")
    assert check_meaning("kind IN ('A')", "t") != check_meaning("kind IN ('a')", "t")
    # Parentheses that mean something stay.
    assert check_meaning("(a = 'x') = (b IS NOT NULL)", "t") == "(a = 'x') = (b is not null)"


# --- upgrade, compare, downgrade ---


def upgrade_and_compare(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        assert schema_differences(db.engine) == []
        assert check_constraint_differences(db.engine) == []
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


def party_numbers_across_0013(url: str) -> None:
    """0013: every party row gets its agreement's number key, unique per organization; of two
    old agreements with one number and a common party the later one's row keeps none."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    now = datetime(2021, 10, 1, 6)
    with app.app_context():
        upgrade(revision="0012")
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
                [
                    {"id": id_, "number": number, "now": now}
                    for id_, number in ((1, "12 / 2021"), (2, " 12  /  2021"), (3, "N3"))
                ],
            )
            run(
                sa.text(
                    "INSERT INTO agreement_party (agreement_id, organization_id)"
                    " VALUES (:agreement, :party)"
                ),
                [
                    {"agreement": agreement, "party": party}
                    for agreement, parties in ((1, (1, 2)), (2, (2, 3)), (3, (1, 3)))
                    for party in parties
                ],
            )

        upgrade(revision="0013")
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT agreement_id, organization_id, number_key FROM agreement_party"
                    " ORDER BY agreement_id, organization_id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, 1, "12 / 2021"),
            (1, 2, "12 / 2021"),
            (2, 2, None),  # the number agreement 1 has with party 2
            (2, 3, "12 / 2021"),
            (3, 1, "N3"),
            (3, 3, "N3"),
        ]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE agreement_party SET number_key = '12 / 2021'"
                    " WHERE agreement_id = 3 AND organization_id = 1"
                )
            )

        downgrade(revision="0012")
        columns = {
            column["name"] for column in sa.inspect(db.engine).get_columns("agreement_party")
        }
        assert "number_key" not in columns
        with db.engine.connect() as connection:
            count = connection.execute(sa.text("SELECT COUNT(*) FROM agreement_party")).scalar()
        assert count == 6
        downgrade(revision="base")
        db.engine.dispose()


def test_party_numbers_become_unique_on_sqlite(tmp_path):
    party_numbers_across_0013(f"sqlite:///{tmp_path / 'numbers.sqlite3'}")


def test_party_numbers_become_unique_on_postgresql(empty_postgres_database):
    party_numbers_across_0013(empty_postgres_database)


def _json(value):
    # SQLite hands a JSON column back as text through plain SQL, PostgreSQL parsed.
    return json.loads(value) if isinstance(value, str) else value


def roadmap_across_0017(url: str) -> None:
    """0017: the roadmap's sections, items and indicators become programme kgd-2020-2022 with
    their ids (links and entered values stay), its indicators get their rules and its items
    their kinds; numbers are unique per programme; downgrading refuses a second programme."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            run = connection.execute
            run(sa.text("INSERT INTO plan_section (id, number, title) VALUES (4, 1, 'Раздел')"))
            run(
                sa.text(
                    "INSERT INTO plan_item (id, number, section_id, title, responsible,"
                    " deadline, expected_result) VALUES (:id, :number, 4, 't', 'r', 'd', 'e')"
                ),
                [{"id": 10, "number": 5}, {"id": 11, "number": 7}],
            )
            run(
                sa.text(
                    "INSERT INTO indicator (id, number, goal, name, unit)"
                    " VALUES (:id, :number, 'g', 'n', 'u')"
                ),
                [{"id": 3, "number": 2}, {"id": 4, "number": 5}, {"id": 5, "number": 9}],
            )
            run(
                sa.text(
                    "INSERT INTO indicator_value (indicator_id, year, value, updated_at)"
                    " VALUES (4, 2021, 1500, :now)"
                ),
                {"now": datetime(2021, 12, 1)},
            )

        upgrade(revision="0017")
        with db.engine.connect() as connection:
            run = connection.execute
            programme = run(sa.text("SELECT id, code, valid_from, valid_to FROM programme")).one()
            assert programme[1] == "kgd-2020-2022"
            # SQLite hands dates back as text through plain SQL.
            assert [str(day) for day in programme[2:]] == ["2020-01-01", "2022-12-31"]
            for table, ids in (
                ("plan_section", [4]),
                ("plan_item", [10, 11]),
                ("indicator", [3, 4, 5]),
            ):
                id_, programme_id = sa.column("id"), sa.column("programme_id")
                rows = run(
                    sa.select(id_, programme_id).select_from(sa.table(table)).order_by(id_)
                ).all()
                assert [tuple(row) for row in rows] == [(id_, programme[0]) for id_ in ids]
            rules = {
                number: _json(rule)
                for number, rule in run(sa.text("SELECT number, rule FROM indicator")).all()
            }
            assert rules == {
                2: {
                    "count": "students",
                    "host_kinds": ["college", "university", "employer", "employment_center"],
                },
                5: {"count": "manual", "type": "number"},
                9: {"count": "manual", "type": "number"},
            }
            kinds = {
                number: _json(value)
                for number, value in run(sa.text("SELECT number, activity_kinds FROM plan_item"))
            }
            assert kinds == {5: ["excursion"], 7: None}
            assert run(sa.text("SELECT indicator_id FROM indicator_value")).scalar() == 4

        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO programme (id, code, title, valid_from, valid_to)"
                    " VALUES (99, 'next', 'Следующая', :start, :end)"
                ),
                {"start": date(2023, 1, 1), "end": date(2025, 12, 31)},
            )
            # Numbers repeat across programmes, never within one.
            connection.execute(
                sa.text(
                    "INSERT INTO plan_section (programme_id, number, title) VALUES (99, 1, 'x')"
                )
            )
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO plan_section (programme_id, number, title) VALUES (99, 1, 'y')"
                )
            )

        with pytest.raises(SystemExit):
            downgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM plan_section WHERE programme_id = 99"))
            connection.execute(sa.text("DELETE FROM programme WHERE id = 99"))
        downgrade(revision="0013")
        assert "programme" not in sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, number FROM indicator ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(3, 2), (4, 5), (5, 9)]
        downgrade(revision="base")
        db.engine.dispose()


def test_roadmap_becomes_a_programme_on_sqlite(tmp_path):
    roadmap_across_0017(f"sqlite:///{tmp_path / 'programmes.sqlite3'}")


def test_roadmap_becomes_a_programme_on_postgresql(empty_postgres_database):
    roadmap_across_0017(empty_postgres_database)


def hours_across_0018(url: str) -> None:
    """0018: existing activities get the default профминимум hours of their duration (parent
    meetings none); downgrading drops them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as connection:
            run = connection.execute
            run(sa.text("INSERT INTO municipality VALUES (1, 'Город', 'Городской округ', 'ГО')"))
            run(
                sa.text(
                    "INSERT INTO organization (id, kind, code, name, municipality_id,"
                    " created_at, updated_at) VALUES (1, 'school', 's', 's', 1, :now, :now)"
                ),
                {"now": datetime(2021, 1, 1)},
            )
            run(
                sa.text(
                    "INSERT INTO activity (id, kind, title, starts_at, ends_at, all_day,"
                    " starts_on, ends_on, host_id, organizer_id, status, public, sequence,"
                    " created_at, updated_at) VALUES (:id, :kind, 't', :starts_at, :ends_at,"
                    " :all_day, :starts_on, :ends_on, 1, 1, 'held', false, 0, :now, :now)"
                ),
                [
                    # 2 h 30 min rounds half up to 3.
                    {**timed, "id": 1, "kind": "excursion", "ends_at": datetime(2021, 3, 1, 9, 30)},
                    # 1 h 29 min rounds to 1; no end is 1; under half an hour is still 1.
                    {**timed, "id": 2, "kind": "open_day", "ends_at": datetime(2021, 3, 1, 8, 29)},
                    {**timed, "id": 3, "kind": "career_event", "ends_at": None},
                    {**timed, "id": 4, "kind": "profproba", "ends_at": datetime(2021, 3, 1, 7, 10)},
                    {**timed, "id": 5, "kind": "parent_meeting", "ends_at": None},
                    # A 21-day camp shift: 6 a day would be 126, at most 100.
                    {**days, "id": 6, "ends_on": date(2021, 6, 21)},
                    {**days, "id": 7, "ends_on": date(2021, 6, 2)},
                ],
            )
        upgrade(revision="0018")
        with db.engine.connect() as connection:
            hours = dict(connection.execute(sa.text("SELECT id, hours FROM activity")).all())
        assert {key: None if value is None else float(value) for key, value in hours.items()} == {
            1: 3.0,
            2: 1.0,
            3: 1.0,
            4: 1.0,
            5: None,
            6: 100.0,
            7: 12.0,
        }
        downgrade(revision="0017")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("activity")}
        assert "hours" not in columns
        assert "profminimum_level" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


timed = {
    "starts_at": datetime(2021, 3, 1, 7),
    "all_day": False,
    "starts_on": date(2021, 3, 1),
    "ends_on": None,
    "now": datetime(2021, 1, 1),
}
days = {
    "kind": "camp_shift",
    "starts_at": datetime(2021, 5, 31, 22),
    "ends_at": None,
    "all_day": True,
    "starts_on": date(2021, 6, 1),
    "now": datetime(2021, 1, 1),
}


def test_activities_get_their_default_hours_on_sqlite(tmp_path):
    hours_across_0018(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_activities_get_their_default_hours_on_postgresql(empty_postgres_database):
    hours_across_0018(empty_postgres_database)


def insert_counted_rows(connection: sa.Connection, now: datetime) -> None:
    """A school with one grade-8 student at three held excursions its school hosted (31 August
    2024, 1 September 2024, 31 August 2025) and a headcount of 10 at a fourth (October 2024)."""
    run = connection.execute
    run(sa.text("INSERT INTO municipality VALUES (1, 'Город', 'Городской округ', 'ГО')"))
    run(
        sa.text(
            "INSERT INTO organization (id, kind, code, name, municipality_id,"
            " created_at, updated_at) VALUES (1, 'school', 's', 's', 1, :now, :now)"
        ),
        {"now": now},
    )
    run(
        sa.text(
            "INSERT INTO student (id, school_id, local_id, full_name, grade, ovz,"
            " created_at, updated_at) VALUES (1, 1, '1', 'Иванов', 8, false, :now, :now)"
        ),
        {"now": now},
    )
    run(
        sa.text(
            "INSERT INTO activity (id, kind, title, starts_at, all_day, starts_on,"
            " host_id, organizer_id, status, public, sequence, hours, created_at,"
            " updated_at) VALUES (:id, 'excursion', 't', :now, false, :starts_on,"
            " 1, 1, 'held', false, 0, :hours, :now, :now)"
        ),
        [
            # 31 August and 1 September: two school years.
            {"id": 1, "starts_on": date(2024, 8, 31), "hours": 1.5, "now": now},
            {"id": 2, "starts_on": date(2024, 9, 1), "hours": 2.0, "now": now},
            {"id": 3, "starts_on": date(2025, 8, 31), "hours": 3.0, "now": now},
            {"id": 4, "starts_on": date(2024, 10, 1), "hours": 4.0, "now": now},
        ],
    )
    run(
        sa.text(
            "INSERT INTO participation (id, activity_id, student_id, created_at)"
            " VALUES (:id, :id, 1, :now)"
        ),
        [{"id": id, "now": now} for id in (1, 2, 3)],
    )
    run(
        sa.text(
            "INSERT INTO headcount (id, activity_id, school_id, grade, count, ovz_count)"
            " VALUES (1, 4, 1, 0, 10, 0)"
        )
    )


def hours_counters_across_0022(url: str) -> None:
    """0022 builds the профминимум hours counters of the rows already there; downgrading drops
    them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    now = datetime(2025, 1, 1)
    with app.app_context():
        upgrade(revision="0021")
        with db.engine.begin() as connection:
            insert_counted_rows(connection, now)
        upgrade(revision="0022")
        with db.engine.connect() as connection:
            student = connection.execute(
                sa.text("SELECT school_year, hours FROM profminimum_student_hours")
            ).all()
            school = connection.execute(
                sa.text("SELECT school_id, school_year, hours FROM profminimum_headcount_hours")
            ).all()
        assert sorted((year, Decimal(str(hours))) for year, hours in student) == [
            (2023, Decimal("1.5")),
            (2024, Decimal(5)),
        ]
        assert [(key, year, Decimal(str(hours))) for key, year, hours in school] == [
            (1, 2024, Decimal(40))
        ]
        downgrade(revision="0021")
        assert "profminimum_student_hours" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_hours_counters_are_built_on_sqlite(tmp_path):
    hours_counters_across_0022(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_hours_counters_are_built_on_postgresql(empty_postgres_database):
    hours_counters_across_0022(empty_postgres_database)


def indicator_counters_across_0021(url: str) -> None:
    """0021 builds the indicator counters of the rows already there; downgrading drops them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    now = datetime(2025, 1, 1)
    with app.app_context():
        upgrade(revision="0020")
        with db.engine.begin() as connection:
            insert_counted_rows(connection, now)
            connection.execute(
                sa.text(
                    "INSERT INTO programme (id, code, title, valid_from, valid_to)"
                    " VALUES (1, 'p', 'p', '2020-01-01', '2030-12-31')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO indicator (id, programme_id, number, goal, name, unit, rule)"
                    " VALUES (7, 1, 1, 'g', 'n', 'u', :rule)"
                ),
                {"rule": '{"count": "students", "host_kinds": ["school"]}'},
            )
        upgrade(revision="0021")
        with db.engine.connect() as connection:
            months = connection.execute(
                sa.text("SELECT indicator_id, student_id, month FROM indicator_student_month")
            ).all()
            years = connection.execute(
                sa.text("SELECT year, students FROM indicator_school_year")
            ).all()
            heads = connection.execute(
                sa.text("SELECT month, grade, amount FROM indicator_headcount_month")
            ).all()
        assert sorted(tuple(row) for row in months) == [
            (7, 1, 202408),
            (7, 1, 202409),
            (7, 1, 202508),
        ]
        assert sorted(tuple(row) for row in years) == [(2024, 1), (2025, 1)]
        assert [tuple(row) for row in heads] == [(202410, 0, 10)]
        downgrade(revision="0020")
        assert "indicator_student_month" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_indicator_counters_are_built_on_sqlite(tmp_path):
    indicator_counters_across_0021(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_indicator_counters_are_built_on_postgresql(empty_postgres_database):
    indicator_counters_across_0021(empty_postgres_database)


def participant_counters_across_0023(url: str) -> None:
    """0023 builds the dashboards' participant counters of the rows already there (each year
    from its first day, the region as 0; a headcount once though its host and organizer are
    both of the municipality); downgrading drops them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    now = datetime(2025, 1, 1)
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as connection:
            insert_counted_rows(connection, now)
        upgrade(revision="0023")
        with db.engine.connect() as connection:
            years = connection.execute(
                sa.text(
                    "SELECT student_id, school_year, year, municipality_id, first_on"
                    " FROM participant_year"
                )
            ).all()
            days = connection.execute(
                sa.text("SELECT school_id, municipality_id, starts_on, count FROM headcount_day")
            ).all()
        first = {
            (False, 2024): date(2024, 8, 31),
            (False, 2025): date(2025, 8, 31),
            (True, 2023): date(2024, 8, 31),
            (True, 2024): date(2024, 9, 1),
        }
        assert sorted(
            (student, bool(school_year), year, scope, date.fromisoformat(str(day)))
            for student, school_year, year, scope, day in years
        ) == sorted(
            (1, school_year, year, scope, day)
            for (school_year, year), day in first.items()
            for scope in (0, 1)
        )
        assert sorted(
            (school, scope, date.fromisoformat(str(day)), count)
            for school, scope, day, count in days
        ) == [(1, 0, date(2024, 10, 1), 10), (1, 1, date(2024, 10, 1), 10)]
        downgrade(revision="0022")
        assert "participant_year" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_participant_counters_are_built_on_sqlite(tmp_path):
    participant_counters_across_0023(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_participant_counters_are_built_on_postgresql(empty_postgres_database):
    participant_counters_across_0023(empty_postgres_database)
