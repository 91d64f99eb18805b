"""The rule compiler (DESIGN §7) against an independent count in Python, for random rules and
random small data sets (hypothesis); and a second programme counted beside the roadmap.

The oracle states the vocabulary itself, as the literals of DESIGN §2, §3.2 and §7: it reads no
kind set and no rule of the code under test, so a filter the compiler drops or misreads fails
here.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from partnercrm.activities.models import Activity, Headcount, Participation, activity_school
from partnercrm.directory.models import Municipality, Organization
from partnercrm.extensions import db
from partnercrm.indicators import queries, reports
from partnercrm.localtime import Period, start_of_local_day
from partnercrm.roadmap.models import Indicator, Programme
from partnercrm.roadmap.queries import programme_for
from partnercrm.students.models import Student
from tests.programme_factories import add_next_programme

# --- DESIGN §2 and §7, as the oracle's own literals ---
ACTIVITY_KINDS = [
    "excursion",
    "parent_meeting",
    "camp_shift",
    "open_day",
    "profproba",
    "career_event",
]
ORGANIZATION_KINDS = [
    "school",
    "college",
    "university",
    "employer",
    "employment_center",
    "authority",
    "camp",
]
STATUSES = ["planned", "held", "cancelled"]
PERIOD_FIRST, PERIOD_LAST = date(2021, 1, 1), date(2021, 12, 31)
YEAR = Period.year(2021)

# Three schools in two municipalities, and a college whose "students" are never counted.
ROSTERS = ["school", "school", "school", "college"]
# (roster, grade, ОВЗ): five students in each school, two in the college.
STUDENTS = [(i % 3, 1 + (i * 5) % 11, i % 4 == 0) for i in range(15)] + [
    (3, 9, False),
    (3, 10, True),
]


def kinds_of(choices: list[str]):
    return st.lists(st.sampled_from(choices), min_size=1, max_size=len(choices), unique=True)


def sometimes(strategy):
    """None two times in three: rules with fewer filters count more, so the data meets them."""
    return st.integers(0, 2).flatmap(lambda n: strategy if n == 0 else st.none())


def _rule(count: str, filters: dict) -> dict:
    return {"count": count} | {key: value for key, value in filters.items() if value is not None}


students_rule = st.builds(
    lambda filters: _rule("students", filters),
    st.fixed_dictionaries(
        {
            "activity_kinds": sometimes(
                kinds_of([k for k in ACTIVITY_KINDS if k != "parent_meeting"])
            ),
            "host_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
            "organizer_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
            "organizer_or_host_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
            "ovz_only": sometimes(st.just(True)),
            "grades": sometimes(
                st.tuples(st.integers(1, 11), st.integers(1, 11)).map(lambda g: sorted(g))
            ),
        }
    ),
)
activities_rule = st.builds(
    lambda filters: _rule("activities", filters),
    st.fixed_dictionaries(
        {
            "activity_kinds": sometimes(kinds_of(ACTIVITY_KINDS)),
            "host_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
            "organizer_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
            "organizer_or_host_kinds": sometimes(kinds_of(ORGANIZATION_KINDS)),
        }
    ),
)

activity_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(ACTIVITY_KINDS),
        "status": st.sampled_from(STATUSES),
        "host": st.integers(0, len(ORGANIZATION_KINDS) - 1),
        "organizer": st.integers(0, len(ORGANIZATION_KINDS) - 1),
        "day": st.integers(-3, 368).map(lambda n: PERIOD_FIRST + timedelta(days=n)),
        "named": st.sets(st.integers(0, len(STUDENTS) - 1), max_size=6),
        # (roster, grade or 0) → (count, ovz_count)
        "headcounts": st.dictionaries(
            st.tuples(st.integers(0, len(ROSTERS) - 1), st.integers(0, 11)),
            st.tuples(st.integers(1, 30), st.integers(0, 3)),
            max_size=3,
        ),
    }
)


def activity_counted(rule: dict, spec: dict) -> bool:
    """Whether a rule counts an activity: held in the period, its kinds; parent meetings never
    count students."""
    if spec["status"] != "held" or not PERIOD_FIRST <= spec["day"] <= PERIOD_LAST:
        return False
    kind = spec["kind"]
    host, organizer = ORGANIZATION_KINDS[spec["host"]], ORGANIZATION_KINDS[spec["organizer"]]
    if rule["count"] == "students" and kind == "parent_meeting":
        return False
    if "activity_kinds" in rule and kind not in rule["activity_kinds"]:
        return False
    if "host_kinds" in rule and host not in rule["host_kinds"]:
        return False
    if "organizer_kinds" in rule and organizer not in rule["organizer_kinds"]:
        return False
    either = rule.get("organizer_or_host_kinds")
    return either is None or host in either or organizer in either


def expected_students(rule: dict, activities: list[dict], municipality_of_roster) -> dict:
    """{municipality: (distinct named students, headcount)} of a students rule."""
    named: dict[int, set[int]] = {}
    heads: dict[int, int] = {}
    low, high = rule.get("grades", (1, 11))
    for spec in activities:
        if not activity_counted(rule, spec):
            continue
        # Named rows win over the headcounts of the same (activity, school).
        named_rosters = {STUDENTS[i][0] for i in spec["named"]}
        for i in spec["named"]:
            roster, grade, ovz = STUDENTS[i]
            if ROSTERS[roster] != "school" or (rule.get("ovz_only") and not ovz):
                continue
            if not low <= grade <= high:
                continue
            named.setdefault(municipality_of_roster(roster), set()).add(i)
        for (roster, grade), (count, ovz) in spec["headcounts"].items():
            if roster in named_rosters or ROSTERS[roster] != "school":
                continue
            if "grades" in rule and not (grade != 0 and low <= grade <= high):
                continue
            place = municipality_of_roster(roster)
            heads[place] = heads.get(place, 0) + (
                min(ovz, count) if rule.get("ovz_only") else count
            )
    return {
        place: (len(named.get(place, ())), heads.get(place, 0))
        for place in named.keys() | heads.keys()
    }


def expected_activities(rule: dict, activities: list[dict], municipality_of_host) -> dict:
    counts: dict[int, int] = {}
    for spec in activities:
        if activity_counted(rule, spec):
            place = municipality_of_host(spec["host"])
            counts[place] = counts.get(place, 0) + 1
    return counts


def _clear() -> None:
    for table in (Participation, Headcount):
        db.session.execute(sa.delete(table))
    db.session.execute(sa.delete(activity_school))
    db.session.execute(sa.delete(Activity))
    db.session.execute(sa.delete(Student))
    db.session.execute(sa.delete(Organization))
    db.session.execute(
        sa.delete(Indicator).where(
            Indicator.programme_id.in_(sa.select(Programme.id).where(Programme.code == "random"))
        )
    )
    db.session.execute(sa.delete(Programme).where(Programme.code == "random"))
    db.session.flush()


def _build(activities: list[dict], rules: list[dict]):
    municipalities = db.session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
    schools = [
        Organization(kind=kind, code=f"s{i}", name=f"Школа {i}", municipality=municipalities[i % 2])
        for i, kind in enumerate(ROSTERS)
    ]
    hosts = [
        Organization(
            kind=kind,
            code=f"h{i}",
            name=f"Организация {i}",
            municipality=municipalities[i % 3],
            approval_state="approved" if kind == "employer" else None,
        )
        for i, kind in enumerate(ORGANIZATION_KINDS)
    ]
    students = [
        Student(
            school=schools[roster],
            local_id=str(i),
            full_name=f"Ученик {i}",
            grade=grade,
            ovz=ovz,
        )
        for i, (roster, grade, ovz) in enumerate(STUDENTS)
    ]
    programme = Programme(
        code="random", title="Случайная", valid_from=PERIOD_FIRST, valid_to=PERIOD_LAST
    )
    programme.indicators = [
        Indicator(number=n, goal="g", name=f"Показатель {n}", unit="человек", rule=rule)
        for n, rule in enumerate(rules, start=1)
    ]
    db.session.add_all([*schools, *hosts, *students, programme])
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
        for (roster, grade), (count, ovz) in spec["headcounts"].items():
            db.session.add(
                Headcount(
                    activity=activity,
                    school=schools[roster],
                    grade=grade,
                    count=count,
                    ovz_count=min(ovz, count),
                )
            )
    db.session.flush()
    return programme, schools, hosts


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rules=st.lists(students_rule | activities_rule, min_size=1, max_size=4),
    activities=st.lists(activity_spec, max_size=8),
)
# Headcount rows by grade (0: none given) and the ОВЗ part; named students of grades 1–11.
@example(
    rules=[{"count": "students", "grades": [8, 11]}, {"count": "students", "ovz_only": True}],
    activities=[
        {
            "kind": "excursion",
            "status": "held",
            "host": 3,
            "organizer": 0,
            "day": date(2021, 5, 5),
            # School 0 named its students (grades 1, 5, 9, 2, 6), so its headcount is ignored.
            "named": {0, 3, 6, 9, 12},
            "headcounts": {(0, 9): (4, 1), (1, 0): (3, 2), (2, 5): (10, 1), (2, 11): (7, 0)},
        }
    ],
)
# Parent meetings count as activities, never for students.
@example(
    rules=[{"count": "students"}, {"count": "activities"}],
    activities=[
        {
            "kind": "parent_meeting",
            "status": "held",
            "host": 0,
            "organizer": 0,
            "day": date(2021, 9, 1),
            "named": {0, 1},
            "headcounts": {(2, 0): (25, 0)},
        }
    ],
)
def test_compiled_rules_count_what_the_rules_say(seeded, rules, activities):
    _clear()
    programme, schools, hosts = _build(activities, rules)
    school_place = {i: school.municipality_id for i, school in enumerate(schools)}
    host_place = {i: host.municipality_id for i, host in enumerate(hosts)}
    some_place = schools[0].municipality_id

    results = queries.compute(db.session, YEAR, programme=programme)
    local = queries.compute(
        db.session, YEAR, queries.Scope(municipality_id=some_place), programme=programme
    )
    assert [r.number for r in results] == list(range(1, len(rules) + 1))
    for rule, result, here in zip(rules, results, local, strict=True):
        parts = {p.key: (p.named, p.headcount) for p in result.by_municipality if p.value}
        if rule["count"] == "students":
            want = expected_students(rule, activities, school_place.__getitem__)
            assert parts == {k: v for k, v in want.items() if v != (0, 0)}, rule
            assert (result.named, result.headcount) == (
                sum(n for n, _ in want.values()),
                sum(h for _, h in want.values()),
            )
            assert (here.named, here.headcount) == want.get(some_place, (0, 0))
        else:
            want = expected_activities(rule, activities, host_place.__getitem__)
            assert {k: n for k, (n, _h) in parts.items()} == {k: v for k, v in want.items() if v}
            assert result.value == sum(want.values())
            assert here.value == want.get(some_place, 0)
    db.session.rollback()


# --- a second programme beside the roadmap ---


@pytest.fixture
def two_programmes(seeded):
    return add_next_programme()


def test_each_period_is_counted_by_its_own_programme(two_programmes):
    _programme, kgd, sov = two_programmes
    roadmap = {r.number: r for r in queries.compute(db.session, Period.year(2021))}
    assert sorted(roadmap) == [1, 2, 3, 4, 5, 6, 7]
    assert roadmap[2].name.startswith("Количество школьников, посетивших")
    # The roadmap's rules: both students visited an employer in 2021; the plan of 2021.
    assert (roadmap[2].value, roadmap[4].value, roadmap[1].value) == (2, 0, 1)

    nxt = {r.number: r for r in queries.compute(db.session, Period.year(2024))}
    assert sorted(nxt) == [1, 2, 3, 4]
    assert nxt[1].name == "Новый показатель 1"
    # Grades 8–11 only: the ninth-grader.
    assert (nxt[1].value, nxt[1].named, nxt[1].headcount) == (1, 1, 0)
    assert {p.key: p.value for p in nxt[1].by_municipality if p.value} == {kgd.id: 1}
    # Open days and parent meetings held, by the host's municipality.
    assert nxt[2].value == 2 and nxt[2].named is None
    assert {p.key: p.value for p in nxt[2].by_municipality if p.value} == {kgd.id: 1, sov.id: 1}
    # Its own entered value, not the roadmap's indicator 7 of the same year.
    assert nxt[3].value == 0
    assert nxt[4].value == 1
    # The drill-downs go by the programme of the period too.
    assert [(p.key, p.value) for p in queries.by_grade_band(db.session, 1, Period.year(2024))] == [
        ("8–9", 1)
    ]
    assert [p.value for p in queries.by_grade_band(db.session, 2, Period.year(2021))] == [1, 1]
    # Or by a chosen programme: the new rule over 2021 (the ninth-grader), the roadmap's over
    # 2024 (both students), in every drill-down and in the monthly trend.
    programme, roadmap = two_programmes[0], programme_for(db.session, date(2021, 1, 1))
    year_2021, year_2024 = Period.year(2021), Period.year(2024)
    assert [p.value for p in queries.by_school(db.session, 1, year_2021, programme=programme)] == [
        1
    ]
    assert [
        p.value for p in queries.by_organization(db.session, 2, year_2024, programme=roadmap)
    ] == [2]
    march = date(2024, 3, 1)
    assert {p.key: p.value for p in reports.monthly(db.session, 1, year_2024, queries.REGION)}[
        march
    ] == 1
    trend = reports.monthly(db.session, 2, year_2024, queries.REGION, programme=roadmap)
    assert {p.key: p.value for p in trend}[march] == 2
    with pytest.raises(queries.NoStudentIndicator):  # the roadmap's 1 counts plans
        queries.by_school(db.session, 1, year_2024, programme=roadmap)
    # A year after every programme counts by the latest (DESIGN §7); 2026 has no activities.
    assert sorted(r.number for r in queries.compute(db.session, Period.year(2026))) == [1, 2, 3, 4]


def test_the_command_reports_the_programme_of_the_year(two_programmes, runner):
    result = runner.invoke(args=["indicators", "--year", "2024"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output)["indicators"]
    assert [(i["number"], i["value"]) for i in numbers] == [(1, 1), (2, 2), (3, 0), (4, 1)]
    assert numbers[0]["named"] == 1 and "named" not in numbers[1]
    old = json.loads(runner.invoke(args=["indicators", "--year", "2021"]).output)["indicators"]
    assert [i["number"] for i in old] == [1, 2, 3, 4, 5, 6, 7]


def test_the_command_counts_a_chosen_programme(two_programmes, runner):
    result = runner.invoke(args=["indicators", "--year", "2021", "--programme", "kgd-2023-2025"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output)["indicators"]
    # The new programme's rules over 2021: the ninth-grader at the employer; the open day and
    # the parent meeting; no entered value; Советский's plan for 2021.
    assert [(i["number"], i["value"]) for i in numbers] == [(1, 1), (2, 2), (3, None), (4, 1)]
    unknown = runner.invoke(args=["indicators", "--year", "2021", "--programme", "x"])
    assert unknown.exit_code != 0 and "no programme 'x'" in unknown.output
