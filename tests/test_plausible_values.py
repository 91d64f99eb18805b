"""Absurd values are refused (issue #14, item 11): the pure rules of partnercrm/plausible.py,
the text rule on every form of the app, and the date bounds of the domains. The forms and
imports of each domain are tested in its own test file (search for "plausible")."""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from datetime import UTC, date, datetime

import pytest
import time_machine
import wtforms

import partnercrm
from partnercrm.activities.rules import ACTIVITY_DATES
from partnercrm.agreements.rules import AGREEMENT_DATES
from partnercrm.errors import UserError
from partnercrm.jobs.rules import CHECK_DATES, HOLIDAY_DATES, JOB_DATES
from partnercrm.monitoring.rules import DEADLINE_DATES, PLAN_APPROVAL_DATES
from partnercrm.plausible import (
    DateBounds,
    as_local_date,
    check_date,
    code_point,
    control_character,
)
from partnercrm.students.rules import BIRTH_DATES
from partnercrm.web.forms import TextRules


class Refused(UserError):
    pass


def test_control_characters_are_unicode_category_cc():
    every = [chr(n) for n in range(0x3000)] + ["\u2028", "\ufeff", "\U0001f600"]
    for char in every:
        control = unicodedata.category(char) == "Cc"
        assert (control_character(f"a{char}b") == char) is control, code_point(char)
        allowed = char in "\t\n\r" or not control
        assert (control_character(char, multiline=True) is None) is allowed, code_point(char)
    assert control_character("Иванов Иван Иванович") is None
    assert control_character("строка\r\nвторая\tтретья", multiline=True) is None
    assert code_point("\x00") == "U+0000" and code_point("\x9b") == "U+009B"


def test_date_bounds():
    today = date(2026, 12, 6)
    assert ACTIVITY_DATES.latest(today) == date(2029, 12, 6)
    assert ACTIVITY_DATES.contains(date(2015, 1, 1), today)
    assert not ACTIVITY_DATES.contains(date(2014, 12, 31), today)
    assert not ACTIVITY_DATES.contains(date(2029, 12, 7), today)
    assert not ACTIVITY_DATES.contains(date(1, 1, 1), today)
    assert not ACTIVITY_DATES.contains(date(9999, 12, 31), today)
    assert BIRTH_DATES.contains(date(1990, 1, 1), today)
    assert not BIRTH_DATES.contains(date(1989, 12, 31), today)
    assert not BIRTH_DATES.contains(date(2026, 12, 7), today)
    # 29 February three years on is 28 February.
    assert DateBounds(date(2015, 1, 1), 3).latest(date(2028, 2, 29)) == date(2031, 2, 28)
    assert DateBounds(date(2000, 1, 1)).shown(today) == {
        "earliest": "01.01.2000",
        "latest": "06.12.2026",
    }
    # Every domain states sane bounds: from a year of this century to at most 25 years ahead.
    for bounds in (
        ACTIVITY_DATES,
        AGREEMENT_DATES,
        BIRTH_DATES,
        CHECK_DATES,
        DEADLINE_DATES,
        HOLIDAY_DATES,
        JOB_DATES,
        PLAN_APPROVAL_DATES,
    ):
        assert date(1990, 1, 1) <= bounds.earliest <= today
        assert today <= bounds.latest(today) <= date(2051, 12, 6)


@time_machine.travel(datetime(2026, 12, 6, 12, 0, tzinfo=UTC), tick=False)
def test_check_date_reads_moments_as_local_dates():
    check_date(None, ACTIVITY_DATES, Refused, "day")
    check_date(datetime(2029, 12, 6, 21, 59, tzinfo=UTC), ACTIVITY_DATES, Refused, "day")
    with pytest.raises(Refused) as refused:
        # 22:00 UTC is midnight in Kaliningrad: the next day.
        check_date(datetime(2029, 12, 6, 22, 0, tzinfo=UTC), ACTIVITY_DATES, Refused, "day")
    assert refused.value.field == "day"
    assert str(refused.value) == "The date must be from 01.01.2015 to 06.12.2029."
    # The last moments of the calendar, and its first, are no local date: still refused.
    for moment in (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)):
        assert as_local_date(moment) == moment.date()
        with pytest.raises(Refused):
            check_date(moment, ACTIVITY_DATES, Refused, "day")


def _form_classes() -> set[type]:
    for module in pkgutil.walk_packages(partnercrm.__path__, "partnercrm."):
        importlib.import_module(module.name)
    found, todo = set(), [wtforms.Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("partnercrm."):
                found.add(subclass)
    return found


def test_every_form_of_the_app_refuses_control_characters():
    """No form can forget the text rule: every form class has TextRules in its Meta."""
    forms = _form_classes()
    assert len(forms) > 40
    without = sorted(
        f"{form.__module__}.{form.__qualname__}"
        for form in forms
        if not any(
            isinstance(meta, type) and issubclass(meta, TextRules)
            for meta in (klass.__dict__.get("Meta") for klass in form.__mro__)
        )
    )
    assert without == []


def test_text_rules_reach_every_text_field_but_passwords(app):
    from wtforms import PasswordField, StringField, TextAreaField

    from partnercrm.web.forms import Form

    class Probe(Form):
        class Meta:
            csrf = False

        line = StringField()
        text = TextAreaField()
        password = PasswordField()

    with app.test_request_context(
        method="POST",
        data={"line": "a\tb", "text": "a\tb\r\nc", "password": "\x00"},
    ):
        form = Probe()
        assert not form.validate()
        assert list(form.errors) == ["line"]
    with app.test_request_context(
        method="POST", data={"line": "ok", "text": "a\x1bb", "password": ""}
    ):
        form = Probe()
        assert not form.validate()
        assert list(form.errors) == ["text"] and "U+001B" in form.errors["text"][0]
