"""The plan item 7 report page and its CSV/XLSX export (docs/holiday-jobs.md, "Report").

A blueprint of its own beside the jobs pages (``jobs.views``). Scope: partnercrm/access/jobs.py,
"Holiday job report"; the numbers: partnercrm/jobs/report.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, Optional

from partnercrm.access.base import require, scope_municipality_id
from partnercrm.access.jobs import can_report_jobs_in, can_see_job_report
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.directory.models import Municipality
from partnercrm.directory.queries import all_municipalities
from partnercrm.extensions import db
from partnercrm.jobs.report import JobReport, job_report
from partnercrm.spreadsheets import CSV_MIME_TYPE, XLSX_MIME_TYPE, Sheet, to_csv, to_xlsx
from partnercrm.web.forms import blank_to_none
from partnercrm.web.integers import id_range
from partnercrm.web.periods import PeriodForm, read, year_bounds

bp = Blueprint("job_report", __name__, url_prefix="/jobs/report")

MIME_TYPES = {"csv": CSV_MIME_TYPE, "xlsx": XLSX_MIME_TYPE}


class JobReportForm(PeriodForm):
    """The period (the current year when none is given), the municipality and, for a download,
    the format; from the query string."""

    municipality = IntegerField(
        _l("Municipality"), filters=[blank_to_none], validators=[Optional(), id_range()]
    )
    format = StringField(
        _l("Format"),
        filters=[blank_to_none],
        validators=[
            Optional(),
            AnyOf(tuple(MIME_TYPES), message=_l("Unknown format; choose one of %(values)s.")),
        ],
    )


def _table(report: JobReport) -> tuple[list[str], list[list]]:
    header = [
        _("Municipality"),
        _("Places offered"),
        _("Applicants"),
        _("Employed"),
        _("Completed the job"),
    ]
    rows = [[row.municipality, *_numbers(row.figures)] for row in report.rows]
    rows.append([_("Total"), *_numbers(report.total)])
    return header, rows


def _numbers(figures) -> list[int]:
    return [figures.places, figures.applicants, figures.hired, figures.completed]


def _download(report: JobReport, place: Municipality | None, fmt: str) -> Response:
    header, rows = _table(report)
    if fmt == "csv":
        content = to_csv(header, rows)
    else:
        caption = [
            _("Holiday jobs report"),
            _(
                "Period: %(start)s – %(end)s",
                start=format_date(report.first_day, "dd.MM.yyyy"),
                end=format_date(report.last_day, "dd.MM.yyyy"),
            ),
            _("Municipality: %(name)s", name=place.name) if place else _("The whole region"),
        ]
        content = to_xlsx([Sheet(_("Holiday jobs report"), header, rows, caption=caption)])
    record(
        AuditAction.EXPORT,
        "holiday job report",
        place.id if place else None,
        details={
            "format": fmt,
            "from": report.first_day.isoformat(),
            "to": report.last_day.isoformat(),
            "municipality": place.name if place else None,
        },
    )
    name = f"holiday-jobs-{report.first_day.isoformat()}_{report.last_day.isoformat()}"
    if place is not None:
        name += f"-municipality-{place.id}"
    response = Response(content, content_type=MIME_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@bp.route("")
@login_required
def report():
    """Places offered, applicants, hired and completed per municipality of the job, for the
    published and closed jobs whose period overlaps the chosen one."""
    user = current_user
    require(can_see_job_report(user))
    form = read(JobReportForm, request.args)
    own = scope_municipality_id(user)
    municipalities = all_municipalities() if own is None else []
    asked = None if form.municipality.errors else form.municipality.data
    municipality_id = asked if asked is not None else own
    place = None
    if municipality_id is not None:
        place = db.session.get(Municipality, municipality_id)
        if place is None:
            form.municipality.errors.append(_l("There is no such municipality."))
    if place is not None:
        require(can_report_jobs_in(user, place.id))
    if any(field.errors for field in form):
        return render_template(
            "jobs/report.html", form=form, municipalities=municipalities, **year_bounds()
        ), 400
    period = form.period
    result = job_report(db.session, period.start, period.end, place.id if place else None)
    if form.format.data:
        return _download(result, place, form.format.data)
    return render_template(
        "jobs/report.html",
        form=form,
        municipalities=municipalities,
        chosen={"municipality": place},
        report=result,
        period_args={**form.period_args(), "municipality": place.id if place else None},
        **year_bounds(),
    )
