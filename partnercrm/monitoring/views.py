"""Monitoring pages (docs/monitoring.md): the yearly campaign, municipal plans and the
ministry's values (the indicators a programme counts as ``manual``), each by the indicators of
a programme. Admins and coordinators only; every write is a POST with CSRF, checked against the
user's scope on the server, and committed once by the request's unit of work."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from partnercrm import uploads
from partnercrm.access.base import coordinator_municipality_id, require
from partnercrm.access.monitoring import (
    can_download_municipal_plan,
    can_enter_indicator_values,
    can_manage_campaigns,
    can_manage_municipal_plan,
    can_manage_plans_of,
    can_see_municipal_report,
    can_submit_municipal_report,
    can_use_monitoring,
    municipal_reports_scope,
    plan_municipalities_scope,
)
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.indicators.models import MunicipalPlan
from partnercrm.localtime import local_today
from partnercrm.monitoring import export, services
from partnercrm.monitoring.forms import (
    CampaignForm,
    ConfirmForm,
    DeadlineForm,
    PlanForm,
    ReturnReportForm,
    SubmitReportForm,
    indicator_values_form,
)
from partnercrm.monitoring.labels import STATE_CLASSES, STATE_LABELS
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import CampaignStatus, ReportStatus
from partnercrm.roadmap.models import Programme
from partnercrm.spreadsheets import CSV_MIME_TYPE, XLSX_MIME_TYPE
from partnercrm.web.integers import record_id
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@bp.context_processor
def _context() -> dict:
    return {
        "ReportStatus": ReportStatus,
        "CampaignStatus": CampaignStatus,
        "can_enter_indicator_values": can_enter_indicator_values,
        "state_labels": STATE_LABELS,
        "state_classes": STATE_CLASSES,
    }


def _allowed_if(predicate):
    """Logged in, and ``predicate(current_user)`` of ``access.monitoring``; 403 otherwise."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(predicate(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Admins, and coordinators attached to a municipality.
monitoring_user = _allowed_if(can_use_monitoring)
campaign_manager = _allowed_if(can_manage_campaigns)


def _year_arg() -> int:
    year = request.args.get("year", type=int)
    if year is None or not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        return local_today().year
    return year


def _campaigns() -> list[MonitoringCampaign]:
    return list(
        db.session.scalars(
            sa.select(MonitoringCampaign)
            .options(sa.orm.joinedload(MonitoringCampaign.programme))
            .order_by(MonitoringCampaign.year.desc())
        )
    )


# --- overview and campaigns ---


@bp.route("/")
@monitoring_user
def index():
    if can_manage_campaigns(current_user):
        return _admin_index(CampaignForm(formdata=None, year=local_today().year))
    # A coordinator's overview: the own municipality's report in each campaign.
    reports = {
        report.campaign_id: report
        for report in db.session.scalars(municipal_reports_scope(current_user))
    }
    today = local_today()
    rows = [
        services.report_row(
            campaign, current_user.municipality, reports.get(campaign.id), None, today
        )
        for campaign in _campaigns()
    ]
    return render_template("monitoring/index.html", rows=rows, today=today, form=None)


def _programme_choices(form: CampaignForm) -> None:
    programmes = db.session.scalars(
        sa.select(Programme).order_by(Programme.valid_from, Programme.id)
    )
    form.programme_id.choices = [SelectChoice(0, _("The programme of the year"))] + [
        SelectChoice(
            programme.id,
            f"{programme.code} ({programme.valid_from:%d.%m.%Y}–{programme.valid_to:%d.%m.%Y})",
        )
        for programme in programmes
    ]


def _admin_index(form: CampaignForm, status: int = 200):
    _programme_choices(form)
    counts = dict(
        db.session.execute(
            sa.select(MunicipalReport.campaign_id, sa.func.count())
            .where(MunicipalReport.status == ReportStatus.SUBMITTED)
            .group_by(MunicipalReport.campaign_id)
        ).all()
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Municipality))
    return render_template(
        "monitoring/index.html",
        campaigns=_campaigns(),
        counts=counts,
        total=total,
        form=form,
        today=local_today(),
    ), status


