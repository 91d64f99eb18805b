"""An activity's page (participants by school; names of the own school's students only) and its
status moves (``rules.TRANSITIONS``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import (
    can_delete_activity,
    can_edit_activity,
    can_name_participants,
    can_record_any_headcount,
    trip_list_school_id,
)
from partnercrm.access.base import require, roster_school_id
from partnercrm.access.students import can_see_participant_names
from partnercrm.activities import services
from partnercrm.activities.cancellation import cancelled_elsewhere
from partnercrm.activities.forms import ConfirmForm, StatusForm
from partnercrm.activities.labels import STATUS_LABELS
from partnercrm.activities.loading import editable_activity, visible_activity
from partnercrm.activities.queries import school_rows
from partnercrm.activities.roster import own_participants
from partnercrm.activities.rules import TRANSITIONS, ActivityStatus, held_too_early
from partnercrm.database import utcnow
from partnercrm.extensions import db
from partnercrm.roadmap.labels import HOURS
from partnercrm.web.unit_of_work import refusal_shown


@login_required
def detail(activity_id: int):
    activity = visible_activity(activity_id)
    school_id = roster_school_id(current_user)
    names = []
    if school_id is not None and can_see_participant_names(current_user, school_id):
        names = own_participants(activity, school_id)
    rows = school_rows(db.session, activity)
    return render_template(
        "activities/detail.html",
        activity=activity,
        rows=rows,
        names=names,
        own_school_id=school_id,
        total_named=sum(r.counts.named for r in rows if r.counts),
        total_headcount=sum(r.counts.headcount for r in rows if r.counts),
        can_edit=can_edit_activity(current_user, activity),
        can_delete=can_delete_activity(current_user, activity),
        can_print_trip_list=trip_list_school_id(current_user, activity) is not None,
        can_participate=can_name_participants(current_user, activity)
        or can_record_any_headcount(current_user, activity),
        next_statuses=[
            s
            for s in ActivityStatus
            if s in TRANSITIONS[activity.status]
            and not held_too_early(s, activity.starts_at, utcnow())
        ],
        status_form=StatusForm(),
        hours_unit=HOURS,
    )


@login_required
def change_status(activity_id: int):
    activity = editable_activity(activity_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("This change of status is not possible."), "danger")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    status = ActivityStatus(form.status.data)
    elsewhere = cancelled_elsewhere(activity) if status is ActivityStatus.CANCELLED else None
    if elsewhere is not None:
        # E.g. cancelling the booking frees the seats and tells the other side.
        flash(_(elsewhere.message), "warning")
        return redirect(elsewhere.url)
    with refusal_shown():
        services.set_status(activity, status)
        flash(_("Status: %(status)s.", status=STATUS_LABELS[activity.status]), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@login_required
def delete(activity_id: int):
    """Delete an activity logged by mistake, after a confirmation (its creator, or an admin:
    :func:`~partnercrm.access.activities.can_delete_activity`). One with participants is not
    deleted: the page asks to remove them first, or offers to cancel it instead; one made from a
    booking is cancelled through the booking."""
    activity = visible_activity(activity_id)
    require(can_delete_activity(current_user, activity))
    form = ConfirmForm()
    participants = services.participant_total(activity)
    elsewhere = cancelled_elsewhere(activity)
    if request.method == "POST" and form.validate_on_submit() and elsewhere is None:
        title = activity.title
        with refusal_shown():
            services.delete_activity(activity)
            flash(_("The activity «%(title)s» has been deleted.", title=title), "success")
            return redirect(url_for("activities.index"))
    return render_template(
        "activities/delete.html",
        activity=activity,
        participants=participants,
        elsewhere=elsewhere,
        can_cancel=ActivityStatus.CANCELLED in TRANSITIONS[activity.status],
        form=form,
    )
