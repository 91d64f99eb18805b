from __future__ import annotations

from dataclasses import fields

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional

from partnercrm.accounts.forms import strong_password
from partnercrm.directory.forms import valid_inn
from partnercrm.portal.services import OrganizationDetails, SignUpData
from partnercrm.web.forms import Form, blank_to_none, with_scheme
from partnercrm.web.integers import optional_record_id


class SignUpForm(Form):
    """The public employer sign-up: the organization, then the person who speaks for it.

    The view fills the municipality choices.
    """

    name = StringField(
        _l("Official name"),
        description=_l("As in the register of legal entities, e.g. ООО «Янтарь»."),
        filters=[blank_to_none],
        validators=[DataRequired(), Length(max=500)],
    )
    inn = StringField(
        _l("INN"),
        description=_l(
            "If the organization is already in PartnerCRM, you will ask to join it instead."
        ),
        filters=[blank_to_none],
        validators=[DataRequired(), valid_inn],
    )
    municipality = SelectField(
        _l("Municipality"), coerce=optional_record_id, validators=[DataRequired()]
    )
    industry = StringField(
        _l("Industry"), filters=[blank_to_none], validators=[DataRequired(), Length(max=200)]
    )
    address = StringField(
        _l("Address"), filters=[blank_to_none], validators=[DataRequired(), Length(max=500)]
    )
    website = URLField(
        _l("Website"),
        filters=[blank_to_none, with_scheme],
        validators=[Optional(), URL(message=_l("Enter a valid web address.")), Length(max=300)],
    )
    full_name = StringField(
        _l("Full name"), filters=[blank_to_none], validators=[DataRequired(), Length(max=200)]
    )
    position = StringField(
        _l("Position"), filters=[blank_to_none], validators=[Optional(), Length(max=200)]
    )
    phone = StringField(
        _l("Phone"), filters=[blank_to_none], validators=[DataRequired(), Length(max=50)]
    )
    email = EmailField(
        _l("E-mail"),
        description=_l("Your login; the confirmation link is sent here."),
        filters=[blank_to_none],
        validators=[DataRequired(), Email(message=_l("Enter a valid e-mail.")), Length(max=254)],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), strong_password])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent = BooleanField(
        _l(
            "I agree to the processing of my personal data for the review of this registration "
            "(Federal Law 152-FZ)."
        ),
        validators=[DataRequired(message=_l("Without this consent we cannot review it."))],
    )
    submit = SubmitField(_l("Sign up"))

    def data_for_service(self, municipality) -> SignUpData:
        return SignUpData(
            name=self.name.data,
            inn=self.inn.data,
            municipality=municipality,
            industry=self.industry.data,
            address=self.address.data,
            website=self.website.data,
            full_name=self.full_name.data,
            position=self.position.data,
            phone=self.phone.data,
            email=self.email.data,
            password=self.password.data,
        )


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The applicant receives it by e-mail."),
        filters=[blank_to_none],
        validators=[DataRequired(message=_l("Give the reason for declining.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Decline"))


class OrganizationDetailsForm(Form):
    """What an employer awaiting approval corrects of its sign-up (docs/portal.md): its
    organization's names, industry, address and contacts. The INN and the municipality are
    shown, not edited."""

    name = StringField(
        _l("Official name"), filters=[blank_to_none], validators=[DataRequired(), Length(max=500)]
    )
    short_name = StringField(
        _l("Short name"), filters=[blank_to_none], validators=[Optional(), Length(max=200)]
    )
    industry = StringField(
        _l("Industry"), filters=[blank_to_none], validators=[DataRequired(), Length(max=200)]
    )
    address = StringField(
        _l("Address"), filters=[blank_to_none], validators=[DataRequired(), Length(max=500)]
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
        validators=[Optional(), URL(message=_l("Enter a valid web address.")), Length(max=300)],
    )
    submit = SubmitField(_l("Save"))

    def details(self) -> OrganizationDetails:
        return OrganizationDetails(
            **{field.name: self[field.name].data for field in fields(OrganizationDetails)}
        )
