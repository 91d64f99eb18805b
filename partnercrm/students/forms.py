from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from partnercrm.localtime import local_date
from partnercrm.students.rules import BIRTH_DATES, MAX_GRADE, MIN_GRADE, normalise_class_letter
from partnercrm.students.services import StudentData
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import Form, WithinBounds


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _not_in_future(form, field) -> None:
    if field.data and field.data > local_date(datetime.now(UTC)):
        raise StopValidation(_l("The birth date cannot be in the future."))


class StudentForm(Form):
    # A new record's one-time token (web/form_tokens.py); unused when editing.
    form_token = FormTokenField()
    local_id = StringField(
        _l("Roster id"),
        description=_l("The school's own number of the student; unique within the school."),
        filters=[_strip],
        validators=[DataRequired(), Length(max=64)],
    )
    full_name = StringField(
        _l("Full name"),
        description=_l("Surname, first name and patronymic."),
        filters=[_strip],
        validators=[DataRequired(), Length(max=200)],
    )
    grade = IntegerField(
        _l("Grade"),
        validators=[
            InputRequired(message=_l("Enter the grade, from 1 to 11.")),
            NumberRange(
                min=MIN_GRADE, max=MAX_GRADE, message=_l("The grade must be from 1 to 11.")
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    class_letter = StringField(
        _l("Class letter"),
        filters=[normalise_class_letter],
        validators=[Optional(), Length(max=5)],
        render_kw={"autocapitalize": "characters"},
    )
    birth_date = DateField(
        _l("Birth date"), validators=[Optional(), _not_in_future, WithinBounds(BIRTH_DATES)]
    )
    ovz = BooleanField(_l("Student with a disability or SEN"))
    submit = SubmitField(_l("Save"))
    save_and_add = SubmitField(_l("Save and add another"))

    def data_for_service(self) -> StudentData:
        return StudentData(
            local_id=self.local_id.data,
            full_name=self.full_name.data,
            grade=self.grade.data,
            class_letter=self.class_letter.data,
            birth_date=self.birth_date.data,
            ovz=self.ovz.data,
        )
