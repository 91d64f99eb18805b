"""Query-string parameters of the report pages: a year or a from/to period
(:class:`~partnercrm.web.periods.PeriodForm`), a scope, an indicator, an export format. Read
from ``request.args`` with :func:`~partnercrm.web.periods.read` (GET forms, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, Optional

from partnercrm.indicators.export import FORMATS, ROADMAP_FORMATS
from partnercrm.web.forms import blank_to_none
from partnercrm.web.integers import id_range
from partnercrm.web.periods import PeriodForm

# Indicators a chart or a drill-down can show: those with a value per municipality (1) or
# computed from activities (2, 3, 4, 6).
CHART_NUMBERS = (1, 2, 3, 4, 6)
ACTIVITY_NUMBERS = (2, 3, 4, 6)
UNKNOWN_INDICATOR = _l("Choose one of the indicators %(values)s.")


class ReportForm(PeriodForm):
    """The report page: period, scope (municipality, school) and the chart's indicator."""

    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    school = IntegerField(
        _l("School"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    indicator = IntegerField(
        _l("Indicator"), default=2, validators=[AnyOf(CHART_NUMBERS, message=UNKNOWN_INDICATOR)]
    )


class DrillDownForm(PeriodForm):
    indicator = IntegerField(
        _l("Indicator"), default=2, validators=[AnyOf(ACTIVITY_NUMBERS, message=UNKNOWN_INDICATOR)]
    )


UNKNOWN_FORMAT = _l("Unknown format; choose one of %(values)s.")


class RoadmapForm(PeriodForm):
    """The live roadmap: period, municipality and, for a download, the format."""

    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    format = StringField(
        _l("Format"),
        filters=[blank_to_none],
        validators=[Optional(), AnyOf(ROADMAP_FORMATS, message=UNKNOWN_FORMAT)],
    )


class ExportForm(PeriodForm):
    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    format = StringField(
        _l("Format"),
        default="json",
        validators=[AnyOf(FORMATS, message=UNKNOWN_FORMAT)],
    )
