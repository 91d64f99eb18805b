from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from partnercrm.core.dashboard import dashboard_numbers, offering_dashboard
from partnercrm.core.redirects import safe_next
from partnercrm.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return render_template("core/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template(
        "core/dashboard.html",
        numbers=dashboard_numbers(current_user),
        offering=offering_dashboard(current_user),
    )


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


@bp.route("/health")
def health():
    """For load balancers and monitoring: the app answers and the database is reachable."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: the database is unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}