@bp.route("/campaigns", methods=["POST"])
@campaign_manager
def open_campaign():
    form = CampaignForm()
    _programme_choices(form)
    if form.validate_on_submit():
        with refusal_shown(form):
            programme = (
                db.session.get(Programme, form.programme_id.data)
                if form.programme_id.data
                else None
            )
            campaign = services.open_campaign(
                form.year.data, form.deadline.data, current_user, programme
            )
            flash(_("The campaign has been opened."), "success")
            return redirect(url_for("monitoring.campaign", campaign_id=campaign.id))
    return _admin_index(form, 400)


@bp.route("/campaigns/<int:campaign_id>")
@monitoring_user
def campaign(campaign_id: int):
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    if not can_manage_campaigns(current_user):
        # A coordinator's view of a campaign is the own municipality's report.
        return redirect(
            url_for(
                "monitoring.report",
                campaign_id=campaign.id,
                municipality_id=coordinator_municipality_id(current_user),
            )
        )
    rows = services.consolidated(campaign)
    return render_template(
        "monitoring/campaign.html",
        campaign=campaign,
        rows=rows,
        indicators=services.programme_indicators(campaign.programme),
        submitted=sum(row.submitted for row in rows),
        deadline_form=DeadlineForm(formdata=None, deadline=campaign.deadline),
        today=local_today(),
    )


