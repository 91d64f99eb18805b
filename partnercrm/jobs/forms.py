"""Forms of the holiday jobs pages: the posting (employers picked with the directory's
:class:`~partnercrm.directory.fields.OrganizationField`), applications, status moves and the
checks before hiring."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from partnercrm.directory.fields import OrganizationField
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.jobs.labels import weekday_names
from partnercrm.jobs.rules import (
    JOB_DATES,
    MAX_BREAK_MINUTES,
    WORKING_DAYS,
    weekdays,
    working_days_mask,
)
from partnercrm.jobs.services import (
    MAX_HOURS_PER_DAY,
    MAX_HOURS_PER_WEEK,
    MAX_MIN_AGE,
    MIN_AGE,
    JobData,
    YoungPersonData,
)
from partnercrm.students.rules import BIRTH_DATES
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import Form, WithinBounds
from partnercrm.web.integers import optional_record_id, record_id

TENTH = Decimal("0.1")
MAX_PLACES = 10_000


def _strip(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def _tenths(value: Decimal | None) -> Decimal | None:
    """Hours are stored to a tenth (NUMERIC(…, 1))."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP) if value is not None else None


class JobForm(Form):
    # A new record's one-time token (web/form_tokens.py); unused when editing.
    form_token = FormTokenField()
    employer = OrganizationField(
        _l("Employer"),
        kinds=[OrganizationKind.EMPLOYER],
        filters=[_strip],
        validators=[InputRequired()],
    )
    title = StringField(
        _l("Job title"), filters=[_strip], validators=[InputRequired(), Length(max=300)]
    )
    duties = TextAreaField(_l("Duties"), filters=[_strip], validators=[InputRequired()])
    # ``0``: the employer's municipality (the default of a new posting, see views/postings.py).
    municipality = SelectField(
        _l("Municipality"), coerce=optional_record_id, validators=[InputRequired()]
    )
    address = StringField(
        _l("Address of the workplace"),
        filters=[_strip],
        validators=[InputRequired(), Length(max=500)],
    )
    places = IntegerField(
        _l("Places"), validators=[InputRequired(), NumberRange(min=1, max=MAX_PLACES)]
    )
    min_age = IntegerField(
        _l("Minimum age"),
        default=MIN_AGE,
        validators=[InputRequired(), NumberRange(min=MIN_AGE, max=MAX_MIN_AGE)],
        description=_l("From 14 to 17 full years on the first day of the job."),
    )
    hours_per_day = DecimalField(
        _l("Hours per day"),
        places=1,
        filters=[_tenths],
        validators=[InputRequired(), NumberRange(min=TENTH, max=MAX_HOURS_PER_DAY)],
    )
    hours_per_week = DecimalField(
        _l("Hours per week"),
        places=1,
        filters=[_tenths],
        validators=[InputRequired(), NumberRange(min=TENTH, max=MAX_HOURS_PER_WEEK)],
    )
    shift_starts = TimeField(_l("Shift starts"), validators=[InputRequired()])
    shift_ends = TimeField(_l("Shift ends"), validators=[InputRequired()])
    break_minutes = IntegerField(
        _l("Breaks, minutes"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_BREAK_MINUTES)],
        description=_l(
            "Not working time: the shift less the breaks must fit in the hours per day."
        ),
    )
    # Choices (the weekday names of the user's language) are set by the view.
    working_days = SelectMultipleField(
        _l("Working days"),
        coerce=int,
        default=sorted(weekdays(WORKING_DAYS)),
        validators=[InputRequired(message=_l("Pick the working days."))],
    )
    first_day = DateField(_l("First day"), validators=[InputRequired(), WithinBounds(JOB_DATES)])
    last_day = DateField(_l("Last day"), validators=[InputRequired(), WithinBounds(JOB_DATES)])
    pay = StringField(
        _l("Pay"),
        filters=[_strip],
        validators=[Optional(), Length(max=200)],
        description=_l("For example: 120 roubles an hour, plus the employment center's support."),
    )
    not_prohibited_attested = BooleanField(
        _l("The work is not on the list of work prohibited for workers under 18 (art. 265)")
    )
    check = SubmitField(_l("Check against the Labour Code"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.working_days.choices = list(weekday_names().items())

    def data_for_service(self, employer: Organization) -> JobData:
        return JobData(
            employer=employer,
            title=self.title.data or "",
            duties=self.duties.data or "",
            municipality_id=self.municipality.data or employer.municipality_id,
            address=self.address.data or "",
            places=self.places.data,
            min_age=self.min_age.data,
            hours_per_day=self.hours_per_day.data,
            hours_per_week=self.hours_per_week.data,
            shift_starts=self.shift_starts.data,
            shift_ends=self.shift_ends.data,
            first_day=self.first_day.data,
            last_day=self.last_day.data,
            pay=self.pay.data,
            not_prohibited_attested=self.not_prohibited_attested.data,
            break_minutes=self.break_minutes.data or 0,
            working_days=working_days_mask(self.working_days.data or ()),
        )


class StudentApplicationForm(Form):
    """School staff: a student of their own roster."""

    student = SelectField(_l("Student"), coerce=record_id, validators=[InputRequired()])
    submit = SubmitField(_l("Apply"))


class YoungPersonApplicationForm(Form):
    """The employment center: a young person it registers (not on a roster here)."""

    full_name = StringField(
        _l("Full name"), filters=[_strip], validators=[InputRequired(), Length(max=200)]
    )
    birth_date = DateField(
        _l("Birth date"), validators=[InputRequired(), WithinBounds(BIRTH_DATES)]
    )
    contact = StringField(
        _l("Contact (phone or e-mail)"),
        filters=[_strip],
        validators=[Optional(), Length(max=300)],
    )
    parent_contact = StringField(
        _l("A parent's contact"), filters=[_strip], validators=[Optional(), Length(max=300)]
    )
    is_school_student = BooleanField(
        _l("Attends a school full-time"),
        default=True,
        description=_l("At 14–15 a full-time student needs a parent's written consent."),
    )
    submit = SubmitField(_l("Register and apply"))

    def data_for_service(self) -> YoungPersonData:
        return YoungPersonData(
            full_name=self.full_name.data or "",
            birth_date=self.birth_date.data,
            contact=self.contact.data,
            parent_contact=self.parent_contact.data,
            is_school_student=self.is_school_student.data,
        )


class StatusForm(Form):
    """One button per status the user may move the application to."""

    to_status = SelectField(_l("New status"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=2000)])


class ChecksForm(Form):
    # Within CHECK_DATES: the service says so (or that a date lies in the future).
    consent_received_on = DateField(
        _l("Parent's written consent received on"), validators=[Optional()]
    )
    medical_exam_on = DateField(_l("Medical examination on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
