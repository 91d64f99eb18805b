"""The feeds benchmark (bench/feeds.py) at a tiny scale: its data generator runs and the
school's feed holds exactly its events, answering 304 to its ETag, among other schools'
activities, bookings, agreements and deleted records. Not a timing test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from partnercrm.accounts.models import User
from partnercrm.directory.services import seed_municipalities
from partnercrm.extensions import db
from partnercrm.feeds.events import private_feed_url

BENCH = Path(__file__).resolve().parent.parent / "bench" / "feeds.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_feeds", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_the_benchmark_feed_holds_the_school_events(bench, client):
    seed_municipalities()
    user_id = bench.generate(db.session.connection(), events=40, others=200, seed=7)
    db.session.commit()

    body, etag = bench.fetch(client, private_feed_url(db.session.get(User, user_id)), 40)

    assert body.startswith(b"BEGIN:VCALENDAR") and etag
