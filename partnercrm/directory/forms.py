from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError

from partnercrm.directory.labels import KIND_LABELS
from partnercrm.directory.rules import OrganizationKind, is_valid_inn
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import Form, blank_to_none, with_scheme
from partnercrm.web.integers import optional_record_id


def valid_inn(form, field) -> None:
    if not is_valid_inn(field.data):
        raise ValidationError(_l("The INN must have 10 or 12 digits with valid check digits."))


class OrganizationForm(Form):
    """Create or edit an organization; the view limits the municipality choices to the scope."""

    # A new record's one-time token (web/form_tokens.py); unused when editing.
    form_token = FormTokenField()

    code = StringField(
        _l("Code"),
        description=_l("A registry code or the INN; used by imports, unique."),
        filters=[blank_to_none],
        validators=[DataRequired(), Length(max=64)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[("", "—")] + [(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    name = StringField(
        _l("Official name"), filters=[blank_to_none], validators=[DataRequired(), Length(max=500)]
    )
    short_name = StringField(
        _l("Short name"), filters=[blank_to_none], validators=[Optional(), Length(max=200)]
    )
    municipality_id = SelectField(
        _l("Municipality"), coerce=optional_record_id, validators=[DataRequired()]
    )
    inn = StringField(_l("INN"), filters=[blank_to_none], validators=[Optional(), valid_inn])
    address = StringField(
        _l("Address"), filters=[blank_to_none], validators=[Optional(), Length(max=500)]
    )
    email = EmailField(
        _l("E-mail"),
        filters=[blank_to_none],
        validators=[Optional(), Email(message=_l("Enter a valid e-mail.")), Length(max=254)],
    )
    phone = StringField(
        _l("Phone"), filters=[blank_to_none], validators=[Optional(), Length(max=50)]
    )
    website = URLField(
        _l("Website"),
        filters=[blank_to_none, with_scheme],
        validators=[
            Optional(),
            URL(message=_l("Enter a valid web address.")),
            Length(max=300),
        ],
    )
    industry = StringField(
        _l("Industry"),
        description=_l("For employers only."),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=200)],
    )
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        """The submitted organization fields, as the directory services take them."""
        values = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }
        values["kind"] = OrganizationKind(values["kind"])
        return values
