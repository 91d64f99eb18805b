"""Benchmark: a 5,000-event private calendar feed (DESIGN §5: "rendered in well under a
second and answered 304 in a few milliseconds").

Generates one school whose work involves ``--events`` activities (organized by it, or visited
by it; timed and all-day camp shifts, some cancelled, Cyrillic titles with separators) among
``--others`` activities of other schools — and, for Last-Modified to look up among, other
schools' bookings, agreements and deleted records — in SQLite or PostgreSQL, then times through
the test client

(a) a full answer of the school user's feed (200: ETag, Last-Modified, loading the records,
    making and rendering the events), and its parts;
(b) a conditional request with the feed's ETag (304: the ETag's aggregates only).

    python bench/feeds.py --db sqlite|postgresql [--url URL] [--events 5000] [--others 15000]
                          [--repeat 5] [--seed 2026] [--keep]

Data bypass the ORM and the audit trail (Core executemany; the helpers of bench/indicators.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.indicators import (  # noqa: E402
    DEFAULT_PG_URL,
    Loader,
    _pg_drop_schema,
    _pg_schema_url,
    analyze,
    log,
)
from bench.timing import interleaved, stopwatch  # noqa: E402
from partnercrm.accounts.models import User, new_feed_secret, new_session_token  # noqa: E402
from partnercrm.activities.models import Activity, activity_school  # noqa: E402
from partnercrm.agreements.models import Agreement, AgreementParty  # noqa: E402
from partnercrm.directory.models import Municipality, Organization  # noqa: E402
from partnercrm.feeds.models import FeedChange  # noqa: E402
from partnercrm.localtime import local_date, local_today, start_of_local_day, to_utc  # noqa: E402
from partnercrm.offers.models import Booking, Offer, OfferSlot  # noqa: E402

KINDS = ("excursion", "career_event", "profproba", "open_day", "parent_meeting")
TITLES = (
    "Экскурсия на завод «Янтарь», цех №{n}",
    "Профпроба: повар; кондитер — группа {n}",
    "День открытых дверей\\колледж {n}",
    "Родительское собрание, 9 «А» класс, встреча {n}\nс представителями предприятий",
)


def generate(connection: sa.Connection, events: int, others: int, seed: int) -> int:
    """The school, its user, and the activities; returns the user's id."""
    rng = random.Random(seed)
    loader = Loader(connection, progress=False)
    municipality_id = connection.scalar(sa.select(sa.func.min(Municipality.id)))
    now = datetime.now().astimezone()
    org_columns = ("id", "kind", "code", "name", "municipality_id", "approval_state", "address")
    schools = [
        (i, "school", f"school-{i}", f"МАОУ СОШ № {i}", municipality_id, None, "ул. Школьная, 1")
        for i in range(1, 51)
    ]
    employers = [
        (i, "employer", f"emp-{i}", f"АО «Предприятие {i}»", municipality_id, "approved", None)
        for i in range(51, 151)
    ]
    camps = [(151, "camp", "camp-1", "Лагерь «Чайка»", municipality_id, None, "пос. Лесной")]
    loader.load(
        Organization.__table__,
        (*org_columns, "created_at", "updated_at"),
        [(*row, now, now) for row in schools + employers + camps],
    )
    user_id = 1
    loader.load(
        User.__table__,
        ("id", "email", "full_name", "role", "organization_id", "active", "session_token")
        + ("feed_secret", "created_at"),
        [
            (
                user_id,
                "school@bench.example",
                "Учитель",
                "school",
                1,
                True,
                new_session_token(),
                new_feed_secret(),
                now,
            )
        ],
    )
    today = local_today()
    activities, visits = [], []
    for activity_id in range(1, events + others + 1):
        ours = activity_id <= events
        school = 1 if ours else rng.randint(2, 50)
        # Other schools' activities go back two years: some have left every feed.
        day = today + timedelta(days=rng.randint(-300 if ours else -700, 90))
        camp = rng.random() < 0.03
        kind = "camp_shift" if camp else rng.choice(KINDS)
        organizer, host = school, rng.randint(51, 150)
        if kind == "parent_meeting":
            host = school
        elif camp:
            host = 151
        visiting = kind != "parent_meeting" and rng.random() < 0.5
        if visiting:
            # The school visits what its host organizes.
            organizer = host
        status = "cancelled" if rng.random() < 0.05 and (day >= today or not ours) else "planned"
        if day < today and status == "planned":
            status = "held"
        if camp:
            starts_at, ends_at, ends_on = start_of_local_day(day), None, day + timedelta(days=13)
        else:
            starts_at = to_utc(datetime.combine(day, datetime.min.time())) + timedelta(
                hours=rng.choice((9, 10, 11, 14, 15)), minutes=rng.choice((0, 15, 30))
            )
            ends_at, ends_on = starts_at + timedelta(hours=2), None
        activities.append(
            (
                activity_id,
                kind,
                rng.choice(TITLES).format(n=activity_id),
                "Описание мероприятия: что взять с собой; где встречаемся, во сколько.",
                starts_at,
                ends_at,
                camp,
                day,
                ends_on,
                None,
                host,
                organizer,
                status,
                rng.random() < 0.2,
                rng.randint(0, 3),
                now,
                now,
            )
        )
        if visiting:
            visits.append((activity_id, school))
    loader.load(
        Activity.__table__,
        (
            "id",
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "all_day",
            "starts_on",
            "ends_on",
            "location",
            "host_id",
            "organizer_id",
            "status",
            "public",
            "sequence",
            "created_at",
            "updated_at",
        ),
        activities,
    )
    loader.load(activity_school, ("activity_id", "school_id"), visits)
    generate_other_records(loader, rng, others, now, municipality_id)
    return user_id


