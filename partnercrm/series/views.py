"""The series pages (docs/profminimum.md, "Weekly series"): a school's list of series, the
form that makes one (dates previewed with the holidays skipped), a series' sessions, the change
of its future sessions, and a session's attendance — absentees marked in a few taps on a phone.

They are the organizing school's: other roles answer 403, another school's series 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from partnercrm.access.activities import creatable_activity_kinds
from partnercrm.access.base import permission_required
from partnercrm.access.series import can_keep_series, can_manage_series, series_scope
from partnercrm.activities.kinds import KINDS
from partnercrm.activities.labels import KIND_LABELS
from partnercrm.activities.models import Activity
from partnercrm.activities.roster import class_key, school_classes
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import utcnow
from partnercrm.directory.queries import organization_label
from partnercrm.extensions import db
from partnercrm.series import services
from partnercrm.series.forms import WEEKDAYS, AttendanceForm, SeriesForm, TimingForm
from partnercrm.series.models import ActivitySeries
from partnercrm.series.queries import attendance_by_session, attendance_list
from partnercrm.series.rules import Schedule
from partnercrm.web import form_tokens
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("series", __name__, url_prefix="/series")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(series_weekdays=dict(WEEKDAYS))


def _series(series_id: int) -> ActivitySeries:
    series = db.session.get(ActivitySeries, series_id)
    if series is None or not can_manage_series(current_user, series):
        abort(404)
    return series


def _session(series: ActivitySeries, activity_id: int) -> Activity:
    session = db.session.get(Activity, activity_id)
    if session is None or session.series_id != series.id:
        abort(404)
    return session


def _timing(form: TimingForm):
    """The form's fields as the service takes them; the host defaults to the school."""
    return {
        "title": form.title.data or "",
        "host": form.host.organization or current_user.organization,
        "starts_at": form.start.data,
        "length_minutes": form.length.data,
        "hours": form.hours.data,
        "location": form.location.data,
    }


def _own_classes() -> dict[str, tuple[int, str | None]]:
    """The classes of the user's school by name («8А»)."""
    return {
        class_key(grade, letter): (grade, letter)
        for grade, letter in school_classes(current_user.organization_id)
    }


