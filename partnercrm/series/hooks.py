"""What the series package adds to the pages of lower packages (:mod:`partnercrm.web.hooks`):

- ``activity-page`` (an activity's page): for a session of a series, a link to the series and
  to the session's absentees, for the staff of the series' school.

``create_app`` calls :func:`register`.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user

from partnercrm.access.series import can_manage_series
from partnercrm.activities.models import Activity
from partnercrm.extensions import db
from partnercrm.series.models import ActivitySeries
from partnercrm.web.hooks import add_template_hook


def series_of_session(activity: Activity, **context: object) -> str:
    if activity.series_id is None:
        return ""
    series = db.session.get(ActivitySeries, activity.series_id)
    if series is None or not can_manage_series(current_user, series):
        return ""
    return render_template("series/_session_link.html", series=series, session=activity)


def register(app: Flask) -> None:
    add_template_hook(app, "activity-page", series_of_session)
