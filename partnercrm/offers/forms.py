"""Forms of the offer pages (the labels of kinds and statuses are in ``labels.py``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from partnercrm.activities.rules import ACTIVITY_DATES
from partnercrm.directory.fields import OrganizationField
from partnercrm.directory.rules import OrganizationKind
from partnercrm.localtime import to_local, to_utc
from partnercrm.offers.bookings import BookingData
from partnercrm.offers.services import OfferData, SlotData
from partnercrm.offers.speaker_requests import SpeakerRequestData
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import Form, SubForm, WithinBounds
from partnercrm.web.integers import record_id

MAX_CONTACT = 300

OFFERING_KINDS = (OrganizationKind.EMPLOYER, OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY)
BLANK_SLOT_ROWS = 3
GRADE_CHOICES = [(str(grade), str(grade)) for grade in range(MIN_GRADE, MAX_GRADE + 1)]


def _strip(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def _grade(value):
    return int(value) if value not in (None, "") else None


def _moment(day, start) -> datetime | None:
    return to_utc(datetime.combine(day, start)) if day and start else None


class SlotForm(SubForm):
    """One date of an excursion offer (no CSRF of its own: the outer form has it)."""

    id = HiddenField()
    day = DateField(_l("Date"), validators=[Optional(), WithinBounds(ACTIVITY_DATES)])
    start = TimeField(_l("Start"), validators=[Optional()])
    end = TimeField(_l("End"), validators=[Optional()])
    capacity = IntegerField(
        _l("Seats (students)"), validators=[Optional(), NumberRange(min=1, max=10000)]
    )
    remove = BooleanField(_l("Remove"))

    def validate_start(self, field) -> None:
        if (self.day.data is None) != (field.data is None) and not self.remove.data:
            raise ValidationError(_l("Give both the date and the start time."))

    def slot_data(self) -> SlotData:
        day = self.day.data
        return SlotData(
            id=int(self.id.data) if (self.id.data or "").isdigit() else None,
            starts_at=_moment(day, self.start.data),
            ends_at=_moment(day, self.end.data),
            capacity=self.capacity.data,
            remove=bool(self.remove.data),
        )


class OfferForm(Form):
    """Every field of both kinds; the view removes what a kind or a role does not use."""

    # A new record's one-time token (web/form_tokens.py); unused when editing.
    form_token = FormTokenField()

    organization = OrganizationField(_l("Organization"), kinds=OFFERING_KINDS)
    topic = StringField(
        _l("Topic"), filters=[_strip], validators=[InputRequired(), Length(max=300)]
    )
    profession = StringField(
        _l("Profession"), filters=[_strip], validators=[Optional(), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), filters=[_strip])
    municipality = SelectField(_l("Municipality"), coerce=record_id)
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), Length(max=500)])
    grade_min = SelectField(
        _l("From grade"), choices=[("", "—"), *GRADE_CHOICES], coerce=_grade, validate_choice=True
    )
    grade_max = SelectField(
        _l("To grade"), choices=[("", "—"), *GRADE_CHOICES], coerce=_grade, validate_choice=True
    )
    safety_notes = TextAreaField(
        _l("Safety notes"),
        filters=[_strip],
        description=_l("Protective equipment, age limits, what to wear, documents to bring."),
    )
    availability = TextAreaField(
        _l("Availability"),
        filters=[_strip],
        description=_l("When the speaker can come, e.g. weekday evenings from October to April."),
    )
    requires_confirmation = BooleanField(_l("Bookings need our confirmation"), default=True)
    slots = FieldList(FormField(SlotForm), min_entries=0)
    submit = SubmitField(_l("Save"))

    def fill_slots(self, slots) -> None:
        """The offer's dates, then empty rows to add more (GET, or after refused input)."""
        while len(self.slots):
            self.slots.pop_entry()
        for slot in slots:
            start = to_local(slot.starts_at)
            end = to_local(slot.ends_at) if slot.ends_at else None
            self.slots.append_entry(
                {
                    "id": str(slot.id),
                    "day": start.date(),
                    "start": start.time(),
                    "end": end.time() if end else None,
                    "capacity": slot.capacity,
                }
            )
        self.add_blank_slots()

    def add_blank_slots(self) -> None:
        for _index in range(BLANK_SLOT_ROWS):
            self.slots.append_entry()

    def data_for_service(self, municipality) -> OfferData:
        return OfferData(
            topic=self.topic.data or "",
            municipality=municipality,
            profession=self.profession.data,
            description=self.description.data,
            address=self.address.data,
            grade_min=self.grade_min.data,
            grade_max=self.grade_max.data,
            safety_notes=self.safety_notes.data,
            availability=self.availability.data if "availability" in self else None,
            requires_confirmation=(
                bool(self.requires_confirmation.data) if "requires_confirmation" in self else True
            ),
            slots=[entry.form.slot_data() for entry in self.slots] if "slots" in self else [],
        )


