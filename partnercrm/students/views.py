from __future__ import annotations

from flask import Blueprint, render_template

from partnercrm import access
from partnercrm.accounts.rules import Role

bp = Blueprint("students", __name__, url_prefix="/students")


@bp.route("/")
@access.roles_required(Role.SCHOOL)
def roster():
    return render_template("students/roster.html")
