from __future__ import annotations

from flask import Blueprint, render_template

from partnercrm import access
from partnercrm.accounts.rules import Role

bp = Blueprint("indicators", __name__, url_prefix="/reports")


@bp.route("/")
@access.roles_required(Role.ADMIN, Role.COORDINATOR, Role.SCHOOL)
def report():
    return render_template("indicators/report.html")
