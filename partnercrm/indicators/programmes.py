"""A programme as a document (DESIGN §7): the JSON that ``partnercrm programme export`` writes
and ``import`` reads — the shape of the ministry's ``plan.json`` with the programme's code and
period, the items' ``activity_kinds`` and ``continues`` where given, and every indicator's rule.
No Flask import; reading a file checks it whole and names the place of every problem."""

from __future__ import annotations

import json
import re
from datetime import date

import sqlalchemy as sa

from partnercrm.activities.rules import ActivityKind
from partnercrm.database import SessionLike
from partnercrm.errors import N_
from partnercrm.indicators.rules import (
    Place,
    Problem,
    Problems,
    check_rule,
    parse_rule,
    read_kinds,
)
from partnercrm.plausible import code_point, control_character
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme

ITEM_TEXTS = ("title", "responsible", "deadline", "expected_result")
INDICATOR_TEXTS = ("goal", "name", "unit")


def programme_document(session: SessionLike, programme: Programme) -> dict:
    """The programme as DESIGN §7 describes it; three queries."""
    sections = session.scalars(
        sa.select(PlanSection)
        .where(PlanSection.programme_id == programme.id)
        .order_by(PlanSection.number)
    ).all()
    section_numbers = {section.id: section.number for section in sections}
    items = session.scalars(
        sa.select(PlanItem).where(PlanItem.programme_id == programme.id).order_by(PlanItem.number)
    ).all()
    indicators = session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == programme.id)
        .order_by(Indicator.number)
    ).all()
    return {
        "code": programme.code,
        "title": programme.title,
        "valid_from": programme.valid_from.isoformat(),
        "valid_to": programme.valid_to.isoformat(),
        "sections": [{"number": s.number, "title": s.title} for s in sections],
        "items": [_item(item, section_numbers[item.section_id]) for item in items],
        "indicators": [
            {"number": indicator.number}
            | {key: getattr(indicator, key) for key in INDICATOR_TEXTS}
            | {"rule": parse_rule(indicator.rule, f"indicator {indicator.number}").as_dict()}
            for indicator in indicators
        ],
    }


def programme_sizes(session: SessionLike) -> dict[str, dict[int, int]]:
    """How many sections, items and indicators each programme has: part → programme id →
    count (a programme without any is absent); three grouped counts."""
    return {
        part: dict(
            session.execute(
                sa.select(model.programme_id, sa.func.count()).group_by(model.programme_id)
            ).all()
        )
        for part, model in (
            ("sections", PlanSection),
            ("items", PlanItem),
            ("indicators", Indicator),
        )
    }


def _item(item: PlanItem, section: int) -> dict:
    data: dict[str, object] = {"number": item.number, "section": section}
    data |= {key: getattr(item, key) for key in ITEM_TEXTS}
    if item.activity_kinds is not None:
        data["activity_kinds"] = item.activity_kinds
    if item.continues is not None:
        data["continues"] = item.continues
    return data


def to_json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# --- reading a programme file ---

CODE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
CODE_LENGTH, UNIT_LENGTH = 50, 50
FIRST_YEAR, LAST_YEAR = 2000, 2100
KEYS = {
    "programme": ("code", "title", "valid_from", "valid_to", "sections", "items", "indicators"),
    "sections": ("number", "title"),
    "items": ("number", "section", *ITEM_TEXTS, "activity_kinds", "continues"),
    "indicators": ("number", *INDICATOR_TEXTS, "rule"),
}
OPTIONAL = {"activity_kinds", "continues"}
# The roadmap leaves some of these empty.
MAY_BE_EMPTY = {"responsible", "deadline", "expected_result", "goal"}


class ProgrammeError(ValueError):
    """A programme file or change that is refused whole: ``found`` the problems, each with its
    place; ``problems`` them in English (the command line)."""

    def __init__(self, found: list[Problem]) -> None:
        self.found = found
        self.problems = [str(problem) for problem in found]
        super().__init__("; ".join(self.problems))


def refused(message: str, **params: object) -> ProgrammeError:
    """A refusal of the whole file, at no place."""
    return ProgrammeError([Problem(Place(), message, params)])


