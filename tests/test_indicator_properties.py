"""Property tests of the indicator counts on random small data sets (hypothesis).

An independent count in Python, written from DESIGN §3.2, must agree with the SQL; the
municipalities' named counts must add up to the region's. The oracle states the rules itself,
as the literals of DESIGN §3.2: it reads no kind set of the code under test, so a kind dropped
from (or added to) the code's sets fails here.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnercrm.activities.models import Activity, Headcount, Participation, activity_school
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.localtime import Period, start_of_local_day
from partnercrm.students.models import Student

YEAR = Period.year(2021)
# Hosts and organizers: every organization kind of DESIGN §2.
HOST_KINDS = list(OrganizationKind)

# --- DESIGN §3.2, as the oracle's own literals ---
# "--year 2021 = 2021-01-01 … 2021-12-31"; "an activity counts when its status is held".
PERIOD_FIRST, PERIOD_LAST = date(2021, 1, 1), date(2021, 12, 31)
COUNTED_STATUS = "held"
# "Only students of organizations of kind school are counted."
COUNTED_SCHOOL_KIND = "school"
# "Parent meetings never count (their participants are parents)" — nor for 4 and 6.
PARENT_MEETING = "parent_meeting"
# Indicator 2: the **host** is of kind employer, college, university or employment_center.
INDICATOR_2_HOST_KINDS = frozenset({"employer", "college", "university", "employment_center"})
# Indicator 6: the **organizer or host** is of kind college or university.
INDICATOR_6_KINDS = frozenset({"college", "university"})
# Indicator 3: counted profproba activities.
INDICATOR_3_ACTIVITY_KIND = "profproba"

# Where the students are: three schools, and a college whose "students" (a bad import) are
# never counted. Students 0–11 are the schools' (4 each, every third with ОВЗ), 12–13 the
# college's.
ROSTERS = [OrganizationKind.SCHOOL] * 3 + [OrganizationKind.COLLEGE]
STUDENT_ROSTER = [i % 3 for i in range(12)] + [3, 3]

activity_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(list(ActivityKind)),
        "status": st.sampled_from(list(ActivityStatus)),
        "host": st.integers(0, len(HOST_KINDS) - 1),
        "organizer": st.integers(0, len(HOST_KINDS) - 1),
        # Around the year's boundaries as well as inside it.
        "day": st.integers(-3, 368).map(lambda n: date(2021, 1, 1) + timedelta(days=n)),
        "named": st.sets(st.integers(0, len(STUDENT_ROSTER) - 1), max_size=6),
        "headcounts": st.dictionaries(
            st.integers(0, len(ROSTERS) - 1),
            st.tuples(st.integers(1, 30), st.integers(0, 3)),
            max_size=3,
        ),
    }
)


def _clear() -> None:
    for table in (Participation, Headcount):
        db.session.execute(sa.delete(table))
    db.session.execute(sa.delete(activity_school))
    db.session.execute(sa.delete(Activity))
    db.session.execute(sa.delete(Student))
    db.session.execute(sa.delete(Organization))
    db.session.flush()


def _build(activities: list[dict]):
    municipalities = db.session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
    schools = [
        Organization(
            kind=kind,
            code=f"s{i}",
            name=f"Школа {i}",
            municipality=municipalities[i % 2],
        )
        for i, kind in enumerate(ROSTERS)
    ]
    hosts = [
        Organization(
            kind=kind,
            code=f"h{i}",
            name=f"Организация {i}",
            municipality=municipalities[2],
            approval_state="approved" if kind is OrganizationKind.EMPLOYER else None,
        )
        for i, kind in enumerate(HOST_KINDS)
    ]
    students = [
        Student(
            school=schools[roster],
            local_id=str(i),
            full_name=f"Ученик {i}",
            grade=1 + i % 11,
            ovz=i % 3 == 0,
        )
        for i, roster in enumerate(STUDENT_ROSTER)
    ]
    db.session.add_all([*schools, *hosts, *students])
    db.session.flush()
    for spec in activities:
        activity = Activity(
            kind=spec["kind"],
            title="t",
            status=spec["status"],
            host=hosts[spec["host"]],
            organizer=hosts[spec["organizer"]],
            starts_at=start_of_local_day(spec["day"]),
            starts_on=spec["day"],
        )
        db.session.add(activity)
        db.session.flush()
        for index in spec["named"]:
            db.session.add(Participation(activity=activity, student=students[index]))
        for school_index, (count, ovz) in spec["headcounts"].items():
            db.session.add(
                Headcount(
                    activity=activity,
                    school=schools[school_index],
                    grade=0,
                    count=count,
                    ovz_count=min(ovz, count),
                )
            )
    db.session.flush()
    return schools, hosts, students


def expected(number: int, activities: list[dict], students: list[Student]) -> tuple[int, int]:
    """The rules of DESIGN §3.2, counted in Python from the oracle's literals."""
    named: set[int] = set()
    headcount = 0
    for spec in activities:
        if spec["status"].value != COUNTED_STATUS or not (
            PERIOD_FIRST <= spec["day"] <= PERIOD_LAST
        ):
            continue
        kind = spec["kind"].value
        host, organizer = HOST_KINDS[spec["host"]].value, HOST_KINDS[spec["organizer"]].value
        counted = {
            2: kind != PARENT_MEETING and host in INDICATOR_2_HOST_KINDS,
            3: kind == INDICATOR_3_ACTIVITY_KIND,
            4: kind != PARENT_MEETING,
            6: kind != PARENT_MEETING
            and (host in INDICATOR_6_KINDS or organizer in INDICATOR_6_KINDS),
        }[number]
        if not counted:
            continue
        # Named rows win over the headcounts of the same (activity, school).
        named_rosters = {STUDENT_ROSTER[i] for i in spec["named"]}
        named |= {
            i
            for i in spec["named"]
            if ROSTERS[STUDENT_ROSTER[i]].value == COUNTED_SCHOOL_KIND
            and (number != 4 or students[i].ovz)
        }
        for roster, (count, ovz) in spec["headcounts"].items():
            if roster in named_rosters or ROSTERS[roster].value != COUNTED_SCHOOL_KIND:
                continue
            headcount += min(ovz, count) if number == 4 else count
    return len(named), headcount


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(activities=st.lists(activity_spec, max_size=8))
def test_sql_counts_match_the_rules_and_add_up(seeded, activities):
    _clear()
    _schools, _hosts, students = _build(activities)
    results = {r.number: r for r in queries.compute(db.session, YEAR)}
    for number in (2, 3, 4, 6):
        result = results[number]
        assert (result.named, result.headcount) == expected(number, activities, students)
        assert sum(p.named for p in result.by_municipality) == result.named
        assert sum(p.headcount for p in result.by_municipality) == result.headcount
    db.session.rollback()
