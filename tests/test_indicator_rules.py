"""Indicator rules as data (DESIGN §7): the validator names the place of every problem; the
packaged roadmap states its seven indicators as rules; which programme a period counts by."""

from __future__ import annotations

from datetime import date

import pytest

from partnercrm import data
from partnercrm.activities import services
from partnercrm.activities.rules import ActivityKind
from partnercrm.indicators.rules import Count, ManualType, RuleError, parse_rule, rule_problems
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import choose_programme


def problems(rule, place="rule") -> list[str]:
    with pytest.raises(RuleError) as refused:
        parse_rule(rule, place)
    assert refused.value.problems == rule_problems(rule, place)
    return refused.value.problems


def test_a_full_students_rule_is_read():
    rule = parse_rule(
        {
            "count": "students",
            "activity_kinds": ["profproba", "excursion"],
            "host_kinds": ["employer"],
            "organizer_kinds": ["college"],
            "organizer_or_host_kinds": ["university", "college"],
            "ovz_only": True,
            "grades": [8, 11],
        }
    )
    assert rule.count is Count.STUDENTS
    assert rule.activity_kinds == {"profproba", "excursion"}
    assert rule.grades == (8, 11) and rule.ovz_only
    # Stored and exported with kinds in the order of DESIGN §2, whatever order they came in.
    assert rule.as_dict() == {
        "count": "students",
        "activity_kinds": ["excursion", "profproba"],
        "host_kinds": ["employer"],
        "organizer_kinds": ["college"],
        "organizer_or_host_kinds": ["college", "university"],
        "ovz_only": True,
        "grades": [8, 11],
    }
    assert parse_rule(rule.as_dict()) == rule


def test_unknown_kinds_are_named_by_place():
    assert problems(
        {"count": "students", "host_kinds": ["employer", "factory"]}, "indicators[3].rule"
    ) == ['indicators[3].rule.host_kinds[1]: unknown kind "factory"']
    assert problems({"count": "activities", "activity_kinds": ["excursion", "school"]}) == [
        'rule.activity_kinds[1]: unknown kind "school"'
    ]
    # An organization kind is no activity kind, nor the other way round.
    assert problems({"count": "students", "organizer_kinds": ["excursion"]}) == [
        'rule.organizer_kinds[0]: unknown kind "excursion"'
    ]
    assert problems({"count": "students", "organizer_or_host_kinds": ["college", "college"]}) == [
        'rule.organizer_or_host_kinds[1]: "college" is given twice'
    ]
    assert problems({"count": "students", "host_kinds": []}) == [
        "rule.host_kinds: must be a list of one or more kinds"
    ]
    assert problems({"count": "students", "host_kinds": "employer"}) == [
        "rule.host_kinds: must be a list of one or more kinds"
    ]


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        ([0, 11], ["rule.grades[0]: 0 is not a grade (1–11)"]),
        ([5, 12], ["rule.grades[1]: 12 is not a grade (1–11)"]),
        (
            [-1, 99],
            [
                "rule.grades[0]: -1 is not a grade (1–11)",
                "rule.grades[1]: 99 is not a grade (1–11)",
            ],
        ),
        ([9, 5], ["rule.grades: from 9 is above to 5"]),
        ([8], ["rule.grades: must be [from, to]"]),
        ("8-11", ["rule.grades: must be [from, to]"]),
        ([8.0, 11], ["rule.grades[0]: 8.0 is not a grade (1–11)"]),
        ([True, 11], ["rule.grades[0]: True is not a grade (1–11)"]),
    ],
)
def test_grades_must_lie_in_1_to_11(grades, expected):
    assert problems({"count": "students", "grades": grades}) == expected


def test_a_missing_or_malformed_rule_is_refused():
    assert problems(None, "indicators[0].rule") == ["indicators[0].rule: missing"]
    assert problems([], "indicators[0].rule") == ["indicators[0].rule: must be an object"]
    assert problems({}) == ["rule.count: missing"]
    assert problems({"count": "pupils"}) == [
        'rule.count: unknown count "pupils" (one of students, activities, municipal_plans, manual)'
    ]
    assert problems({"count": "manual"}) == ["rule.type: missing"]
    assert problems({"count": "manual", "type": "text"}) == [
        'rule.type: unknown type "text" (one of number, yes_no)'
    ]
    assert problems({"count": "students", "ovz_only": 1}) == [
        "rule.ovz_only: must be true or false"
    ]


