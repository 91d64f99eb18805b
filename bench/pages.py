"""Benchmark: the main pages at region scale (DESIGN §5), on SQLite or PostgreSQL.

Builds the data set of bench/indicators.py (22 municipalities, 200 schools, 130,000 students,
20,000 activities, 1,000,000 participations at ``--scale 1``) plus what the pages need and the
generator leaves out — plan items linked to the activities by kind, agreements between schools
and employers, an admin, a coordinator of Калининград and the staff of one of its schools, and an
activity with 500 named participants of that school — and then requests the main pages through
the Flask test client, logged in as each of those users. For each page it prints the median time
of ``--repeat`` requests (after one warm-up) and the number of SQL statements one request sends.

    python bench/pages.py [--db sqlite|postgresql] [--database-url URL] [--scale 1.0]
                          [--year YEAR] [--repeat 5] [--seed 2021] [--rebuild] [--only TEXT]

The data set is built once per database and reused while the models and these options stay
the same: SQLite in ``<temp dir>/partnercrm-bench/pages-<scale>.sqlite3``, PostgreSQL in a schema
``bench_pages_<scale>`` of the given database (``--rebuild`` builds it afresh). The data cover the
year before ``--year`` (by default last year) to the year after, so this year's dashboard has
figures too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.indicators import (  # noqa: E402
    DEFAULT_PG_URL,
    KALININGRAD,
    YEARS,
    analyze,
    build_counters,
    fast_sqlite_writes,
    generate,
    log,
    years_tag,
)
from partnercrm.accounts.models import User  # noqa: E402
from partnercrm.accounts.passwords import hash_password  # noqa: E402
from partnercrm.accounts.rules import Role  # noqa: E402
from partnercrm.activities.models import (  # noqa: E402
    Activity,
    Participation,
    activity_plan_item,
)
from partnercrm.activities.rules import ActivityKind, ActivityStatus  # noqa: E402
from partnercrm.agreements.models import Agreement, AgreementKind, AgreementParty  # noqa: E402
from partnercrm.agreements.rules import CooperationKind  # noqa: E402
from partnercrm.directory.models import Municipality, Organization  # noqa: E402
from partnercrm.directory.rules import OrganizationKind  # noqa: E402
from partnercrm.extensions import db  # noqa: E402
from partnercrm.localtime import local_today, to_utc  # noqa: E402
from partnercrm.roadmap.models import PlanItem  # noqa: E402
from partnercrm.students.models import Student  # noqa: E402

# Raise when what build() adds changes, so cached data sets are rebuilt.
DATA_VERSION = 3  # 2: the counters built after the bulk load; 3: all of them
AGREEMENTS = 2_000  # at --scale 1; DESIGN §5 names no number
NAMED_AT_ONE_ACTIVITY = 500
PASSWORD = "bench-partnercrm"  # noqa: S105
USERS = {
    "admin": "admin@bench.partnercrm.test",
    "coordinator": "coordinator@bench.partnercrm.test",
    "school": "school@bench.partnercrm.test",
}
CACHE = sa.Table("bench_pages_cache", sa.MetaData(), sa.Column("fingerprint", sa.String(64)))


# --------------------------------------------------------------------------------------------
# The data set, built once and reused
# --------------------------------------------------------------------------------------------


def fingerprint(options: dict) -> str:
    """The models' tables, columns and indexes and the generator's options: a cached data set
    is reused only while all of them are unchanged."""
    tables = [
        [
            table.name,
            [f"{c.name} {c.type!r} {c.nullable}" for c in table.columns],
            sorted(f"{i.name} {[c.name for c in i.columns]}" for i in table.indexes),
        ]
        for table in db.metadata.sorted_tables
    ]
    text = json.dumps([DATA_VERSION, options, tables], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(engine: sa.Engine, wanted: str) -> bool:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(CACHE.name):
            return False
        return connection.scalar(sa.select(CACHE.c.fingerprint)) == wanted


def link_plan_items(connection: sa.Connection) -> int:
    """Each activity linked to the roadmap's items of its kind (their ``activity_kinds``),
    whatever its date: the pages are timed with many links."""
    items = connection.execute(sa.select(PlanItem.id, PlanItem.activity_kinds)).all()
    for kind in ActivityKind:
        ids = [item_id for item_id, kinds in items if kind.value in (kinds or ())]
        connection.execute(
            activity_plan_item.insert().from_select(
                ["activity_id", "plan_item_id"],
                sa.select(Activity.id, PlanItem.id)
                .join(PlanItem, PlanItem.id.in_(ids))
                .where(Activity.kind == kind),
            )
        )
    return connection.scalar(sa.select(sa.func.count()).select_from(activity_plan_item))


def add_agreements(connection: sa.Connection, count: int, year: int, seed: int) -> int:
    """Agreements between a school and an employer, signed over the three years before
    ``year`` + 1, valid three years, with one or two kinds of cooperation."""
    rng = random.Random(seed)
    schools = list(
        connection.scalars(
            sa.select(Organization.id).where(Organization.kind == OrganizationKind.SCHOOL)
        )
    )
    employers = list(
        connection.scalars(
            sa.select(Organization.id).where(Organization.kind == OrganizationKind.EMPLOYER)
        )
    )
    first = (connection.scalar(sa.select(sa.func.max(Agreement.id))) or 0) + 1
    now = datetime(year + 1, 1, 15, 9, 0, tzinfo=UTC)
    agreements, parties, kinds = [], [], []
    for agreement_id in range(first, first + count):
        signed = date(year - 2, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        agreements.append(
            {
                "id": agreement_id,
                "number": f"ДС-{agreement_id}",
                "subject": f"Профориентация, договор {agreement_id}",
                "signed_on": signed,
                "valid_from": signed,
                "valid_to": signed + timedelta(days=3 * 365),
                "sequence": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        for organization in (rng.choice(schools), rng.choice(employers)):
            parties.append({"agreement_id": agreement_id, "organization_id": organization})
        for kind in rng.sample(list(CooperationKind), rng.choice((1, 2))):
            kinds.append({"agreement_id": agreement_id, "kind": kind})
    connection.execute(Agreement.__table__.insert(), agreements)
    connection.execute(AgreementParty.__table__.insert(), parties)
    connection.execute(AgreementKind.__table__.insert(), kinds)
    return count


def add_users_and_big_activity(year: int) -> dict:
    """The three users, and a held excursion of the school user's school with up to 500 of its
    students named (the school with the most students in Калининград). ORM writes: few rows."""
    session = db.session
    kgd = session.scalar(sa.select(Municipality).where(Municipality.name == KALININGRAD))
    size = sa.func.count(Student.id)
    school = session.scalars(
        sa.select(Organization)
        .join(Student, Student.school_id == Organization.id)
        .where(Organization.municipality_id == kgd.id)
        .group_by(Organization.id)
        .order_by(size.desc(), Organization.id)
        .limit(1)
    ).one()
    employer = session.scalars(
        sa.select(Organization)
        .where(Organization.kind == OrganizationKind.EMPLOYER)
        .order_by(Organization.id)
        .limit(1)
    ).one()
    password_hash = hash_password(PASSWORD)
    for key, role, values in (
        ("admin", Role.ADMIN, {}),
        ("coordinator", Role.COORDINATOR, {"municipality": kgd}),
        ("school", Role.SCHOOL, {"organization": school}),
    ):
        session.add(
            User(
                email=USERS[key],
                full_name=f"Bench {key}",
                role=role,
                password_hash=password_hash,
                **values,
            )
        )
    activity = Activity(
        kind=ActivityKind.EXCURSION,
        title="Экскурсия на 500 участников",
        host=employer,
        organizer=school,
        status=ActivityStatus.HELD,
        schools=[school],
    )
    moment = to_utc(datetime(year, 6, 15, 10, 0))
    activity.set_time(moment, moment + timedelta(hours=2))
    session.add(activity)
    session.flush()
    students = session.scalars(
        sa.select(Student.id)
        .where(Student.school_id == school.id)
        .order_by(Student.id)
        .limit(NAMED_AT_ONE_ACTIVITY)
    ).all()
    session.execute(
        Participation.__table__.insert(),
        [{"activity_id": activity.id, "student_id": sid, "created_at": moment} for sid in students],
    )
    session.commit()
    return {"activity": activity.id, "named": len(students)}


def restart_sequences(engine: sa.Engine) -> None:
    """COPY wrote the ids itself: the sequences continue after them, for the ORM's inserts."""
    with engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement is not False:
                # Table names from the models, not input.
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"  # noqa: S608
                        f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"), false)'
                    )
                )


