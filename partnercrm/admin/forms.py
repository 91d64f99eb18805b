"""Base forms of the admin views: the app's CSRF token and the rules a row must satisfy.

Flask-Admin builds each view's form from the model on top of ``form_base_class``; the
``validate_<field>`` methods here run as WTForms inline validators, so a broken rule shows as
an error on the form instead of reaching the database (or a 500).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_admin.form import SecureForm
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import Email, ValidationError

from partnercrm.accounts.models import normalise_email
from partnercrm.accounts.rules import Role
from partnercrm.accounts.services import AccountError, check_attachment
from partnercrm.directory.rules import OrganizationKind, is_valid_inn
from partnercrm.extensions import db
from partnercrm.jobs.holidays import school_year_of
from partnercrm.jobs.models import SchoolHoliday
from partnercrm.jobs.rules import HOLIDAY_DATES
from partnercrm.web.forms import TextRules, WithinBounds


class CSRFForm(SecureForm):
    """SecureForm with Flask-WTF's token, the one the app-wide CSRFProtect checks on every POST.

    Flask-Admin's own SessionCSRF token has another format, so CSRFProtect would refuse it; the
    Flask-WTF Meta also takes field name, time limit and secret from the same config. The text
    rule of every form (no control characters) comes with ``TextRules``.
    """

    class Meta(TextRules, FlaskForm.Meta):
        pass

    # Flask-Admin's templates render this when a form has it; otherwise they add a second
    # token input beside the form's own.
    hidden_tag = FlaskForm.hidden_tag


class UserForm(CSRFForm):
    # Lower-cased before validation, so the unique check is as case-insensitive as the column.
    filter_email = staticmethod(normalise_email)

    def validate_email(self, field) -> None:
        # Flask-Admin's templates show only plain-string errors, so the message is not lazy.
        Email(message=_("Enter a valid e-mail."))(self, field)

    def validate_role(self, field) -> None:
        try:
            check_attachment(field.data, self.organization.data, self.municipality.data)
        except AccountError as error:
            raise ValidationError(_(str(error))) from error
        if self._is_own_account() and field.data is not Role.ADMIN:
            raise ValidationError(_("You cannot take away your own administrator role."))

    def validate_active(self, field) -> None:
        if self._is_own_account() and not field.data:
            raise ValidationError(_("You cannot deactivate your own account."))

    def _is_own_account(self) -> bool:
        # An admin locking themselves out would leave the region without an administrator.
        return self._obj is not None and self._obj.id == current_user.id


class OrganizationForm(CSRFForm):
    def validate_inn(self, field) -> None:
        if not is_valid_inn(field.data):
            raise ValidationError(_("The INN must have 10 or 12 digits with valid check digits."))

    def validate_kind(self, field) -> None:
        # Checked on the kind: the optional approval state skips its own validators when empty.
        employer = field.data is OrganizationKind.EMPLOYER
        if employer and self.approval_state.data is None:
            raise ValidationError(_("An employer needs an approval state."))
        if not employer and self.approval_state.data is not None:
            raise ValidationError(_("Only employers have an approval state."))


class SchoolHolidayForm(CSRFForm):
    def validate_first_day(self, field) -> None:
        WithinBounds(HOLIDAY_DATES)(self, field)
        # The unique (school_year, first_day) would otherwise end in a raw integrity error.
        other = db.session.scalar(
            sa.select(SchoolHoliday).where(
                SchoolHoliday.school_year == self.school_year.data,
                SchoolHoliday.first_day == field.data,
            )
        )
        if other is not None and other is not self._obj:
            raise ValidationError(_("Holidays starting on this day are already entered."))

    # Checked on the last day: both dates are there (required) by the time it runs.
    def validate_last_day(self, field) -> None:
        WithinBounds(HOLIDAY_DATES)(self, field)
        first_day, last_day = self.first_day.data, field.data
        if first_day is None or last_day is None:
            return
        if last_day < first_day:
            raise ValidationError(_("The last day cannot be before the first day."))
        year = self.school_year.data
        if not school_year_of(first_day) == school_year_of(last_day) == year:
            raise ValidationError(
                _(
                    "The holidays must lie within the school year %(year)s "
                    "(1 September – 31 August).",
                    year=year,
                )
            )
