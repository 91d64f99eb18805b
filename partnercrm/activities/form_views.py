"""Logging and editing an activity: the kinds the user may create, and the form of one kind
(built by ``kind_form.py`` from the kind's spec). Writes go through the services; a refusal is
shown on its field (or as a message) and the form comes back."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import (
    activity_visibility,
    can_create_activity,
    can_name_participants,
    can_record_any_headcount,
    creatable_activity_kinds,
)
from partnercrm.access.base import require
from partnercrm.activities import kind_form, services
from partnercrm.activities.forms import ActivityForm
from partnercrm.activities.loading import editable_activity
from partnercrm.activities.models import Activity
from partnercrm.activities.queries import look_alikes
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import organization_label
from partnercrm.extensions import db
from partnercrm.localtime import local_today, start_of_local_day
from partnercrm.web import form_tokens
from partnercrm.web.unit_of_work import refusal_shown

RECENT_HOSTS = 10


@login_required
def choose_kind():
    kinds = creatable_activity_kinds(current_user)
    require(bool(kinds))
    return render_template("activities/choose_kind.html", kinds=kinds)


def _kind(value: str) -> ActivityKind:
    try:
        return ActivityKind(value)
    except ValueError:
        abort(404)


def _save(form: ActivityForm, kind: ActivityKind, activity: Activity | None) -> Activity | None:
    """Create (``activity`` None) or update from the submitted form; None when the form is not
    valid, its date links to another programme than the plan items it offered (they are offered
    again), it looks like an activity that exists (until the user confirms it is another), or a
    service refused (shown on the form), to show the form again."""
    if not kind_form.validate(form):
        return None
    data = kind_form.activity_data(form, kind, activity)
    if data is None or kind_form.programme_moved(form, kind, data):
        return None
    if activity is None and not form.save_anyway.data:
        form.look_alikes = _look_alikes(data)
        if form.look_alikes:
            return None
    with refusal_shown(form):
        if activity is None:
            user = current_user._get_current_object()
            saved = services.create_activity(data, created_by=user)
        else:
            saved = activity
            services.update_activity(saved, data)
        kind_form.save_details(form, saved)
        named = kind_form.save_participants(form, saved) if activity is None else None
        if activity is None:
            form_tokens.spend(form, url_for("activities.detail", activity_id=saved.id))
        flash(_("The activity has been saved."), "success")
        if named is not None:
            flash(_("Participants of your school: %(count)d.", count=named), "success")
        return saved
    return None


def _look_alikes(data: services.ActivityData) -> list[Activity]:
    """What a new activity may duplicate: the same kind, host, school and start."""
    if data.starts_at is not None:
        starts_at = data.starts_at
    elif data.first_day is not None:
        starts_at = start_of_local_day(data.first_day)
    else:
        return []
    return look_alikes(
        db.session,
        kind=data.kind,
        host_id=data.host.id,
        starts_at=starts_at,
        school_ids={s.id for s in data.schools or []} | {data.organizer.id},
        visibility=activity_visibility(current_user),
    )


def _recent_hosts() -> list[Organization]:
    """The hosts of the user's organization's latest activities: one tap on a phone (those a
    picker offers: never an employer awaiting approval or declined)."""
    own = kind_form.own_organization()
    if own is None:
        return []
    latest = (
        sa.select(Activity.host_id, sa.func.max(Activity.starts_at).label("latest"))
        .where(Activity.organizer_id == own.id, Activity.host_id != own.id)
        .group_by(Activity.host_id)
        .order_by(sa.desc("latest"))
        .limit(RECENT_HOSTS)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Organization)
            .join(latest, latest.c.host_id == Organization.id)
            .where(Organization.admitted)
            .order_by(latest.c.latest.desc())
        )
    )


def _render_form(
    form: ActivityForm, kind: ActivityKind, activity: Activity | None, repeated: str | None = None
):
    return render_template(
        "activities/form.html",
        form=form,
        kind=kind,
        activity=activity,
        own=kind_form.own_organization(),
        recent_hosts=_recent_hosts() if "host" in form else [],
        organization_label=organization_label,
        today=local_today(),
        repeated=repeated,
    )


@login_required
def new(kind: str):
    kind = _kind(kind)
    require(can_create_activity(current_user, kind))
    form = ActivityForm()
    kind_form.configure(form, kind, None)
    repeated = form_tokens.made_with(form)
    if request.method == "GET":
        kind_form.defaults(form, kind)
    elif repeated is not None:
        return form_tokens.show_repeated(repeated)
    activity = _save(form, kind, None)
    if activity is None:
        return _render_form(form, kind, None, repeated)
    if can_name_participants(current_user, activity) or (
        can_record_any_headcount(current_user, activity) and activity.status is ActivityStatus.HELD
    ):
        chosen = sorted(form.classes.data or []) if "classes" in form else []
        return redirect(
            url_for(
                "activities.participants",
                activity_id=activity.id,
                **({"class": chosen[0]} if len(chosen) == 1 else {}),
            )
        )
    return redirect(url_for("activities.detail", activity_id=activity.id))


@login_required
def edit(activity_id: int):
    activity = editable_activity(activity_id)
    form = ActivityForm()
    kind_form.configure(form, activity.kind, activity)
    if request.method == "GET":
        kind_form.fill(form, activity)
    if _save(form, activity.kind, activity) is None:
        return _render_form(form, activity.kind, activity)
    return redirect(url_for("activities.detail", activity_id=activity.id))
