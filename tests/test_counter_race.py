"""Two transactions settle the counters of the same school and month at the same moment (two
teachers adding students of one school to two excursions of March): both commit, neither
gets an error, and the counters count both students (issue #18).

Threads with their own app context and session, as tests/test_booking_race.py; file SQLite
always, PostgreSQL when ``TEST_DATABASE_URL`` is set. The school summaries of both are
recounted together — a barrier inside the recount — unless settling is one at a time (then
the first waits out the barrier's short timeout alone and the second starts after it commits).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from partnercrm.activities.models import Activity, Participation
from partnercrm.app import create_app
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import counters
from partnercrm.indicators.queries import REGION, compute
from partnercrm.localtime import Period
from partnercrm.roadmap.services import seed_roadmap
from partnercrm.students.models import Student
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import MunicipalityFactory, OrganizationFactory
from tests.test_booking_race import race_url  # noqa: F401 (the database fixture)


@pytest.fixture
def race_app(race_url):  # noqa: F811
    """An app on the race database: the roadmap, a school with two students, two held
    excursions of March 2021 to an employer."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": race_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "locmem",
        }
    )
    with app.app_context():
        db.create_all()
        seed_roadmap()
        municipality = MunicipalityFactory()
        school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=municipality)
        employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=municipality)
        for day in (10, 20):
            ActivityFactory(host=employer, organizer=school, starts_on=date(2021, 3, day))
        StudentFactory.create_batch(2, school=school)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def add_participant(app, index: int) -> str:
    """The ``index``-th student at the ``index``-th excursion, committed in its own context."""
    with app.app_context():
        student_id = db.session.scalars(sa.select(Student.id).order_by(Student.id)).all()[index]
        activity_id = db.session.scalars(sa.select(Activity.id).order_by(Activity.id)).all()[index]
        db.session.add(Participation(activity_id=activity_id, student_id=student_id))
        try:
            db.session.commit()
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            return f"error: {error.orig}"
        return "ok"


def test_settling_at_once_keeps_both_students(race_app, monkeypatch):
    together = threading.Barrier(2)
    summarize = counters._summarize

    def recount_together(*args, **kwargs):
        summarize(*args, **kwargs)
        # Settling one at a time, the other waits for this one to commit: the wait times out.
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(timeout=3)

    monkeypatch.setattr(counters, "_summarize", recount_together)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda index: add_participant(race_app, index), (0, 1)))
    assert results == ["ok", "ok"]
    with race_app.app_context():
        assert counters.differences(db.session) == []
        figures = {
            result.number: result.value for result in compute(db.session, Period.year(2021), REGION)
        }
        assert figures[2] == 2
