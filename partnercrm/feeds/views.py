"""The calendar page and the iCalendar feeds (DESIGN §4.5)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("feeds", __name__, url_prefix="/calendar")


@bp.route("/")
@login_required
def calendar():
    return render_template("feeds/calendar.html")
