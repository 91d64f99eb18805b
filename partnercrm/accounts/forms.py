from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from partnercrm.accounts.rules import password_problem
from partnercrm.web.forms import Form
from partnercrm.web.integers import optional_record_id


def strong_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(_l(problem))


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(message=_l("Enter a valid e-mail.")), Length(max=254)],
    )
    submit = SubmitField(_l("Send the link"))


class _CurrentPasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), strong_password])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(NewPasswordForm, _CurrentPasswordForm):
    """Fields render in creation order, so the current password comes first."""


class UserForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(message=_l("Enter a valid e-mail.")), Length(max=254)],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organization = SelectField(
        _l("Organization"), coerce=optional_record_id, validators=[Optional()]
    )
    municipality = SelectField(
        _l("Municipality"), coerce=optional_record_id, validators=[Optional()]
    )
    submit = SubmitField(_l("Save"))


class NewUserForm(UserForm):
    access = RadioField(
        _l("How the user gets access"),
        choices=[
            ("invite", _l("An invitation link (valid for a limited time)")),
            ("password", _l("An initial password that I hand over")),
        ],
        default="invite",
    )
    password = PasswordField(_l("Initial password"), validators=[Optional(), strong_password])