def generate_other_records(loader: Loader, rng: random.Random, others: int, now, municipality):
    """Other schools' bookings (one per excursion slot) and agreements, and records deleted
    (``feed_change``): none in the school's feed, all read by its Last-Modified."""
    today = local_today()
    offers = [
        (i, "excursion", 51 + i % 100, municipality, "published", f"Экскурсия {i}", True, now, now)
        for i in range(1, others // 100 + 2)
    ]
    loader.load(
        Offer.__table__,
        ("id", "kind", "organization_id", "municipality_id", "status", "topic")
        + ("requires_confirmation", "created_at", "updated_at"),
        offers,
    )
    slots, bookings = [], []
    for slot_id in range(1, others // 5 + 1):
        starts_at = to_utc(datetime.combine(today, datetime.min.time())) + timedelta(
            days=rng.randint(-700, 90), hours=10
        )
        offer_id = rng.randint(1, len(offers))
        slots.append((slot_id, offer_id, starts_at, local_date(starts_at), 20, 5, 0, now))
        status = rng.choice(("requested", "confirmed", "declined", "cancelled"))
        bookings.append((slot_id, slot_id, rng.randint(2, 50), 5, status, f"bench-{slot_id}"))
    loader.load(
        OfferSlot.__table__,
        ("id", "offer_id", "starts_at", "starts_on", "capacity", "booked_seats", "sequence")
        + ("updated_at",),
        slots,
    )
    loader.load(
        Booking.__table__,
        ("id", "slot_id", "school_id", "seats", "status", "request_key", "created_at")
        + ("updated_at",),
        [(*row, now, now) for row in bookings],
    )
    agreements, parties = [], []
    for agreement_id in range(1, others // 20 + 1):
        valid_to = today + timedelta(days=rng.randint(-500, 700))
        terminated = valid_to - timedelta(days=30) if rng.random() < 0.05 else None
        signed = valid_to - timedelta(days=730)
        agreements.append(
            (agreement_id, f"{agreement_id}/Б", "Сотрудничество", signed, signed, valid_to)
            + (terminated, 0, now, now)
        )
        parties += [(agreement_id, rng.randint(2, 50)), (agreement_id, rng.randint(51, 150))]
    loader.load(
        Agreement.__table__,
        ("id", "number", "subject", "signed_on", "valid_from", "valid_to", "terminated_on")
        + ("sequence", "created_at", "updated_at"),
        agreements,
    )
    loader.load(AgreementParty.__table__, ("agreement_id", "organization_id"), parties)
    kinds = ("activity", "booking", "offer_slot", "agreement", "organization", "user")
    loader.load(
        FeedChange.__table__,
        ("id", "kind", "record_id", "changed_at"),
        [
            (i, rng.choice(kinds), others + i, now - timedelta(days=rng.randint(1, 300)))
            for i in range(1, others // 10 + 1)
        ],
    )


def fetch(client, feed_url: str, events: int) -> tuple[bytes, str]:
    """The feed holds exactly the school's events, and its ETag answers 304."""
    first = client.get(feed_url)
    count = first.data.count(b"BEGIN:VEVENT")
    assert first.status_code == 200 and count == events, (first.status_code, count)
    etag = first.headers["ETag"]
    assert client.get(feed_url, headers={"If-None-Match": etag}).status_code == 304
    return first.data, etag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="database URL (PostgreSQL: a schema of its own is used)")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--others", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    args = parser.parse_args(argv)

    os.environ.setdefault("PARTNERCRM_ENV", "development")
    from partnercrm.app import create_app
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.extensions import db
    from partnercrm.feeds import queries
    from partnercrm.feeds.events import feed_events, private_feed, private_feed_url
    from partnercrm.feeds.ical import render

    schema = None
    if args.db == "postgresql":
        schema = f"bench_feeds_{os.getpid()}"
        url = _pg_schema_url(args.url or DEFAULT_PG_URL, schema)
    elif args.url:
        url = args.url
    else:
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        path = results / "feeds.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ.setdefault("PARTNERCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="partnercrm-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "partnercrm.bench"})
    report: dict = {"db": args.db, "events": args.events, "others": args.others}
    try:
        with app.app_context():
            engine = db.engine
            log(f"database: {engine.dialect.name} {engine.dialect.server_version_info}")
            db.create_all()
            seed_municipalities()
            db.session.commit()
            with engine.begin() as connection:
                user_id = generate(connection, args.events, args.others, args.seed)
            analyze(engine)
            user = db.session.get(User, user_id)
            feed_url = private_feed_url(user)
            client = app.test_client()

            body, etag = fetch(client, feed_url, args.events)
            count = args.events

            feed = private_feed(user, queries.PRIVATE_KINDS)
            sources = feed.sources()
            made = feed_events(db.session, feed, sources)
            steps = {
                "200: whole answer": lambda: client.get(feed_url),
                "  ETag (aggregates)": lambda: queries.fingerprint(db.session, sources),
                "  Last-Modified (index lookups)": lambda: queries.last_modified(
                    db.session, sources, feed.filter, feed.scope_kinds
                ),
                "  load records, make events": lambda: feed_events(db.session, feed, sources),
                "  render iCalendar": lambda: render(feed.name, made),
                "304: If-None-Match": lambda: client.get(feed_url, headers={"If-None-Match": etag}),
            }
            log(f"timing {len(steps)} steps in {args.repeat} interleaved rounds …")
            runs = interleaved(
                {label: stopwatch(step) for label, step in steps.items()}, args.repeat
            )
            db.session.rollback()
            timings = {
                label: {
                    "median_ms": round(statistics.median(times) * 1000, 1),
                    "best_ms": round(min(times) * 1000, 1),
                }
                for label, times in runs.items()
            }
            report.update(
                feed_bytes=len(body),
                feed_events=count,
                timings=timings,
                # Other work on the machine slows every step; the best run shows it least.
                load_average=[round(load, 1) for load in os.getloadavg()],
            )
            db.session.remove()
            engine.dispose()
    finally:
        if schema and not args.keep:
            _pg_drop_schema(args.url or DEFAULT_PG_URL, schema)

    print(f"Feeds benchmark — {args.db}: {count:,} events among {args.events + args.others:,}")
    print(f"feed size: {len(body) / 1024 / 1024:.1f} MiB")
    print(f"load average while timing: {report['load_average']}")
    print(f"{'step':40} {'median':>10} {'best':>10}")
    for label, timing in report["timings"].items():
        print(f"{label:40} {timing['median_ms']:>7.1f} ms {timing['best_ms']:>7.1f} ms")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"feeds-{args.db}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"(median of {args.repeat} runs after a warm-up; also in {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
