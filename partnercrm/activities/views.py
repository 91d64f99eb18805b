from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("activities", __name__, url_prefix="/activities")


@bp.route("/")
@login_required
def index():
    return render_template("activities/index.html")
