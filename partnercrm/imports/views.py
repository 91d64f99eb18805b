from __future__ import annotations

from flask import Blueprint, render_template

from partnercrm import access
from partnercrm.accounts.rules import Role

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.route("/")
@access.roles_required(Role.ADMIN, Role.COORDINATOR, Role.SCHOOL)
def index():
    return render_template("imports/index.html")
