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
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from partnercrm.plausible import (
    DATE_OUT_OF_BOUNDS,
    LINE_BREAKS,
    DateBounds,
    as_local_date,
    code_point,
    control_character,
)


def refuse_control_characters(field, multiline: bool) -> None:
    """Stop the validation of ``field`` when its text holds a control character (but tab and
    line breaks, if ``multiline``)."""
    if not isinstance(field.data, str):
        return
    char = control_character(field.data, multiline=multiline)
    if char is None:
        return
    if char in LINE_BREAKS:
        raise StopValidation(_("Line breaks and tabs are not allowed in this field."))
    raise StopValidation(
        _(
            "The text contains an invisible control character (%(code)s); remove it.",
            code=code_point(char),
        )
    )


class TextRules:
    """A form ``Meta`` mixin: every text field refuses control characters before anything else
    looks at its text (its ``pre_validate`` — the organization picker's looks the text up in the
    database — and its validators). Passwords are left alone: they are never shown, and one set
    long ago must still log in."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.pre_validate = _text_checked(field, field.pre_validate)
        return field


def _text_checked(field, pre_validate):
    multiline = isinstance(field, TextAreaField)

    def checked(form) -> None:
        refuse_control_characters(field, multiline)
        pre_validate(form)

    return checked


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


class CheckboxesField(wtforms.SelectMultipleField):
    """Several choices shown as checkboxes by the template; an unknown value is refused (with
    ``message``, or "Unknown choice.")."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def pre_validate(self, form) -> None:
        known = {value for value, _label in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(self.message or _l("Unknown choice."))


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
