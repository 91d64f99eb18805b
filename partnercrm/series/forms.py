"""Forms of the series pages: a new series, a change of it, a session's absentees."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from partnercrm.activities.forms import Entered
from partnercrm.activities.rules import ACTIVITY_DATES, MAX_HOURS
from partnercrm.directory.fields import OrganizationField
from partnercrm.series.rules import MAX_SESSIONS
from partnercrm.series.services import MAX_LENGTH_MINUTES
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import CheckboxesField, Form, WithinBounds
from partnercrm.web.integers import record_id

WEEKDAYS = (
    (1, _l("Monday")),
    (2, _l("Tuesday")),
    (3, _l("Wednesday")),
    (4, _l("Thursday")),
    (5, _l("Friday")),
    (6, _l("Saturday")),
    (7, _l("Sunday")),
)


class TimingForm(Form):
    """What a change of the series applies to its future sessions."""

    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Enter the title.")), Length(max=300)],
        render_kw={"placeholder": "Россия — мои горизонты"},
    )
    start = TimeField(_l("Start time"), validators=[Entered(_l("Enter the start time."))])
    length = IntegerField(
        _l("Length, minutes"),
        default=45,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_LENGTH_MINUTES)],
    )
    hours = DecimalField(
        _l("Hours per session"),
        places=2,
        validators=[Optional(), NumberRange(min=Decimal("0.01"), max=MAX_HOURS)],
        description=_l("Empty: the length rounded to whole hours, at least 1."),
    )
    host = OrganizationField(_l("Where (host organization)"), description=_l("Empty: your school."))
    location = StringField(_l("Address or room"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))


class SeriesForm(TimingForm):
    kind = SelectField(_l("Kind"))
    first_date = DateField(
        _l("First date"),
        validators=[Entered(_l("Enter the first date.")), WithinBounds(ACTIVITY_DATES)],
    )
    weekday = SelectField(_l("Weekday"), choices=WEEKDAYS, coerce=int, default=4)
    last_date = DateField(_l("Last date"), validators=[Optional(), WithinBounds(ACTIVITY_DATES)])
    count = IntegerField(
        _l("or number of sessions"),
        validators=[Optional(), NumberRange(min=1, max=MAX_SESSIONS)],
    )
    classes = CheckboxesField(_l("Classes"), message=_l("There is no such class in your roster."))
    form_token = FormTokenField()
    preview = SubmitField(_l("Show the dates"))
    submit = SubmitField(_l("Create the series"))


class AttendanceForm(Form):
    """The students listed on the page (``shown``) and those of them marked absent."""

    absent = SelectMultipleField(coerce=record_id, validate_choice=False)
    shown = SelectMultipleField(coerce=record_id, validate_choice=False)
    submit = SubmitField(_l("Save"))
