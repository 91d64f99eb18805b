"""Property test of the профминимум counts (hypothesis): an independent count in Python, written
from DESIGN §8 with its own literals, agrees with the SQL on random small data — per student,
per school, per municipality, per class. Runs on PostgreSQL too under TEST_DATABASE_URL."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.queries import REGION, By, Scope, class_hours, summaries
from partnercrm.profminimum.rules import Level
from partnercrm.students.models import Student

YEAR = 2025
# --- DESIGN §8, as the oracle's own literals ---
FIRST_DAY, LAST_DAY = date(2025, 9, 1), date(2026, 8, 31)  # local dates
TARGETS = {"basic": 40, "main": 60, "advanced": 80}  # no level: basic
GRADES = range(6, 12)


def band(hours: Decimal) -> str:
    if hours == 0:
        return "0"
    if hours < 40:
        return "1-39"
    if hours < 60:
        return "40-59"
    return "60-79" if hours < 80 else "80+"


# Three schools in two municipalities and a college (never counted); students spread over them.
ROSTERS = [OrganizationKind.SCHOOL] * 3 + [OrganizationKind.COLLEGE]
ROSTER_MUNICIPALITY = [0, 0, 1, 0]

student_spec = st.fixed_dictionaries(
    {
        "roster": st.integers(0, len(ROSTERS) - 1),
        "grade": st.integers(4, 11),
        "letter": st.sampled_from(["А", "Б", None]),
        "archived": st.booleans(),
    }
)
activity_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([ActivityKind.EXCURSION, ActivityKind.PARENT_MEETING]),
        "status": st.sampled_from(list(ActivityStatus)),
        # Around both ends of the school year, at times whose UTC date may differ.
        "day": st.sampled_from([date(2025, 8, 31), date(2025, 9, 1), date(2026, 8, 31)])
        | st.integers(0, 364).map(lambda n: date(2025, 9, 1) + timedelta(days=n)),
        "minute": st.sampled_from([30, 23 * 60 + 30, 10 * 60]),
        # The bands' edges as well as quarters of an hour up to 50.
        "hours": st.sampled_from([Decimal(v) for v in ("0.5", "20", "39.75", "40", "60", "80")])
        | st.integers(1, 200).map(lambda n: Decimal(n) / 4),
        "named": st.sets(st.integers(0, 15), max_size=8),
        "headcount": st.one_of(
            st.none(), st.tuples(st.integers(0, 3), st.integers(0, 11), st.integers(0, 20))
        ),
    }
)
levels_spec = st.dictionaries(
    st.tuples(st.integers(0, 2), st.sampled_from([2024, 2025, 2026])),
    st.sampled_from(list(Level)),
    max_size=6,
)


def _clear() -> None:
    for model in (Participation, Headcount, Activity, ProfminimumLevel, Student, Organization):
        db.session.execute(sa.delete(model))
    db.session.flush()


def _build(students: list[dict], activities: list[dict], levels: dict):
    municipalities = db.session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
    rosters = [
        Organization(
            kind=kind,
            code=f"r{i}",
            name=f"Школа {i}",
            municipality=municipalities[ROSTER_MUNICIPALITY[i]],
        )
        for i, kind in enumerate(ROSTERS)
    ]
    host = Organization(
        kind=OrganizationKind.COLLEGE, code="host", name="Хост", municipality=municipalities[2]
    )
    people = [
        Student(
            school=rosters[spec["roster"]],
            local_id=str(i),
            full_name=f"Ученик {i:02d}",
            grade=spec["grade"],
            class_letter=spec["letter"],
            archived_at=utcnow() if spec["archived"] else None,
        )
        for i, spec in enumerate(students)
    ]
    db.session.add_all([*rosters, host, *people])
    db.session.flush()
    for (school, year), level in levels.items():
        db.session.add(ProfminimumLevel(school=rosters[school], school_year=year, level=level))
    for spec in activities:
        local = datetime.combine(spec["day"], datetime.min.time()) + timedelta(
            minutes=spec["minute"]
        )
        activity = Activity(
            kind=spec["kind"],
            title="t",
            status=spec["status"],
            host=host,
            organizer=host,
            hours=None if spec["kind"] is ActivityKind.PARENT_MEETING else spec["hours"],
        )
        activity.set_time(to_utc(local))
        db.session.add(activity)
        db.session.flush()
        for index in spec["named"]:
            if index < len(people):
                db.session.add(Participation(activity=activity, student=people[index]))
        if spec["headcount"] is not None:
            roster, grade, count = spec["headcount"]
            db.session.add(
                Headcount(activity=activity, school=rosters[roster], grade=grade, count=count)
            )
    db.session.flush()
    return rosters, municipalities


def oracle(students: list[dict], activities: list[dict], levels: dict):
    """Per student (index → hours, target) of those counted, and headcount hours per roster."""
    hours = {i: Decimal(0) for i in range(len(students))}
    unnamed = Counter()
    for spec in activities:
        if spec["status"].value != "held" or spec["kind"].value == "parent_meeting":
            continue
        if not FIRST_DAY <= spec["day"] <= LAST_DAY:
            continue
        named = {i for i in spec["named"] if i < len(students)}
        for i in named:
            hours[i] += spec["hours"]
        if spec["headcount"] is not None:
            roster, grade, count = spec["headcount"]
            named_rosters = {students[i]["roster"] for i in named}
            school = ROSTERS[roster].value == "school"
            if school and (grade == 0 or grade in GRADES) and roster not in named_rosters:
                unnamed[roster] += count * spec["hours"]
    counted = {}
    for i, spec in enumerate(students):
        if ROSTERS[spec["roster"]].value != "school" or spec["archived"]:
            continue
        if spec["grade"] not in GRADES:
            continue
        level = levels.get((spec["roster"], YEAR))
        counted[i] = (hours[i], TARGETS[level.value if level else "basic"])
    return counted, unnamed


def _tally(students, counted, keep) -> tuple[int, int, dict]:
    chosen = [value for i, value in counted.items() if keep(students[i])]
    bands = Counter(band(hours) for hours, _target in chosen)
    return (
        len(chosen),
        sum(1 for hours, target in chosen if hours >= target),
        {name: bands.get(name, 0) for name in ("0", "1-39", "40-59", "60-79", "80+")},
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    students=st.lists(student_spec, min_size=1, max_size=16),
    activities=st.lists(activity_spec, max_size=8),
    levels=levels_spec,
)
def test_sql_matches_an_independent_count(seeded, students, activities, levels):
    _clear()
    rosters, municipalities = _build(students, activities, levels)
    counted, unnamed = oracle(students, activities, levels)

    by_municipality = {
        part.key: part for part in summaries(db.session, YEAR, REGION, By.MUNICIPALITY)
    }
    for index in (0, 1):
        part = by_municipality[municipalities[index].id]
        expected = _tally(
            students, counted, lambda s, m=index: ROSTER_MUNICIPALITY[s["roster"]] == m
        )
        assert (part.students, part.reached, part.bands) == expected
        # The municipality's page by school sums to the same.
        schools = summaries(db.session, YEAR, Scope(municipalities[index].id), By.SCHOOL)
        assert (sum(s.students for s in schools), sum(s.reached for s in schools)) == expected[:2]
        assert part.unnamed_hours == sum(
            (v for r, v in unnamed.items() if ROSTER_MUNICIPALITY[r] == index),
            Decimal(0),
        )
    for roster in range(3):
        school = rosters[roster]
        [part] = summaries(db.session, YEAR, Scope(school_id=school.id), By.SCHOOL)
        assert (part.students, part.reached, part.bands) == _tally(
            students, counted, lambda s, r=roster: s["roster"] == r
        )
        assert part.unnamed_hours == unnamed.get(roster, Decimal(0))
        for cls in summaries(db.session, YEAR, Scope(school_id=school.id), By.CLASS):
            grade, letter = cls.key
            rows = class_hours(db.session, YEAR, school.id, grade, letter)
            expected = {
                f"Ученик {i:02d}": value
                for i, value in counted.items()
                if students[i]["roster"] == roster
                and (students[i]["grade"], students[i]["letter"]) == (grade, letter)
            }
            assert {row.full_name: (row.hours, row.target) for row in rows} == expected
    db.session.rollback()
