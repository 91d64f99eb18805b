"""Each role's dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from partnercrm.dashboard.queries import dashboard_numbers, offering_dashboard

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@login_required
def index():
    """``?period=school-year``: the activity numbers of the school year (from 1 September)
    instead of the calendar year."""
    school_year = request.args.get("period") == "school-year"
    return render_template(
        "dashboard/index.html",
        school_year=school_year,
        numbers=dashboard_numbers(current_user, school_year),
        offering=offering_dashboard(current_user),
    )
