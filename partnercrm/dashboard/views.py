"""Each role's dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from partnercrm.dashboard.queries import dashboard_numbers, offering_dashboard

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@login_required
def index():
    return render_template(
        "dashboard/index.html",
        numbers=dashboard_numbers(current_user),
        offering=offering_dashboard(current_user),
    )
