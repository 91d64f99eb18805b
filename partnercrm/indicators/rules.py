"""Indicator rules (DESIGN §7): how a programme's indicator is counted, stated as data on the
indicator and read here. No Flask, no database: ``queries.py`` compiles a :class:`Rule` to SQL.

A rule is a JSON object: ``{"count": "students" | "activities" | "municipal_plans" | "manual",
…}``; ``students`` and ``activities`` take the filters below (combined with AND), ``manual``
takes ``"type": "number" | "yes_no"``. :func:`parse_rule` refuses anything else, naming the
place of every problem (``rule.host_kinds[1]: unknown kind "factory"``). A problem is a
:class:`Problem`: its place and an English msgid with parameters, which the pages translate
(``Problem.text``) and the command line prints in English (``str``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_


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


def _english(message: str, **params: object) -> str:
    return message % params if params else message


@dataclass(frozen=True)
class Place:
    """Where a problem is: a path in the JSON document (``indicators[3].rule.host_kinds[1]``,
    empty for the whole file); read from a workbook, its sheet and row, the path then within
    the row (``host_kinds[1]``) or the sheet (``sheet`` alone)."""

    path: str = ""
    sheet: str | None = None
    row: int | None = None

    def text(self, gettext: Callable[..., str] = _english) -> str:
        sheet = self.sheet or ""
        if self.row is not None:
            sheet = gettext("%(sheet)s, row %(row)d", sheet=sheet, row=self.row)
        return ": ".join(part for part in (sheet, self.path) if part)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Problem:
    """A problem of a rule or a programme file at its place: ``message`` is an English msgid
    whose ``%(name)s`` placeholders ``params`` fill (a :class:`Place` among them is written as
    a place)."""

    place: Place
    message: str
    params: dict[str, object] = field(default_factory=dict)

    def text(self, gettext: Callable[..., str] = _english) -> str:
        """The problem in the language of ``gettext`` (English by default)."""
        params = {
            key: value.text(gettext) if isinstance(value, Place) else value
            for key, value in self.params.items()
        }
        message = gettext(self.message, **params)
        place = self.place.text(gettext)
        return f"{place}: {message}" if place else message

    def __str__(self) -> str:
        return self.text()

    def moved(self, place: Callable[[Place], Place]) -> Problem:
        """The problem with its place (and the places among its parameters) mapped."""
        params = {k: place(v) if isinstance(v, Place) else v for k, v in self.params.items()}
        return replace(self, place=place(self.place), params=params)


class Problems(list[Problem]):
    """Problems found while reading, each added with its place."""

    def add(self, place: str | Place, message: str, **params: object) -> None:
        self.append(Problem(place if isinstance(place, Place) else Place(place), message, params))


class RuleError(ValueError):
    """A rule that cannot be read: ``found`` the problems, ``problems`` them in English."""

    def __init__(self, found: list[Problem]) -> None:
        self.found = found
        self.problems = [str(problem) for problem in found]
        super().__init__("; ".join(self.problems))


def parse_rule(data: object, place: str = "rule") -> Rule:
    """The rule ``data`` states, or :class:`RuleError` with every problem found."""
    problems = Problems()
    rule = _read(data, place, problems)
    if problems or rule is None:
        raise RuleError(problems)
    return rule


def check_rule(data: object, place: str = "rule") -> list[Problem]:
    """Every problem of the rule ``data``; none if it can be read."""
    problems = Problems()
    _read(data, place, problems)
    return problems


def rule_problems(data: object, place: str = "rule") -> list[str]:
    return [str(problem) for problem in check_rule(data, place)]


def _read(data: object, place: str, problems: Problems) -> Rule | None:
    if data is None:
        problems.add(place, N_("missing"))
        return None
    if not isinstance(data, dict):
        problems.add(place, N_("must be an object"))
        return None
    count = _choice(data.get("count"), Count, f"{place}.count", "count", problems)
    if count is None:
        return None
    for key in data:
        if key != "count" and key not in KEYS[count]:
            if any(key in keys for keys in KEYS.values()):
                problems.add(f"{place}.{key}", N_('not taken by count "%(count)s"'), count=count)
            else:
                problems.add(f"{place}.{key}", N_("unknown"))
    values: dict[str, Any] = {}
    if count is Count.MANUAL:
        values["type"] = _choice(data.get("type"), ManualType, f"{place}.type", "type", problems)
    for key, enum in KIND_FILTERS.items():
        if key in data and key in KEYS[count]:
            values[key] = read_kinds(data[key], enum, f"{place}.{key}", problems)
    kinds = values.get("activity_kinds")
    if count is Count.STUDENTS and kinds and ActivityKind.PARENT_MEETING in kinds:
        index = data["activity_kinds"].index(ActivityKind.PARENT_MEETING.value)
        problems.add(f"{place}.activity_kinds[{index}]", N_("parent meetings never count students"))
    if "ovz_only" in data and count is Count.STUDENTS:
        if isinstance(data["ovz_only"], bool):
            values["ovz_only"] = data["ovz_only"]
        else:
            problems.add(f"{place}.ovz_only", N_("must be true or false"))
    if "grades" in data and count is Count.STUDENTS:
        values["grades"] = _grades(data["grades"], f"{place}.grades", problems)
    if problems:
        return None
    return Rule(count=count, **values)


def _choice(value: object, enum: type[StrEnum], place: str, what: str, problems: Problems):
    if value is None:
        problems.add(place, N_("missing"))
        return None
    if not isinstance(value, str) or value not in enum._value2member_map_:
        names = ", ".join(member.value for member in enum)
        problems.add(
            place,
            N_('unknown %(what)s "%(value)s" (one of %(names)s)'),
            what=what,
            value=value,
            names=names,
        )
        return None
    return enum(value)


def read_kinds(value: object, enum: type[StrEnum], place: str, problems: Problems):
    """A non-empty list of distinct kinds of ``enum``, or None with the problems added."""
    if not isinstance(value, list) or not value:
        problems.add(place, N_("must be a list of one or more kinds"))
        return None
    kinds = []
    for index, kind in enumerate(value):
        if not isinstance(kind, str) or kind not in enum._value2member_map_:
            problems.add(f"{place}[{index}]", N_('unknown kind "%(kind)s"'), kind=kind)
        elif enum(kind) in kinds:
            problems.add(f"{place}[{index}]", N_('"%(kind)s" is given twice'), kind=kind)
        else:
            kinds.append(enum(kind))
    return frozenset(kinds)


def _grades(value: object, place: str, problems: Problems) -> tuple[int, int] | None:
    low, high = GRADES
    if not isinstance(value, list) or len(value) != 2:
        problems.add(place, N_("must be [from, to]"))
        return None
    bad = False
    for index, grade in enumerate(value):
        if type(grade) is not int or not low <= grade <= high:
            problems.add(
                f"{place}[{index}]",
                N_("%(grade)s is not a grade (%(low)d–%(high)d)"),
                grade=repr(grade),
                low=low,
                high=high,
            )
            bad = True
    if bad:
        return None
    if value[0] > value[1]:
        problems.add(place, N_("from %(low)d is above to %(high)d"), low=value[0], high=value[1])
        return None
    return value[0], value[1]
