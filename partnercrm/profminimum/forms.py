"""The form of the levels page: a school of the user's scope, a school year and a level."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SubmitField

from partnercrm.web.forms import Form
from partnercrm.web.integers import int_between, record_id


class LevelForm(Form):
    # Choices (the schools of the user's scope, the school years, the levels with their
    # targets) are set by the view.
    school = SelectField(_l("School"), coerce=record_id)
    school_year = SelectField(_l("School year"), coerce=int_between(1900, 2999))
    level = RadioField(_l("Level"))
    submit = SubmitField(_l("Save"))