def build(engine: sa.Engine, *, scale: float, year: int, seed: int, years: int, mark: str) -> dict:
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.roadmap.services import seed_roadmap

    started = time.perf_counter()
    db.drop_all()
    CACHE.drop(engine, checkfirst=True)
    db.create_all()
    seed_roadmap()
    seed_municipalities()
    db.session.commit()
    log("generating …")
    with engine.begin() as connection:
        counts = generate(connection, scale=scale, year=year, seed=seed, years=years).counts
        counts["activity_plan_item"] = link_plan_items(connection)
        counts["agreement"] = add_agreements(
            connection, max(20, round(AGREEMENTS * scale)), year, seed
        )
    if engine.dialect.name == "postgresql":
        restart_sequences(engine)
    # Behind the app's back, so its counters are built (then kept by the ORM writes below).
    counters_s = build_counters(db.session)
    log(f"counters built in {counters_s:.1f} s")
    big = add_users_and_big_activity(year)
    counts["participation"] += big["named"]
    analyze(engine)
    with engine.begin() as connection:
        CACHE.create(connection)
        connection.execute(CACHE.insert(), {"fingerprint": mark})
    seconds = time.perf_counter() - started
    log(f"built in {seconds:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return {"counts": counts, "seconds": round(seconds, 1), "counters_s": round(counters_s, 1)}


# --------------------------------------------------------------------------------------------
# The pages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    user: str
    path: str


def pages(year: int, kgd: int, school: int, big_activity: int) -> list[Page]:
    period = f"from={year}-01-01&to={year}-12-31"
    return [
        Page("dashboard", "admin", "/dashboard"),
        Page("dashboard", "coordinator", "/dashboard"),
        Page("dashboard", "school", "/dashboard"),
        Page("activities, first page", "admin", "/activities/"),
        Page("activities, first page", "coordinator", "/activities/"),
        Page("activities, first page", "school", "/activities/"),
        Page("activities, municipality Калининград", "admin", f"/activities/?municipality={kgd}"),
        Page("activities, kind excursion", "admin", "/activities/?kind=excursion"),
        Page(f"activities, year {year}", "admin", f"/activities/?{period}"),
        Page(
            "activities, municipality + kind + year",
            "admin",
            f"/activities/?municipality={kgd}&kind=profproba&{period}",
        ),
        Page("activity with 500 participants", "admin", f"/activities/{big_activity}"),
        Page("activity with 500 participants (names)", "school", f"/activities/{big_activity}"),
        Page(f"indicators {year}, region", "admin", f"/reports/?year={year}"),
        Page(
            f"indicators {year}, Калининград",
            "admin",
            f"/reports/?year={year}&municipality={kgd}",
        ),
        Page(f"indicators {year}, own municipality", "coordinator", f"/reports/?year={year}"),
        Page(f"indicators {year}, own school", "school", f"/reports/?year={year}"),
        Page(
            f"indicators {year}, one school",
            "admin",
            f"/reports/?year={year}&municipality={kgd}&school={school}",
        ),
        # Whole months but not a calendar year: distinct students over the month rows.
        Page(
            f"indicators Sep–Dec {year}, region",
            "admin",
            f"/reports/?from={year}-09-01&to={year}-12-31",
        ),
        Page(
            f"drill-down {year}, Калининград's schools",
            "admin",
            f"/reports/municipalities/{kgd}?year={year}",
        ),
        Page(
            f"drill-down {year}, own municipality's schools",
            "coordinator",
            f"/reports/municipalities/{kgd}?year={year}",
        ),
        Page(f"drill-down {year}, one school", "admin", f"/reports/schools/{school}?year={year}"),
        Page(f"drill-down {year}, own school", "school", f"/reports/schools/{school}?year={year}"),
        Page(f"live roadmap {year}, region", "admin", f"/reports/roadmap?year={year}"),
        Page(
            f"live roadmap {year}, own municipality", "coordinator", f"/reports/roadmap?year={year}"
        ),
        Page("agreements, first page", "admin", "/agreements/"),
        Page("agreements, first page", "coordinator", "/agreements/"),
        Page("organizations, first page", "admin", "/organizations"),
        Page(
            "organizations, schools of Калининград",
            "admin",
            f"/organizations?kind=school&municipality={kgd}",
        ),
        Page("students roster, first page", "school", "/students/"),
    ]


def measure(client, engine: sa.Engine, path: str, repeat: int) -> dict:
    """Median time of ``repeat`` GETs after a warm-up, and the statements one GET sends."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    times, counts = [], []
    for _ in range(repeat):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        sa.event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "runs_ms": [round(t * 1000, 1) for t in times],
        "queries": max(counts),
    }


def log_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} failed: {response.status_code}")
    return client


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def _scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


def _postgresql_url(url: str, schema: str) -> str:
    """``url`` with the schema as search path; the schema is created when missing."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        "--url",
        dest="url",
        help="PostgreSQL: the database in which the schema bench_pages_<scale> is kept"
        f" (default {DEFAULT_PG_URL}); SQLite: a file URL instead of the cached file",
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=local_today().year - 1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--years", type=int, default=YEARS, help="of history, ending the year after --year"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the data set afresh")
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    args = parser.parse_args(argv)
    if args.url and args.url.startswith("postgresql"):
        args.db = "postgresql"

    os.environ.setdefault("PARTNERCRM_ENV", "development")
    os.environ.setdefault("PARTNERCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="partnercrm-bench-"))
    from partnercrm.app import create_app

    if args.db == "postgresql":
        schema = f"bench_pages_{_scale_tag(args.scale)}{years_tag(args.years).replace('-', '_')}"
        url = _postgresql_url(args.url or DEFAULT_PG_URL, schema)
        where = f"{sa.make_url(args.url or DEFAULT_PG_URL).render_as_string()} schema {schema}"
    else:
        if args.url:
            url = args.url
        else:
            folder = Path(tempfile.gettempdir()) / "partnercrm-bench"
            folder.mkdir(exist_ok=True)
            url = f"sqlite:///{folder / f'pages-{args.scale:g}{years_tag(args.years)}.sqlite3'}"
        where = url
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    options = {"scale": args.scale, "year": args.year, "seed": args.seed, "years": args.years}
    report: dict = {"db": args.db, "repeat": args.repeat, **options}
    with app.app_context():
        engine = db.engine
        log(f"database: {where} ({engine.dialect.name} {engine.dialect.server_version_info})")
        mark = fingerprint(options)
        if args.rebuild or not cached(engine, mark):
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", fast_sqlite_writes)
                engine.dispose()
            report["build"] = build(engine, mark=mark, **options)
            if engine.dialect.name == "sqlite":
                sa.event.remove(engine, "connect", fast_sqlite_writes)
                engine.dispose()
        else:
            log("reusing the data set built earlier (--rebuild to build it afresh)")
        session = db.session
        report["counts"] = {
            table: session.scalar(sa.select(sa.func.count()).select_from(model))
            for table, model in (
                ("student", Student),
                ("activity", Activity),
                ("participation", Participation),
                ("agreement", Agreement),
            )
        }
        kgd = session.scalar(sa.select(Municipality.id).where(Municipality.name == KALININGRAD))
        school = session.scalar(
            sa.select(User.organization_id).where(User.email == USERS["school"])
        )
        big_activity = session.scalar(
            sa.select(Activity.id).where(Activity.title == "Экскурсия на 500 участников")
        )
        db.session.remove()

    # Requests run outside this app context: each has its own session, as in production.
    clients = {key: log_in(app, email) for key, email in USERS.items()}
    results = []
    for page in pages(args.year, kgd, school, big_activity):
        if args.only and args.only not in page.label:
            continue
        log(f"{page.label} ({page.user}) …")
        results.append(
            {**page.__dict__, **measure(clients[page.user], engine, page.path, args.repeat)}
        )
    report["pages"] = results
    report["load_average"] = [round(load, 2) for load in os.getloadavg()]
    engine.dispose()

    print(
        f"Pages benchmark — {args.db}, scale {args.scale:g}, year {args.year} of {args.years}"
        " years, load average " + " ".join(f"{load:.1f}" for load in report["load_average"])
    )
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items()))
    print(f"\n| page | user | ms (median of {args.repeat}) | SQL queries |")
    print("|---|---|---:|---:|")
    for row in results:
        print(f"| {row['label']} | {row['user']} | {row['median_ms']:.0f} | {row['queries']} |")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"pages-{args.db}-{args.scale:g}{years_tag(args.years)}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\n(also in {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
