"""Forms of the activity pages, their labels, and the organization picker.

An organization is picked by typing: the search suggests ``Name [code]`` (a datalist filled by
``/activities/hosts``), and :func:`find_organization` resolves the text back, so the picker
works without JavaScript too (an exact code or name is enough).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from partnercrm.activities.rules import (
    MAX_GRADE,
    MIN_GRADE,
    ActivityKind,
    ActivityStatus,
    CampType,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db

KIND_LABELS = {
    ActivityKind.EXCURSION: _l("Excursion to an employer or organization"),
    ActivityKind.PARENT_MEETING: _l("Parent meeting"),
    ActivityKind.CAMP_SHIFT: _l("Camp shift"),
    ActivityKind.OPEN_DAY: _l("Open day"),
    ActivityKind.PROFPROBA: _l("Profproba"),
    ActivityKind.CAREER_EVENT: _l("Other career-guidance event"),
}
# Short names for titles made when the user leaves the title empty.
KIND_TITLES = {
    ActivityKind.EXCURSION: _l("Excursion"),
    ActivityKind.PARENT_MEETING: _l("Parent meeting"),
    ActivityKind.CAMP_SHIFT: _l("Camp shift"),
    ActivityKind.OPEN_DAY: _l("Open day"),
    ActivityKind.PROFPROBA: _l("Profproba"),
    ActivityKind.CAREER_EVENT: _l("Career-guidance event"),
}
STATUS_LABELS = {
    ActivityStatus.PLANNED: _l("Planned"),
    ActivityStatus.HELD: _l("Held"),
    ActivityStatus.CANCELLED: _l("Cancelled"),
}
STATUS_BADGES = {
    ActivityStatus.PLANNED: "text-bg-info",
    ActivityStatus.HELD: "text-bg-success",
    ActivityStatus.CANCELLED: "text-bg-secondary",
}
CAMP_TYPE_LABELS = {
    CampType.COUNTRY: _l("Country camp"),
    CampType.SCHOOL: _l("School day camp"),
}
# Who may present at a parent meeting (DESIGN §2: employers, colleges, the employment center).
PRESENTER_KINDS = (
    OrganizationKind.EMPLOYER,
    OrganizationKind.COLLEGE,
    OrganizationKind.UNIVERSITY,
    OrganizationKind.EMPLOYMENT_CENTER,
)
SEARCH_LIMIT = 20


# --- the organization picker ---


def organization_label(organization: Organization | None) -> str:
    """What the picker shows and accepts back: ``Name [code]``."""
    if organization is None:
        return ""
    return f"{organization.name} [{organization.code}]"


def _pickable(kinds) -> sa.Select:
    query = sa.select(Organization).where(
        sa.or_(
            Organization.approval_state.is_(None),
            Organization.approval_state != ApprovalState.DECLINED,
        )
    )
    if kinds:
        query = query.where(Organization.kind.in_(list(kinds)))
    return query


def search_organizations(text: str, kinds=None, limit: int = SEARCH_LIMIT) -> list[Organization]:
    """Organizations whose name, short name, code or INN contains ``text`` (declined employers
    are never offered)."""
    needle = text.strip().lower()
    if not needle:
        return []
    query = _pickable(kinds).where(
        sa.or_(
            *(
                sa.func.lower(column).contains(needle, autoescape=True)
                for column in (
                    Organization.name,
                    Organization.short_name,
                    Organization.code,
                    Organization.inn,
                )
            )
        )
    )
    return list(db.session.scalars(query.order_by(Organization.name, Organization.id).limit(limit)))


_CODE_IN_BRACKETS = re.compile(r"\[([^\[\]]+)\]\s*$")


def find_organization(text: str, kinds=None) -> Organization | None:
    """The one organization ``text`` names: ``… [code]``, an exact code, or an exact name."""
    text = " ".join((text or "").split())
    if not text:
        return None
    query = _pickable(kinds)
    match = _CODE_IN_BRACKETS.search(text)
    if match:
        query = query.where(Organization.code == match.group(1).strip())
    else:
        lowered = text.lower()
        query = query.where(
            sa.or_(
                Organization.code == text,
                sa.func.lower(Organization.name) == lowered,
                sa.func.lower(Organization.short_name) == lowered,
            )
        )
    found = db.session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


class OrganizationField(StringField):
    """A text field resolved to ``self.organization`` (of ``self.kinds``, if set)."""

    def __init__(self, label=None, validators=None, kinds=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kinds = kinds
        self.organization: Organization | None = None

    def pre_validate(self, form) -> None:
        self.organization = None
        if (self.data or "").strip():
            self.organization = find_organization(self.data, self.kinds)
            if self.organization is None:
                raise ValidationError(
                    _l("No such organization. Type a few letters and pick it from the list.")
                )


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered by the template); unknown values are refused."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def pre_validate(self, form) -> None:
        known = {value for value, _label in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(self.message or _l("Unknown choice."))


# --- forms ---


class ActivityForm(FlaskForm):
    """Every field any kind uses; the view removes what a kind or a role does not need."""

    host = OrganizationField(_l("Where (host organization)"))
    camp_type = RadioField(
        _l("Camp"),
        choices=[(t.value, CAMP_TYPE_LABELS[t]) for t in CampType],
        default=CampType.COUNTRY.value,
    )
    organizer = OrganizationField(_l("Organizer"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    day = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    end = TimeField(_l("End time"), validators=[Optional()])
    first_day = DateField(_l("First day"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional()])
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(
        _l("Capacity (students)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    presenters = SelectMultipleField(_l("Presenters"), coerce=int, validate_choice=False)
    parents_count = IntegerField(
        _l("Parents who came"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    professions = TextAreaField(_l("Professions presented"), validators=[Optional()])
    class_name = SelectField(_l("Grade and class"), validators=[Optional()])
    schools = SelectMultipleField(_l("Visiting schools"), coerce=int, validate_choice=False)
    location = StringField(_l("Address or room"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    status = RadioField(_l("Status"), choices=[(s.value, STATUS_LABELS[s]) for s in ActivityStatus])
    public = BooleanField(_l("Public (shown to everyone, without participants)"))
    plan_items = CheckboxesField(
        _l("Roadmap plan items"), coerce=int, message=_l("Unknown roadmap plan item.")
    )
    submit = SubmitField(_l("Save"))

    def validate_day(self, field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the date."))

    def validate_start(self, field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the start time."))

    def validate_end(self, field) -> None:
        start = self.start.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end must not be before the start."))

    def validate_first_day(self, field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the first day."))

    def validate_last_day(self, field) -> None:
        if field.data is None:
            if not field.errors:
                raise ValidationError(_l("Enter the last day."))
        elif self.first_day.data is not None and field.data < self.first_day.data:
            raise ValidationError(_l("The last day must not be before the first day."))

    def validate_presenters(self, field) -> None:
        known = {value for value, _label in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Pick presenters from the list."))

    def validate_schools(self, field) -> None:
        known = {value for value, _label in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Pick schools from the list."))


class HeadcountForm(FlaskForm):
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
        _l("Of them with disabilities or ОВЗ"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        default=0,
    )
    submit = SubmitField(_l("Save the number"))

    def validate_ovz_count(self, field) -> None:
        count = self.count.data
        if field.data and count is not None and field.data > count:
            raise ValidationError(
                _l("Students with disabilities are part of the count: at most %(count)d.",
                   count=count)
            )


class ParticipantsForm(FlaskForm):
    """The ticked students of the shown part of the roster (checked by the view)."""

    student = SelectMultipleField(coerce=int, validate_choice=False)
    shown = SelectMultipleField(coerce=int, validate_choice=False)
    whole_class = SelectMultipleField(validate_choice=False)


class StatusForm(FlaskForm):
    status = SelectField(choices=[(s.value, STATUS_LABELS[s]) for s in ActivityStatus])