def test_each_count_takes_only_its_own_keys():
    assert problems({"count": "students", "colour": "red"}) == ["rule.colour: unknown"]
    assert problems({"count": "municipal_plans", "host_kinds": ["employer"]}) == [
        'rule.host_kinds: not taken by count "municipal_plans"'
    ]
    assert problems({"count": "activities", "ovz_only": True, "grades": [1, 4]}) == [
        'rule.ovz_only: not taken by count "activities"',
        'rule.grades: not taken by count "activities"',
    ]
    assert problems({"count": "students", "type": "number"}) == [
        'rule.type: not taken by count "students"'
    ]
    # Parent meetings never count students; they may be counted as activities.
    assert problems({"count": "students", "activity_kinds": ["excursion", "parent_meeting"]}) == [
        "rule.activity_kinds[1]: parent meetings never count students"
    ]
    assert parse_rule({"count": "activities", "activity_kinds": ["parent_meeting"]}).activity_kinds


def test_all_problems_are_reported_at_once():
    assert problems(
        {"count": "students", "host_kinds": ["farm"], "grades": [0, 5], "extra": 1}
    ) == [
        "rule.extra: unknown",
        'rule.host_kinds[0]: unknown kind "farm"',
        "rule.grades[0]: 0 is not a grade (1–11)",
    ]


def test_the_packaged_roadmap_states_its_indicators_as_rules():
    """DESIGN §7: I1 municipal plans; I2 hosts employer/college/university/employment center;
    I3 profproba; I4 ОВЗ; I5 a number and I7 yes/no entered; I6 organizer or host ПОО/ВО."""
    document = data.roadmap_programme()
    assert (document["code"], document["valid_from"], document["valid_to"]) == (
        "kgd-2020-2022",
        "2020-01-01",
        "2022-12-31",
    )
    rules = {
        i["number"]: parse_rule(i["rule"], f"indicators[{i['number']}]")
        for i in document["indicators"]
    }
    assert rules[1].count is Count.MUNICIPAL_PLANS
    assert rules[2].count is Count.STUDENTS
    assert rules[2].host_kinds == {"employer", "college", "university", "employment_center"}
    assert rules[3].activity_kinds == {"profproba"}
    assert rules[4].ovz_only and rules[4].activity_kinds is None
    assert (rules[5].count, rules[5].type) == (Count.MANUAL, ManualType.NUMBER)
    assert rules[6].organizer_or_host_kinds == {"college", "university"}
    assert (rules[7].count, rules[7].type) == (Count.MANUAL, ManualType.YES_NO)
    # Stored as the validator writes them, so an export gives back what the seed loaded.
    assert all(rules[i["number"]].as_dict() == i["rule"] for i in document["indicators"])
    kinds = {item["number"]: item.get("activity_kinds") for item in document["items"]}
    assert {n: k for n, k in kinds.items() if k} == {
        5: ["excursion"],
        6: ["parent_meeting"],
        9: ["profproba"],
        10: ["camp_shift"],
        15: ["career_event"],
        17: ["parent_meeting"],
        23: ["excursion"],
        24: ["open_day"],
    }


def test_the_programme_of_a_day():
    roadmap = Programme(id=1, code="a", valid_from=date(2020, 1, 1), valid_to=date(2022, 12, 31))
    later = Programme(id=2, code="b", valid_from=date(2023, 1, 1), valid_to=date(2025, 12, 31))
    overlapping = Programme(id=3, code="c", valid_from=date(2025, 9, 1), valid_to=date(2030, 8, 31))
    both = [later, roadmap]
    assert choose_programme(both, date(2021, 12, 31)) is roadmap
    assert choose_programme(both, date(2024, 12, 31)) is later
    assert choose_programme(both, date(2022, 12, 31)) is roadmap
    # After every programme: the latest that started; before every one: the first.
    assert choose_programme(both, date(2027, 12, 31)) is later
    assert choose_programme(both, date(2010, 12, 31)) is roadmap
    # Two in force: the later to start.
    assert choose_programme([*both, overlapping], date(2025, 12, 31)) is overlapping
    assert choose_programme([], date(2021, 1, 1)) is None


def test_the_seeded_roadmaps_kind_defaults_are_unchanged(seeded):
    """A new activity of 2020–2022 links to the items its kind had in activities/kinds.py
    before they became the roadmap's data (its items' ``activity_kinds``)."""
    day = date(2021, 3, 15)
    defaults = {
        kind: [item.number for item in services.plan_items_on(day, kind, None)]
        for kind in ActivityKind
    }
    assert defaults == {
        ActivityKind.EXCURSION: [5, 23],
        ActivityKind.PARENT_MEETING: [6, 17],
        ActivityKind.CAMP_SHIFT: [10],
        ActivityKind.OPEN_DAY: [24],
        ActivityKind.PROFPROBA: [9],
        ActivityKind.CAREER_EVENT: [15],
    }
