"""The base forms, validators and filters every domain's forms share.

Every form derives from :class:`Form` (a sub-form inside a ``FormField``/``FieldList`` from
:class:`SubForm`; the admin's from ``admin.forms.CSRFForm``): their :class:`TextRules` give
every text field the rule of :mod:`partnercrm.plausible` — no control characters, but tab and
line breaks in a multi-line field (``TextAreaField``) — so no form can forget it.
``tests/test_plausible_values.py`` checks that every form of the app has it.
"""

from __future__ import annotations

import wtforms
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from partnercrm.plausible import (
    DATE_OUT_OF_BOUNDS,
    LINE_BREAKS,
    DateBounds,
    as_local_date,
    code_point,
    control_character,
)


def refuse_control_characters(multiline: bool):
    """A validator: the field's text holds no control character (but tab and line breaks, if
    ``multiline``)."""

    def check(form, field) -> None:
        if not isinstance(field.data, str):
            return
        char = control_character(field.data, multiline=multiline)
        if char is None:
            return
        if char in LINE_BREAKS:
            raise ValidationError(_("Line breaks and tabs are not allowed in this field."))
        raise ValidationError(
            _(
                "The text contains an invisible control character (%(code)s); remove it.",
                code=code_point(char),
            )
        )

    return check


class TextRules:
    """A form ``Meta`` mixin: every text field refuses control characters (checked first).
    Passwords are left alone: they are never shown, and one set long ago must still log in."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            multiline = isinstance(field, TextAreaField)
            field.validators = [refuse_control_characters(multiline), *field.validators]
        return field


class Form(FlaskForm):
    """The base of the app's forms (CSRF from Flask-WTF, the text rule of :class:`TextRules`)."""

    class Meta(TextRules):
        pass


class SubForm(wtforms.Form):
    """The base of forms nested in another (no CSRF token of their own)."""

    class Meta(TextRules):
        pass


class WithinBounds:
    """A validator: a date (or an aware datetime's local date) within a domain's
    :class:`~partnercrm.plausible.DateBounds`; the service checks them again."""

    def __init__(self, bounds: DateBounds) -> None:
        self.bounds = bounds

    def __call__(self, form, field) -> None:
        if field.data is None or not hasattr(field.data, "year"):
            return
        if not self.bounds.contains(as_local_date(field.data)):
            raise ValidationError(_(DATE_OUT_OF_BOUNDS, **self.bounds.shown()))


def blank_to_none(value):
    """Strip text; an empty field is stored as NULL (or means "not chosen"), not as ''."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def with_scheme(value):
    # People type "school5.ru"; store a link that opens.
    if value and "://" not in value:
        return "https://" + value
    return value
