"""Forms of the activity pages; organizations are picked with the directory's
:class:`~partnercrm.directory.fields.OrganizationField`.

The activity form holds every field any kind uses; ``kind_form.py`` keeps those of one kind, as
its :class:`~partnercrm.activities.kinds.KindSpec` says.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from partnercrm.activities.kinds import PRESENTER_KINDS
from partnercrm.activities.labels import CAMP_TYPE_LABELS, STATUS_LABELS
from partnercrm.activities.rules import (
    ACTIVITY_DATES,
    HOURS_FORMAT,
    ActivityStatus,
    CampType,
    parse_hours,
)
from partnercrm.directory.fields import OrganizationField
from partnercrm.directory.rules import OrganizationKind
from partnercrm.roadmap.models import Programme
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import CheckboxesField, Form, SubForm, WithinBounds
from partnercrm.web.integers import record_id

# --- forms ---

# Empty presenter rows a parent meeting's form offers (besides those given).
PRESENTER_ROWS = 2


class PresenterForm(SubForm):
    """One presenter of a parent meeting: the organization (searched by name) and who came."""

    organization = OrganizationField(_l("Organization"), kinds=tuple(sorted(PRESENTER_KINDS)))
    name = StringField(_l("Representative"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])

    def validate_organization(self, field) -> None:
        if field.organization is None and (self.name.data or self.position.data):
            raise ValidationError(_l("Pick the organization this representative came from."))


class Entered:
    """A required date or time: an empty field gets ``message`` (instead of the parser's "Not a
    valid date value") and stops there. ``Optional()`` would stop without an error, leaving the
    field None for the view."""

    def __init__(self, message) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.raw_data or not str(field.raw_data[0]).strip():
            field.errors[:] = []
            raise StopValidation(self.message)


class HoursField(StringField):
    """Профминимум hours: «2», «1,5» or «1.5»; empty is None (the default of the activity's
    times). The range is the service's check, shown on this field."""

    def process_formdata(self, valuelist) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = parse_hours(self.raw) if self.raw else None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data) if self.data is not None else ""

    def pre_validate(self, form) -> None:
        if getattr(self, "raw", "") and self.data is None:
            raise StopValidation(_l(HOURS_FORMAT))


class ActivityForm(Form):
    """Every field any kind uses; ``kind_form.configure`` removes what a kind or a role does not
    need."""

    host = OrganizationField(_l("Where (host organization)"))
    camp_type = RadioField(
        _l("Camp"),
        choices=[(t.value, CAMP_TYPE_LABELS[t]) for t in CampType],
        default=CampType.COUNTRY.value,
    )
    organizer = OrganizationField(_l("Organizer"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    day = DateField(
        _l("Date"), validators=[Entered(_l("Enter the date.")), WithinBounds(ACTIVITY_DATES)]
    )
    start = TimeField(_l("Start time"), validators=[Entered(_l("Enter the start time."))])
    end = TimeField(_l("End time"), validators=[Optional()])
    first_day = DateField(
        _l("First day"),
        validators=[Entered(_l("Enter the first day.")), WithinBounds(ACTIVITY_DATES)],
    )
    last_day = DateField(
        _l("Last day"),
        validators=[Entered(_l("Enter the last day.")), WithinBounds(ACTIVITY_DATES)],
    )
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(
        _l("Capacity (students)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    presenters = FieldList(FormField(PresenterForm), min_entries=PRESENTER_ROWS, max_entries=30)
    parents_count = IntegerField(
        _l("Parents who came"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    professions = TextAreaField(_l("Professions presented"), validators=[Optional()])
    # A new activity of a school: the classes that went, but the absent students.
    classes = CheckboxesField(
        _l("Classes that took part"), message=_l("There is no such class in your roster.")
    )
    absent = SelectMultipleField(_l("Who was absent"), coerce=record_id, validate_choice=False)
    roster: tuple | list = ()
    schools = SelectMultipleField(_l("Visiting schools"), coerce=record_id, validate_choice=False)
    # Not for parent meetings (kind_form.configure).
    hours = HoursField(_l("Career guidance hours"))
    location = StringField(_l("Address or room"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    status = RadioField(_l("Status"), choices=[(s.value, STATUS_LABELS[s]) for s in ActivityStatus])
    public = BooleanField(_l("Public (shown to everyone, without participants)"))
    plan_items = CheckboxesField(
        _l("Roadmap plan items"), coerce=int, message=_l("Unknown roadmap plan item.")
    )
    # The code of the programme whose items the form offers (empty: none had started): when the
    # date entered links to another one, the form asks again (kind_form.programme_moved).
    programme = HiddenField()
    plan_programme: Programme | None = None  # that programme (kind_form._offer)
    plan_programme_ended: str | None = None  # that it ended before the date, still linked
    programme_note: str | None = None  # why the form offers other items than before
    # A new activity only: its one-time token, and the confirmation of a look-alike.
    form_token = FormTokenField()
    look_alikes: tuple | list = ()
    save_anyway = BooleanField(_l("It is another activity: save it anyway"))
    submit = SubmitField(_l("Save"))

    def validate_end(self, field) -> None:
        start = self.start.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end must not be before the start."))

    def validate_last_day(self, field) -> None:
        first = self.first_day.data
        if field.data is not None and first is not None and field.data < first:
            raise ValidationError(_l("The last day must not be before the first day."))

    def validate_schools(self, field) -> None:
        known = {value for value, _label in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Pick schools from the list."))


class HeadcountForm(Form):
    """Participants of one school (and grade, if given) counted without names."""

    school = OrganizationField(_l("School"), kinds=(OrganizationKind.SCHOOL,))
    grade = SelectField(
        _l("Grade"),
        choices=[("", _l("not given"))]
        + [(str(g), str(g)) for g in range(MIN_GRADE, MAX_GRADE + 1)],
        validators=[Optional()],
    )
    count = IntegerField(
        _l("Number of participants"), validators=[InputRequired(), NumberRange(min=0, max=100000)]
    )
    ovz_count = IntegerField(
        _l("Of them with disabilities or SEN"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        default=0,
    )
    submit = SubmitField(_l("Save the number"))

    def validate_ovz_count(self, field) -> None:
        count = self.count.data
        if field.data and count is not None and field.data > count:
            raise ValidationError(
                _l(
                    "Students with disabilities are part of the count: at most %(count)d.",
                    count=count,
                )
            )


class ParticipantsForm(Form):
    """The ticked students of the shown part of the roster (checked by the view)."""

    student = SelectMultipleField(coerce=record_id, validate_choice=False)
    shown = SelectMultipleField(coerce=record_id, validate_choice=False)
    whole_class = SelectMultipleField(validate_choice=False)


class ConfirmForm(Form):
    """A confirmation: a button with its CSRF token."""


class TripEscortForm(Form):
    """The accompanying staff of the own school on its trip list."""

    staff = TextAreaField(
        _l("Accompanying staff"),
        description=_l("Name and position, one person per line."),
        validators=[Optional(), Length(max=2000)],
    )


class StatusForm(Form):
    status = SelectField(choices=[(s.value, STATUS_LABELS[s]) for s in ActivityStatus])
