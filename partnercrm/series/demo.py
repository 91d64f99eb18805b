"""The demo's weekly series: «Россия — мои горизонты» on Thursdays for the grades 6–9 of the
demo school, over the demo's school year 2025/26 with its holidays skipped; the sessions that
have taken place are held, with a few absentees each (the same ones on every run).

Idempotent: the series is found again by its school and title.
"""

from __future__ import annotations

import random
from datetime import date, time

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.activities.roster import school_classes
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.jobs.holidays import seed_school_holidays
from partnercrm.series import services
from partnercrm.series.models import ActivitySeries
from partnercrm.series.queries import attendance_list

TITLE = "Россия — мои горизонты"
SCHOOL = "school-kgd-49"
GRADES = range(6, 10)


def load_demo_series(school_year: int) -> dict[str, int]:
    """The series of the school year starting in ``school_year``; the caller commits."""
    school = db.session.scalar(sa.select(Organization).where(Organization.code == SCHOOL))
    if school is None or db.session.scalar(
        sa.select(ActivitySeries.id).where(
            ActivitySeries.school_id == school.id, ActivitySeries.title == TITLE
        )
    ):
        return {"weekly series": 0}
    seed_school_holidays(f"{school_year}/{school_year + 1}")
    author = db.session.scalar(sa.select(User).where(User.organization_id == school.id))
    data = services.SeriesData(
        title=TITLE,
        host=school,
        starts_at=time(8, 30),
        length_minutes=45,
        location="Актовый зал",
        kind=ActivityKind.CAREER_EVENT,
        weekday=4,
        first_date=date(school_year, 9, 1),
        last_date=date(school_year + 1, 5, 21),
        classes=[(grade, letter) for grade, letter in school_classes(school.id) if grade in GRADES],
    )
    series, _schedule = services.create_series(school, data, author)
    rnd = random.Random(f"partnercrm-demo-series-{school_year}")
    now = utcnow()
    for session in db.session.scalars(services.sessions_query(series)).all():
        if session.starts_at > now:
            break
        students, _present = attendance_list(db.session, series, session)
        listed = {student.id for student in students}
        absent = set(rnd.sample(sorted(listed), k=min(len(listed), rnd.randint(1, 4))))
        services.set_absent(series, session, listed, absent)
        services.set_session_status(series, session, ActivityStatus.HELD)
    return {"weekly series": 1}
