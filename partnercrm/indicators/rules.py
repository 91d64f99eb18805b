"""Indicator rules (DESIGN §7): how a programme's indicator is counted, stated as data on the
indicator and read here. No Flask, no database: ``queries.py`` compiles a :class:`Rule` to SQL.

A rule is a JSON object: ``{"count": "students" | "activities" | "municipal_plans" | "manual",
…}``; ``students`` and ``activities`` take the filters below (combined with AND), ``manual``
takes ``"type": "number" | "yes_no"``. :func:`parse_rule` refuses anything else, naming the
place of every problem (``rule.host_kinds[1]: unknown kind "factory"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.rules import OrganizationKind


class Count(StrEnum):
    STUDENTS = "students"  # distinct students (+ headcounts) of held activities, DESIGN §3.2
    ACTIVITIES = "activities"  # held activities
    MUNICIPAL_PLANS = "municipal_plans"  # municipalities with an approved plan for the year
    MANUAL = "manual"  # entered by the ministry per year


class ManualType(StrEnum):
    NUMBER = "number"
    YES_NO = "yes_no"


GRADES = (1, 11)
# The filters of activities, and the kinds each list names.
KIND_FILTERS: dict[str, type[StrEnum]] = {
    "activity_kinds": ActivityKind,
    "host_kinds": OrganizationKind,
    "organizer_kinds": OrganizationKind,
    "organizer_or_host_kinds": OrganizationKind,
}
# The keys each count takes besides "count".
KEYS: dict[Count, tuple[str, ...]] = {
    Count.STUDENTS: (*KIND_FILTERS, "ovz_only", "grades"),
    Count.ACTIVITIES: tuple(KIND_FILTERS),
    Count.MUNICIPAL_PLANS: (),
    Count.MANUAL: ("type",),
}


@dataclass(frozen=True)
class Rule:
    """A checked rule. A kind filter that is None does not filter."""

    count: Count
    type: ManualType | None = None
    activity_kinds: frozenset[ActivityKind] | None = None
    host_kinds: frozenset[OrganizationKind] | None = None
    organizer_kinds: frozenset[OrganizationKind] | None = None
    organizer_or_host_kinds: frozenset[OrganizationKind] | None = None
    ovz_only: bool = False
    grades: tuple[int, int] | None = None

    @property
    def from_activities(self) -> bool:
        return self.count in (Count.STUDENTS, Count.ACTIVITIES)

    def as_dict(self) -> dict[str, Any]:
        """The rule as stored and exported: keys in a fixed order, kinds in declaration order."""
        data: dict[str, Any] = {"count": self.count.value}
        if self.type is not None:
            data["type"] = self.type.value
        for key, enum in KIND_FILTERS.items():
            kinds = getattr(self, key)
            if kinds is not None:
                data[key] = [kind.value for kind in enum if kind in kinds]
        if self.ovz_only:
            data["ovz_only"] = True
        if self.grades is not None:
            data["grades"] = list(self.grades)
        return data


class RuleError(ValueError):
    """A rule that cannot be read; ``problems`` name their places."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_rule(data: object, place: str = "rule") -> Rule:
    """The rule ``data`` states, or :class:`RuleError` with every problem found."""
    problems: list[str] = []
    rule = _read(data, place, problems)
    if problems or rule is None:
        raise RuleError(problems)
    return rule


def rule_problems(data: object, place: str = "rule") -> list[str]:
    problems: list[str] = []
    _read(data, place, problems)
    return problems


def _read(data: object, place: str, problems: list[str]) -> Rule | None:
    if data is None:
        problems.append(f"{place}: missing")
        return None
    if not isinstance(data, dict):
        problems.append(f"{place}: must be an object")
        return None
    count = _choice(data.get("count"), Count, f"{place}.count", "count", problems)
    if count is None:
        return None
    for key in data:
        if key != "count" and key not in KEYS[count]:
            known = any(key in keys for keys in KEYS.values())
            problems.append(
                f'{place}.{key}: not taken by count "{count}"'
                if known
                else f"{place}.{key}: unknown"
            )
    values: dict[str, Any] = {}
    if count is Count.MANUAL:
        values["type"] = _choice(data.get("type"), ManualType, f"{place}.type", "type", problems)
    for key, enum in KIND_FILTERS.items():
        if key in data and key in KEYS[count]:
            values[key] = read_kinds(data[key], enum, f"{place}.{key}", problems)
    kinds = values.get("activity_kinds")
    if count is Count.STUDENTS and kinds and ActivityKind.PARENT_MEETING in kinds:
        index = data["activity_kinds"].index(ActivityKind.PARENT_MEETING.value)
        problems.append(f"{place}.activity_kinds[{index}]: parent meetings never count students")
    if "ovz_only" in data and count is Count.STUDENTS:
        if isinstance(data["ovz_only"], bool):
            values["ovz_only"] = data["ovz_only"]
        else:
            problems.append(f"{place}.ovz_only: must be true or false")
    if "grades" in data and count is Count.STUDENTS:
        values["grades"] = _grades(data["grades"], f"{place}.grades", problems)
    if problems:
        return None
    return Rule(count=count, **values)


def _choice(value: object, enum: type[StrEnum], place: str, what: str, problems: list[str]):
    if value is None:
        problems.append(f"{place}: missing")
        return None
    if not isinstance(value, str) or value not in enum._value2member_map_:
        names = ", ".join(member.value for member in enum)
        problems.append(f'{place}: unknown {what} "{value}" (one of {names})')
        return None
    return enum(value)


def read_kinds(value: object, enum: type[StrEnum], place: str, problems: list[str]):
    """A non-empty list of distinct kinds of ``enum``, or None with the problems added."""
    if not isinstance(value, list) or not value:
        problems.append(f"{place}: must be a list of one or more kinds")
        return None
    kinds = []
    for index, kind in enumerate(value):
        if not isinstance(kind, str) or kind not in enum._value2member_map_:
            problems.append(f'{place}[{index}]: unknown kind "{kind}"')
        elif enum(kind) in kinds:
            problems.append(f'{place}[{index}]: "{kind}" is given twice')
        else:
            kinds.append(enum(kind))
    return frozenset(kinds)


def _grades(value: object, place: str, problems: list[str]) -> tuple[int, int] | None:
    low, high = GRADES
    if not isinstance(value, list) or len(value) != 2:
        problems.append(f"{place}: must be [from, to]")
        return None
    bad = False
    for index, grade in enumerate(value):
        if type(grade) is not int or not low <= grade <= high:
            problems.append(f"{place}[{index}]: {grade!r} is not a grade ({low}–{high})")
            bad = True
    if bad:
        return None
    if value[0] > value[1]:
        problems.append(f"{place}: from {value[0]} is above to {value[1]}")
        return None
    return value[0], value[1]
