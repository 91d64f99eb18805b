"""Forms of the monitoring area. The views limit choices to the user's scope; services check
the rules again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from partnercrm.monitoring.rules import DEADLINE_DATES
from partnercrm.monitoring.services import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_COMMENT,
    MAX_VALUE,
    REASON_REQUIRED,
    REASON_TOO_LONG,
    ProgrammeIndicator,
)
from partnercrm.web.forms import Form, WithinBounds, blank_to_none
from partnercrm.web.integers import optional_record_id

YEAR_MESSAGE = _l("The year must be from 2000 to 2100.")
DATE_MESSAGE = _l("Enter a date.")


def _year_field(label=None):
    return IntegerField(
        label or _l("Year"),
        validators=[
            InputRequired(message=YEAR_MESSAGE),
            NumberRange(FIRST_YEAR, LAST_YEAR, message=YEAR_MESSAGE),
        ],
    )


class PlanForm(Form):
    municipality_id = SelectField(
        _l("Municipality"), coerce=optional_record_id, validators=[DataRequired()]
    )
    year = _year_field()
    # Within PLAN_APPROVAL_DATES: the service says so (or that it lies in the future).
    approved_on = DateField(_l("Approved on"), validators=[InputRequired(message=DATE_MESSAGE)])
    title = StringField(
        _l("Title"),
        description=_l("E.g. the act that approved it: «Постановление № 123 от 01.02.2021»."),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=500)],
    )
    document = FileField(
        _l("Document (PDF, at most 10 MB)"),
        description=_l("Uploading a file replaces the current document."),
    )
    submit = SubmitField(_l("Save"))


def indicator_values_form(indicators: list[ProgrammeIndicator]) -> type[Form]:
    """The form of the ministry's values of one year for ``indicators`` (those of a programme
    whose rule counts ``manual``): ``value_<number>`` by the rule's type — a whole number, or
    yes/no as "1"/"0" — and ``comment_<number>``."""

    class IndicatorValuesForm(Form):
        submit = SubmitField(_l("Save"))

    for indicator in indicators:
        if indicator.yes_no:
            value = SelectField(
                _l("Value"),
                choices=[
                    SelectChoice("", "—"),
                    SelectChoice("1", _l("yes")),
                    SelectChoice("0", _l("no")),
                ],
                validate_choice=True,
            )
        else:
            value = IntegerField(
                _l("Value"),
                validators=[
                    Optional(),
                    NumberRange(
                        0, MAX_VALUE, message=_l("Enter a whole number from 0 to 10,000,000.")
                    ),
                ],
            )
        setattr(IndicatorValuesForm, f"value_{indicator.number}", value)
        setattr(
            IndicatorValuesForm,
            f"comment_{indicator.number}",
            TextAreaField(
                _l("Comment"),
                filters=[blank_to_none],
                validators=[Optional(), Length(max=MAX_COMMENT)],
            ),
        )
    return IndicatorValuesForm


class CampaignForm(Form):
    year = _year_field(_l("Year of the data"))
    # Choices: the view's (0: the programme that counts the year); the service checks that a
    # chosen one is in force in the year.
    programme_id = SelectField(
        _l("Programme"),
        coerce=optional_record_id,
        default=0,
        description=_l("Whose indicators are collected; by default the one of the year."),
    )
    deadline = DateField(
        _l("Deadline"),
        validators=[InputRequired(message=DATE_MESSAGE), WithinBounds(DEADLINE_DATES)],
    )
    submit = SubmitField(_l("Open the campaign"))


class DeadlineForm(Form):
    deadline = DateField(
        _l("Deadline"),
        validators=[InputRequired(message=DATE_MESSAGE), WithinBounds(DEADLINE_DATES)],
    )
    submit = SubmitField(_l("Change the deadline"))


class SubmitReportForm(Form):
    comment = TextAreaField(
        _l("Comment for the ministry"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=MAX_COMMENT)],
    )
    submit = SubmitField(_l("Submit the report"))


class ReturnReportForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("What the coordinator should correct; they see it on the report."),
        filters=[blank_to_none],
        validators=[
            DataRequired(message=_l(REASON_REQUIRED)),
            Length(max=MAX_COMMENT, message=_l(REASON_TOO_LONG)),
        ],
    )
    submit = SubmitField(_l("Return for correction"))


class ConfirmForm(Form):
    """A POST button: CSRF only."""
