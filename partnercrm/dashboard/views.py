"""Each role's dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from partnercrm.access.base import roster_school_id
from partnercrm.dashboard.queries import dashboard_numbers, offering_dashboard
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum.queries import classes_behind

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@login_required
def index():
    """``?period=school-year``: the activity numbers of the school year (from 1 September)
    instead of the calendar year."""
    school_year = request.args.get("period") == "school-year"
    # School staff: the профминимум classes furthest behind this school year (one query).
    school_id = roster_school_id(current_user)
    behind = None
    if school_id is not None:
        behind = classes_behind(db.session, school_year_of(local_today()), school_id)
    return render_template(
        "dashboard/index.html",
        school_year=school_year,
        numbers=dashboard_numbers(current_user, school_year),
        offering=offering_dashboard(current_user),
        school_id=school_id,
        behind=behind,
    )