@bp.route("/")
@permission_required(can_keep_series)
def index():
    sessions = (
        sa.select(Activity.series_id, sa.func.count().label("sessions"))
        .where(
            Activity.series_id.in_(series_scope(current_user).with_only_columns(ActivitySeries.id))
        )
        .group_by(Activity.series_id)
        .subquery()
    )
    rows = db.session.execute(
        series_scope(current_user)
        .add_columns(sa.func.coalesce(sessions.c.sessions, 0))
        .outerjoin(sessions, sessions.c.series_id == ActivitySeries.id)
        .order_by(ActivitySeries.first_date.desc(), ActivitySeries.id.desc())
    ).all()
    return render_template("series/index.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(can_keep_series)
def new() -> ResponseReturnValue:
    form = SeriesForm()
    kinds = [
        kind
        for kind in creatable_activity_kinds(current_user)
        if KINDS[kind].students_take_part and not KINDS[kind].day_based
    ]
    form.kind.choices = [(kind.value, KIND_LABELS[kind]) for kind in kinds]
    if not form.is_submitted():
        form.kind.data = ActivityKind.CAREER_EVENT.value
    classes = _own_classes()
    form.classes.choices = [(key, key) for key in classes]
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    schedule: Schedule | None = None
    if form.validate_on_submit():
        data = services.SeriesData(
            **_timing(form),
            kind=ActivityKind(form.kind.data),
            weekday=form.weekday.data,
            first_date=form.first_date.data,
            last_date=form.last_date.data,
            count=form.count.data,
            classes=[classes[key] for key in form.classes.data or []],
        )
        with refusal_shown(form):
            if not form.submit.data:
                schedule = services.plan_series(current_user.organization, data)
            else:
                series, schedule = services.create_series(
                    current_user.organization, data, current_user
                )
                url = url_for("series.detail", series_id=series.id)
                form_tokens.spend(form, url)
                flash(
                    _(
                        "The series has been created: %(sessions)d sessions, %(skipped)d "
                        "skipped for the holidays.",
                        sessions=len(schedule.dates),
                        skipped=len(schedule.skipped),
                    ),
                    "success",
                )
                return redirect(url)
    return render_template("series/form.html", form=form, classes=list(classes), schedule=schedule)


@bp.route("/<int:series_id>")
@permission_required(can_keep_series)
def detail(series_id: int):
    series = _series(series_id)
    sessions = db.session.scalars(services.sessions_query(series)).all()
    schedule = services.schedule_of(
        series.first_date, series.weekday, series.last_date, series.session_count
    )
    return render_template(
        "series/detail.html",
        series=series,
        sessions=sessions,
        attendance=attendance_by_session(db.session, series),
        skipped=schedule.skipped,
        may_hold=_may_hold,
    )


@bp.route("/<int:series_id>/edit", methods=["GET", "POST"])
@permission_required(can_keep_series)
def edit(series_id: int):
    series = _series(series_id)
    form = TimingForm()
    if not form.is_submitted():
        form.title.data = series.title
        form.start.data = series.starts_at
        form.length.data = series.length_minutes
        form.hours.data = series.hours
        form.location.data = series.location
        if series.host_id != series.school_id:
            form.host.data = organization_label(series.host)
    if form.validate_on_submit():
        with refusal_shown(form):
            changed = services.update_series(series, services.Timing(**_timing(form)))
            flash(
                _(
                    "The series has been changed; future sessions changed: %(count)d.",
                    count=changed,
                ),
                "success",
            )
            return redirect(url_for("series.detail", series_id=series.id))
    return render_template("series/edit.html", form=form, series=series)


@bp.route("/<int:series_id>/delete", methods=["POST"])
@permission_required(can_keep_series)
def delete(series_id: int):
    series = _series(series_id)
    with refusal_shown():
        services.delete_series(series)
        flash(_("The series and its sessions have been deleted."), "success")
        return redirect(url_for("series.index"))
    return redirect(url_for("series.detail", series_id=series_id))


@bp.route("/<int:series_id>/sessions/<int:activity_id>", methods=["GET", "POST"])
@permission_required(can_keep_series)
def attendance(series_id: int, activity_id: int):
    series = _series(series_id)
    session = _session(series, activity_id)
    form = AttendanceForm()
    if session.status is not ActivityStatus.CANCELLED and form.validate_on_submit():
        with refusal_shown(form):
            absent = set(form.absent.data or [])
            services.set_absent(series, session, set(form.shown.data or []), absent)
            flash(_("Attendance saved: %(count)d absent.", count=len(absent)), "success")
            return redirect(
                url_for("series.attendance", series_id=series.id, activity_id=session.id)
            )
    students, present = attendance_list(db.session, series, session)
    return render_template(
        "series/attendance.html",
        series=series,
        session=session,
        form=form,
        students=students,
        present=present,
        may_hold=_may_hold(session),
    )


def _may_hold(session: Activity) -> bool:
    """Offer "mark held": a planned session that has started."""
    return session.status is ActivityStatus.PLANNED and session.starts_at <= utcnow()


def _status_change(series_id: int, activity_id: int, status: ActivityStatus, message: str):
    series = _series(series_id)
    session = _session(series, activity_id)
    with refusal_shown():
        services.set_session_status(series, session, status)
        flash(message, "success")
    return redirect(url_for("series.detail", series_id=series.id))


@bp.route("/<int:series_id>/sessions/<int:activity_id>/held", methods=["POST"])
@permission_required(can_keep_series)
def mark_held(series_id: int, activity_id: int):
    return _status_change(series_id, activity_id, ActivityStatus.HELD, _("Marked as held."))


@bp.route("/<int:series_id>/sessions/<int:activity_id>/cancel", methods=["POST"])
@permission_required(can_keep_series)
def cancel_session(series_id: int, activity_id: int):
    return _status_change(
        series_id, activity_id, ActivityStatus.CANCELLED, _("The session has been cancelled.")
    )