@bp.route("/campaigns/<int:campaign_id>/deadline", methods=["POST"])
@campaign_manager
def set_deadline(campaign_id: int):
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    form = DeadlineForm()
    if form.validate_on_submit():
        with refusal_shown():
            services.set_deadline(campaign, form.deadline.data)
            flash(_("The deadline has been changed."), "success")
    else:
        flash(_("Enter a date."), "danger")
    return redirect(url_for("monitoring.campaign", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@campaign_manager
def close_campaign(campaign_id: int):
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    if ConfirmForm().validate_on_submit():
        with refusal_shown():
            services.close_campaign(campaign)
            flash(_("The campaign has been closed: no more reports are accepted."), "success")
    return redirect(url_for("monitoring.campaign", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/export.<fmt>")
@campaign_manager
def export_campaign(campaign_id: int, fmt: str):
    if fmt not in export.FORMATS:
        abort(404)
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    body = export.render(
        campaign,
        services.programme_indicators(campaign.programme),
        services.consolidated(campaign),
        fmt,
    )
    record(
        AuditAction.EXPORT,
        "monitoring_campaign",
        campaign.id,
        {"year": campaign.year, "format": fmt},
    )
    return Response(
        body,
        mimetype=CSV_MIME_TYPE if fmt == "csv" else XLSX_MIME_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename={export.filename(campaign.year, fmt)}"
        },
    )


# --- a municipality's report ---


def _report_scope(municipality_id: int) -> Municipality:
    """403 before anything is looked up for a municipality out of the user's scope."""
    require(can_see_municipal_report(current_user, municipality_id))
    return db.get_or_404(Municipality, municipality_id)


@bp.route("/campaigns/<int:campaign_id>/municipalities/<int:municipality_id>")
@monitoring_user
def report(campaign_id: int, municipality_id: int):
    municipality = _report_scope(municipality_id)
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    return _render_report(campaign, municipality)


def _render_report(campaign, municipality, form=None, status=200, return_form=None):
    report = services.find_report(campaign, municipality.id)
    live = services.live_values(campaign, municipality.id)
    row = services.report_row(campaign, municipality, report, live)
    can_submit = (
        can_submit_municipal_report(current_user, municipality.id)
        and campaign.status is CampaignStatus.OPEN
        and (report is None or report.status is ReportStatus.REOPENED)
    )
    if form is None and can_submit:
        form = SubmitReportForm(formdata=None, comment=report.comment if report else None)
    can_reopen = (
        can_manage_campaigns(current_user)
        and campaign.status is CampaignStatus.OPEN
        and report is not None
        and report.status is ReportStatus.SUBMITTED
    )
    if return_form is None and can_reopen:
        return_form = ReturnReportForm(formdata=None)
    return render_template(
        "monitoring/report.html",
        campaign=campaign,
        municipality=municipality,
        report=report,
        row=row,
        indicators=services.programme_indicators(campaign.programme),
        form=form if can_submit else None,
        return_form=return_form if can_reopen else None,
    ), status


@bp.route(
    "/campaigns/<int:campaign_id>/municipalities/<int:municipality_id>/submit", methods=["POST"]
)
@monitoring_user
def submit_report(campaign_id: int, municipality_id: int):
    require(can_submit_municipal_report(current_user, municipality_id))
    municipality = db.get_or_404(Municipality, municipality_id)
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    form = SubmitReportForm()
    if not form.validate_on_submit():
        return _render_report(campaign, municipality, form, 400)
    with refusal_shown():
        services.submit_report(campaign, municipality.id, current_user, form.comment.data)
        flash(_("The report has been submitted; its values are frozen."), "success")
    return redirect(
        url_for("monitoring.report", campaign_id=campaign_id, municipality_id=municipality_id)
    )


@bp.route(
    "/campaigns/<int:campaign_id>/municipalities/<int:municipality_id>/reopen", methods=["POST"]
)
@campaign_manager
def reopen_report(campaign_id: int, municipality_id: int):
    campaign = db.get_or_404(MonitoringCampaign, campaign_id)
    report = services.find_report(campaign, municipality_id)
    if report is None:
        abort(404)
    form = ReturnReportForm()
    if not form.validate_on_submit():
        return _render_report(campaign, report.municipality, status=400, return_form=form)
    with refusal_shown():
        services.reopen_report(report, current_user, form.reason.data)
        flash(_("The report has been returned; the coordinator can submit it again."), "success")
    return redirect(
        url_for("monitoring.report", campaign_id=campaign_id, municipality_id=municipality_id)
    )


# --- municipal plans ---


@bp.route("/plans")
@monitoring_user
def plans():
    year = _year_arg()
    rows = services.plans_by_municipality(year)
    return render_template(
        "monitoring/plans.html",
        year=year,
        rows=rows,
        counted=sum(row.counted for row in rows),
        can_manage=lambda municipality_id: can_manage_plans_of(current_user, municipality_id),
        can_download=lambda plan: can_download_municipal_plan(current_user, plan),
    )


def _plan_municipality_choices(form: PlanForm) -> None:
    municipalities = db.session.scalars(
        plan_municipalities_scope(current_user).order_by(Municipality.name)
    )
    choices = [SelectChoice(m.id, m.name) for m in municipalities]
    form.municipality_id.choices = ([SelectChoice(0, "—")] if len(choices) > 1 else []) + choices


def _save_plan(form: PlanForm, plan: MunicipalPlan | None):
    """Create or update from a valid form, with the PDF if one was chosen; a redirect on
    success, None to show the errors (nothing kept, no file left behind: a stored file goes
    with a rollback, the one it replaced with the commit)."""
    file = form.document.data
    with refusal_shown(form):
        if plan is None:
            plan = services.create_plan(
                form.municipality_id.data, form.year.data, form.approved_on.data, form.title.data
            )
        else:
            services.update_plan(plan, form.year.data, form.approved_on.data, form.title.data)
        if file is not None and file.filename:
            try:
                stored = uploads.save_pdf(file, services.PLAN_DOCUMENTS, field="document")
            except uploads.FileTooLarge:
                abort(413)  # as for a request above MAX_CONTENT_LENGTH
            uploads.discard_on_rollback(services.PLAN_DOCUMENTS, stored)
            old = services.set_plan_document(plan, stored)
            uploads.discard_on_commit(services.PLAN_DOCUMENTS, old)
        flash(_("The plan has been saved."), "success")
        return redirect(url_for("monitoring.plans", year=plan.year))
    return None


@bp.route("/plans/new", methods=["GET", "POST"])
@monitoring_user
def new_plan():
    if request.method == "POST":
        # A municipality out of scope is refused outright, not offered as a form error.
        posted = request.form.get("municipality_id", type=record_id)
        if posted:
            require(can_manage_plans_of(current_user, posted))
        form = PlanForm()
    else:
        form = PlanForm(
            formdata=None,
            municipality_id=request.args.get("municipality", type=record_id)
            or coordinator_municipality_id(current_user),
            year=_year_arg(),
        )
    _plan_municipality_choices(form)
    status = 200
    if form.is_submitted():
        if form.validate() and (response := _save_plan(form, None)):
            return response
        status = 400
    return render_template("monitoring/plan_form.html", form=form, plan=None), status


def _managed_plan(plan_id: int) -> MunicipalPlan:
    plan = db.get_or_404(MunicipalPlan, plan_id)
    require(can_manage_municipal_plan(current_user, plan))
    return plan


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@monitoring_user
def edit_plan(plan_id: int):
    plan: MunicipalPlan | None = _managed_plan(plan_id)
    form = PlanForm(obj=plan) if request.method == "POST" else PlanForm(formdata=None, obj=plan)
    del form.municipality_id  # a plan stays with its municipality
    status = 200
    if form.is_submitted():
        if form.validate() and (response := _save_plan(form, plan)):
            return response
        status = 400
        plan = db.session.get(MunicipalPlan, plan_id)  # as stored, after any rollback
    return render_template("monitoring/plan_form.html", form=form, plan=plan), status


@bp.route("/plans/<int:plan_id>/delete", methods=["POST"])
@monitoring_user
def delete_plan(plan_id: int):
    plan = _managed_plan(plan_id)
    year = plan.year
    if ConfirmForm().validate_on_submit():
        uploads.discard_on_commit(services.PLAN_DOCUMENTS, services.delete_plan(plan))
        flash(_("The plan has been deleted."), "success")
    return redirect(url_for("monitoring.plans", year=year))


@bp.route("/plans/<int:plan_id>/document")
@monitoring_user
def plan_document(plan_id: int):
    plan = db.get_or_404(MunicipalPlan, plan_id)
    require(can_download_municipal_plan(current_user, plan))
    return uploads.send_pdf(
        services.PLAN_DOCUMENTS,
        plan.document,
        f"План профориентации {plan.municipality.name} {plan.year}",
    )


# --- the ministry's values ---


@bp.route("/values", methods=["GET", "POST"])
@_allowed_if(can_enter_indicator_values)
def values():
    """The ministry's values of a year for the indicators of one of the year's programmes
    (``?programme=CODE``, by default the one that counts the year) whose rule counts
    ``manual``."""
    year = _year_arg()
    programmes = services.year_programmes(year)
    code = request.args.get("programme")
    programme = next((p for p in programmes if p.code == code), None)
    if programme is None and programmes:
        programme = programmes[0]
    indicators = services.ministry_indicators(programme) if programme else []
    form_class = indicator_values_form(indicators)
    entered = services.entered_values(year, programme) if programme else {}
    if request.method == "POST":
        form = form_class()
    else:
        data = {}
        for indicator in indicators:
            current = entered.get(indicator.number)
            value = current.value if current else None
            if indicator.yes_no:
                value = "" if value is None else str(value)
            data[f"value_{indicator.number}"] = value
            data[f"comment_{indicator.number}"] = current.comment if current else None
        form = form_class(formdata=None, data=data)
    status = 200
    if form.is_submitted():
        if programme is not None and indicators and form.validate():
            with refusal_shown():
                for indicator in indicators:
                    value = form[f"value_{indicator.number}"].data
                    if indicator.yes_no:
                        value = int(value) if value else None
                    services.set_indicator_value(
                        programme,
                        indicator.number,
                        year,
                        value,
                        form[f"comment_{indicator.number}"].data,
                        current_user,
                    )
                flash(_("The values have been saved."), "success")
                return redirect(url_for("monitoring.values", year=year, programme=programme.code))
        status = 400
    return render_template(
        "monitoring/values.html",
        year=year,
        programme=programme,
        programmes=programmes,
        form=form,
        indicators=indicators,
        entered=services.entered_values(year, programme) if programme else {},
        history=services.entered_history(),
    ), status
