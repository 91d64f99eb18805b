from __future__ import annotations

from flask import Blueprint, render_template

from partnercrm import access
from partnercrm.accounts.rules import Role

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@bp.route("/")
@access.roles_required(Role.ADMIN, Role.COORDINATOR)
def index():
    return render_template("monitoring/index.html")
