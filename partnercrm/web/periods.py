"""The period of a report page, read from the query string: a calendar year (the current local
year when nothing is given), a school year (1 September – 31 August, named by the year it
starts in) or an inclusive from/to period. GET forms, no CSRF: nothing changes.

Report forms (indicators, monitoring, the holiday jobs report) subclass :class:`PeriodForm` with
their own fields; templates show the period fields with ``min_year``/``max_year`` as bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from partnercrm.localtime import Period, local_today, school_year_of, to_local
from partnercrm.web.forms import Form

MIN_YEAR, MAX_YEAR = 2000, 2100
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def current_year() -> int:
    """The current year in Europe/Kaliningrad."""
    return to_local(datetime.now(UTC)).year


def current_school_year() -> int:
    """The year the current school year started in (Europe/Kaliningrad)."""
    return school_year_of(local_today())


def school_years() -> list[tuple[int, str]]:
    """The school years a period field offers, newest first: (first year, "2025/26")."""
    return [
        (year, f"{year}/{(year + 1) % 100:02d}")
        for year in range(current_school_year() + 1, MIN_YEAR - 1, -1)
    ]


class PeriodForm(Form):
    """A year (the current local year when nothing is given), a school year or an inclusive
    from/to period; a period, when given, is used instead of the school year, and a school
    year instead of the year."""

    class Meta:
        csrf = False

    year = IntegerField(
        _l("Year"), validators=[Optional(), NumberRange(min=MIN_YEAR, max=MAX_YEAR)]
    )
    school_year = IntegerField(
        _l("School year"), validators=[Optional(), NumberRange(min=MIN_YEAR, max=MAX_YEAR - 1)]
    )
    start = DateField(_l("From"), name="from", format=DATE_FORMATS, validators=[Optional()])
    end = DateField(_l("To"), name="to", format=DATE_FORMATS, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = self.start.data, self.end.data
        if (start is None) != (end is None):
            (self.end if end is None else self.start).errors.append(
                _l("Give both dates of the period, or neither.")
            )
            return False
        if start is not None:
            if end < start:
                self.end.errors.append(_l("The end of the period is before its start."))
                return False
            if start.year < MIN_YEAR or end.year > MAX_YEAR:
                self.start.errors.append(
                    _l("Dates must lie between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR)
                )
                return False
        return True

    @property
    def period(self) -> Period:
        """The chosen period; call after a successful ``validate``."""
        if self.start.data is not None:
            return Period(self.start.data, self.end.data)
        if self.school_year.data is not None:
            return Period.school_year(self.school_year.data)
        return Period.year(self.year.data or current_year())

    @property
    def is_year(self) -> bool:
        """A calendar year (not a school year or a from/to period)?"""
        return self.start.data is None and self.school_year.data is None

    def period_args(self) -> dict:
        """The query arguments that give the same period again (for links)."""
        if self.is_year:
            return {"year": self.period.start.year}
        if self.start.data is None:
            return {"school_year": self.school_year.data}
        period = self.period
        return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def read(form_class: type[PeriodForm], args) -> PeriodForm:
    """The form filled from the query string, validated (``form.errors`` tells what is wrong)."""
    form = form_class(formdata=args)
    form.validate()
    return form


def year_bounds() -> dict:
    """The year bounds the period fields of a template show (``min_year``, ``max_year``) and
    the school years they offer (``school_years``)."""
    return {"min_year": MIN_YEAR, "max_year": MAX_YEAR, "school_years": school_years()}
