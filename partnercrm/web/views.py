"""The landing page, the language switch and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from partnercrm.extensions import db
from partnercrm.web.redirects import safe_next

bp = Blueprint("web", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render_template("web/index.html")


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("web.index"))


@bp.route("/health")
def health():
    """For load balancers and monitoring: the app answers and the database is reachable.

    A connection of its own, outside the request's session: a failure leaves nothing for the
    unit of work to roll back."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: the database is unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}