def staff_contact(user) -> str:
    """A booking's contact as the form first offers it: the staff member's name, the phone of
    their school (users have no phone of their own) and their e-mail."""
    organization = user.organization
    parts = (user.full_name, organization.phone if organization else None, user.email)
    return ", ".join(part for part in parts if part)[:MAX_CONTACT]


class BookingForm(Form):
    # One of the school's real classes (from its roster); without a roster within the offer's
    # grades, the grade and the class letter instead (:meth:`set_classes`).
    school_class = SelectField(_l("Class"), validators=[InputRequired()])
    seats = IntegerField(
        _l("Seats (students)"), validators=[InputRequired(), NumberRange(min=1, max=10000)]
    )
    grade = SelectField(_l("Grade"), coerce=_grade, validators=[InputRequired()])
    class_letter = StringField(
        _l("Class letter"), filters=[_strip], validators=[Optional(), Length(max=5)]
    )
    contact = StringField(
        _l("Contact (teacher, phone)"),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_CONTACT)],
        description=_l("Shown to the host only."),
    )
    comment = TextAreaField(_l("Comment"), filters=[_strip])
    request_key = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    submit = SubmitField(_l("Book"))

    def set_classes(
        self, low: int | None, high: int | None, classes: list[tuple[int, str | None]]
    ) -> None:
        """Offer the school's ``classes`` (grade, letter) within the offer's grades; without
        any, the grades from ``low`` to ``high`` and a free class letter."""
        low, high = low or MIN_GRADE, high or MAX_GRADE
        fitting = [(grade, letter) for grade, letter in classes if low <= grade <= high]
        if fitting:
            self.school_class.choices = [
                (f"{grade}|{letter or ''}", f"{grade}{letter or ''}") for grade, letter in fitting
            ]
            del self.grade, self.class_letter
        else:
            del self.school_class
            self.grade.choices = [(str(grade), str(grade)) for grade in range(low, high + 1)]

    def data_for_service(self) -> BookingData:
        if "school_class" in self:
            grade, _bar, letter = (self.school_class.data or "").partition("|")
            class_grade, class_letter = int(grade), letter or None
        else:
            class_grade, class_letter = self.grade.data, self.class_letter.data
        return BookingData(
            seats=self.seats.data,
            grade=class_grade,
            class_letter=class_letter,
            contact=self.contact.data,
            comment=self.comment.data,
        )


class SpeakerRequestForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired(), WithinBounds(ACTIVITY_DATES)])
    start = TimeField(_l("Start"), validators=[InputRequired()])
    end = TimeField(_l("End"), validators=[Optional()])
    location = StringField(
        _l("Address or room"), filters=[_strip], validators=[Optional(), Length(max=500)]
    )
    topic = StringField(_l("Topic"), filters=[_strip], validators=[Optional(), Length(max=300)])
    message = TextAreaField(_l("Message to the speaker"), filters=[_strip])
    request_key = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])
    submit = SubmitField(_l("Send the request"))

    def data_for_service(self) -> SpeakerRequestData:
        starts_at = _moment(self.day.data, self.start.data)
        assert starts_at is not None, "the day and the start are required"
        return SpeakerRequestData(
            starts_at=starts_at,
            ends_at=_moment(self.day.data, self.end.data),
            location=self.location.data,
            topic=self.topic.data,
            message=self.message.data,
        )


class ReasonForm(Form):
    """Decline or cancel a booking or request: the other side reads the reason."""

    reason = TextAreaField(
        _l("Reason"), filters=[_strip], validators=[InputRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Send"))
