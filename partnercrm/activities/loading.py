"""An activity by id for the current user: one the user may not see is "not found" (404), one
the user sees but may not change answers 403 (docs/activities.md)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from partnercrm.access.activities import can_edit_activity, can_see_activity
from partnercrm.access.base import require
from partnercrm.activities.models import Activity
from partnercrm.extensions import db


def visible_activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see_activity(current_user, activity):
        abort(404)
    return activity


def editable_activity(activity_id: int) -> Activity:
    activity = visible_activity(activity_id)
    require(can_edit_activity(current_user, activity))
    return activity
