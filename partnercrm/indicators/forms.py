"""Query-string parameters of the report pages: a year or a from/to period
(:class:`~partnercrm.web.periods.PeriodForm`), a programme, a scope, an indicator, an export
format. Read from ``request.args`` with :func:`~partnercrm.web.periods.read` (GET forms, no
CSRF). Which indicators a page may show depends on the programme, so the view checks the
indicator against it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, Length, Optional

from partnercrm.indicators.export import FORMATS, ROADMAP_FORMATS
from partnercrm.web.forms import blank_to_none
from partnercrm.web.integers import id_range
from partnercrm.web.periods import PeriodForm


class ProgrammePeriodForm(PeriodForm):
    """A period and the programme counted over it (a code; none: the period's, DESIGN §7)."""

    programme = StringField(
        _l("Programme"), filters=[blank_to_none], validators=[Optional(), Length(max=50)]
    )

    def report_args(self) -> dict:
        """The query arguments that give the same period and programme again (for links
        between the report pages and their downloads)."""
        return self.period_args() | {"programme": self.programme.data}


def _indicator_field() -> IntegerField:
    """A number of an indicator of the programme; none: the page's first."""
    return IntegerField(_l("Indicator"), validators=[Optional(), id_range()])


class ReportForm(ProgrammePeriodForm):
    """The report page: period, programme, scope (municipality, school) and the chart's
    indicator."""

    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    school = IntegerField(
        _l("School"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    indicator = _indicator_field()


class DrillDownForm(ProgrammePeriodForm):
    indicator = _indicator_field()


UNKNOWN_FORMAT = _l("Unknown format; choose one of %(values)s.")


class RoadmapForm(ProgrammePeriodForm):
    """The live roadmap: period, programme, municipality and, for a download, the format."""

    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    format = StringField(
        _l("Format"),
        filters=[blank_to_none],
        validators=[Optional(), AnyOf(ROADMAP_FORMATS, message=UNKNOWN_FORMAT)],
    )


class ExportForm(ProgrammePeriodForm):
    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    format = StringField(
        _l("Format"),
        default="json",
        validators=[AnyOf(FORMATS, message=UNKNOWN_FORMAT)],
    )