def read_document(content: bytes) -> dict:
    """The checked programme of a JSON file: dates as dates, rules as stored; or
    :class:`ProgrammeError` with every problem, each with its place."""
    try:
        data = json.loads(content.decode("utf-8-sig"))  # a BOM is allowed
    except UnicodeDecodeError as error:
        raise refused(N_("the file is not UTF-8 text: %(reason)s"), reason=error.reason) from error
    except json.JSONDecodeError as error:
        raise refused(
            N_("not JSON: %(error)s (line %(line)d, column %(column)d)"),
            error=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from error
    return check_document(data)


def check_document(data: object) -> dict:
    """The checked programme of a document as JSON gives it (see :func:`read_document`)."""
    problems = Problems()
    document = _Reader(problems).programme(data)
    if problems or document is None:
        raise ProgrammeError(problems)
    return document


class _Reader:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.problem = problems.add

    def mapping(self, value: object, what: str, place: str) -> dict | None:
        if not isinstance(value, dict):
            self.problem(place, N_("must be an object"))
            return None
        known = KEYS[what]
        for key in value:
            if key not in known:
                self.problem(f"{place}.{key}" if place else key, N_("unknown"))
        for key in known:
            if key not in value and key not in OPTIONAL:
                self.problem(f"{place}.{key}" if place else key, N_("missing"))
        return value

    def text(self, data: dict, key: str, place: str, limit: int | None = None) -> str | None:
        value = data.get(key)
        if key not in data:
            return None
        if not isinstance(value, str) or (key not in MAY_BE_EMPTY and not value.strip()):
            self.problem(
                place,
                N_("must be a text") if key in MAY_BE_EMPTY else N_("must be a non-empty text"),
            )
            return None
        if (char := control_character(value, multiline=True)) is not None:
            self.problem(place, N_("holds the control character %(char)s"), char=code_point(char))
        if limit is not None and len(value) > limit:
            self.problem(place, N_("longer than %(limit)d characters"), limit=limit)
        return value

    def number(self, data: dict, key: str, place: str) -> int | None:
        if key not in data:
            return None
        return self.whole(data[key], place)

    def whole(self, value: object, place: str) -> int | None:
        if type(value) is not int or not 1 <= value <= 9999:
            self.problem(place, N_("%(value)s is not a number from 1 to 9999"), value=repr(value))
            return None
        return value

    def day(self, data: dict, key: str) -> date | None:
        value = data.get(key)
        if key not in data:
            return None
        day = None
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            self.problem(key, N_("%(value)s is not a date YYYY-MM-DD"), value=repr(value))
            return None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.problem(
                key,
                N_("%(day)s is not from %(first)d to %(last)d"),
                day=value,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
            return None
        return day

    def rows(self, data: dict, what: str) -> list[tuple[str, dict]]:
        value = data.get(what)
        if what not in data:
            return []
        if not isinstance(value, list) or not value:
            self.problem(what, N_("must be a list of one or more"))
            return []
        rows = []
        for index, row in enumerate(value):
            place = f"{what}[{index}]"
            if self.mapping(row, what, place) is not None:
                rows.append((place, row))
        return rows

    def numbered(self, rows: list[tuple[str, dict]]) -> dict[int, tuple[str, dict]]:
        seen: dict[int, str] = {}
        for place, row in rows:
            number = self.number(row, "number", f"{place}.number")
            if number is None:
                continue
            if number in seen:
                self.problem(
                    f"{place}.number",
                    N_("%(number)d is given twice (also %(also)s)"),
                    number=number,
                    also=Place(seen[number]),
                )
            else:
                seen[number] = place
        by_place = dict(rows)
        return {number: (place, by_place[place]) for number, place in seen.items()}

    def programme(self, data: object) -> dict | None:
        if self.mapping(data, "programme", "") is None:
            return None
        assert isinstance(data, dict)
        code = self.text(data, "code", "code", CODE_LENGTH)
        if code is not None and not CODE.match(code):
            self.problem(
                "code",
                N_('"%(code)s": use small latin letters, digits, "-", "." and "_"'),
                code=code,
            )
        title = self.text(data, "title", "title")
        start, end = self.day(data, "valid_from"), self.day(data, "valid_to")
        if start is not None and end is not None and start > end:
            self.problem(
                "valid_to", N_("%(end)s is before valid_from %(start)s"), end=end, start=start
            )
        sections = self.numbered(self.rows(data, "sections"))
        items = self.numbered(self.rows(data, "items"))
        indicators = self.numbered(self.rows(data, "indicators"))
        document = {
            "code": code,
            "title": title,
            "valid_from": start,
            "valid_to": end,
            "sections": [
                {"number": n, "title": self.text(row, "title", f"{place}.title")}
                for n, (place, row) in sorted(sections.items())
            ],
            "items": [
                self.item(n, place, row, sections) for n, (place, row) in sorted(items.items())
            ],
            "indicators": [
                self.indicator(n, place, row) for n, (place, row) in sorted(indicators.items())
            ],
        }
        return document

    def item(self, number: int, place: str, row: dict, sections: dict) -> dict:
        item: dict = {"number": number}
        section = self.number(row, "section", f"{place}.section")
        if section is not None and section not in sections:
            self.problem(
                f"{place}.section", N_("no section %(section)d in sections"), section=section
            )
        item["section"] = section
        for key in ITEM_TEXTS:
            item[key] = self.text(row, key, f"{place}.{key}")
        item["activity_kinds"] = None
        if "activity_kinds" in row:
            kinds = read_kinds(
                row["activity_kinds"], ActivityKind, f"{place}.activity_kinds", self.problems
            )
            if kinds is not None:
                item["activity_kinds"] = [kind.value for kind in ActivityKind if kind in kinds]
        item["continues"] = None
        if "continues" in row:
            value = row["continues"]
            if not isinstance(value, list) or not value:
                self.problem(f"{place}.continues", N_("must be a list of one or more item numbers"))
            else:
                for index, previous in enumerate(value):
                    self.whole(previous, f"{place}.continues[{index}]")
                item["continues"] = value
        return item

    def indicator(self, number: int, place: str, row: dict) -> dict:
        indicator: dict = {"number": number}
        for key in INDICATOR_TEXTS:
            limit = UNIT_LENGTH if key == "unit" else None
            indicator[key] = self.text(row, key, f"{place}.{key}", limit)
        rule = None
        if "rule" in row:
            problems = check_rule(row["rule"], f"{place}.rule")
            self.problems.extend(problems)
            if not problems:
                rule = parse_rule(row["rule"]).as_dict()
        indicator["rule"] = rule
        return indicator
