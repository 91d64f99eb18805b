"""The roadmap: its sections and plan items, a plan item's page, the indicators.

A plan item's page shows the item itself; what higher packages know about it — the figures of
its results, the records linked to it — they add through the template hooks
``plan-item-summary`` and ``plan-item-records`` (the roadmap imports none of them).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required

from partnercrm.extensions import db
from partnercrm.roadmap.labels import quantity, unit_label
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")
# Every report page shows the indicators' figures and units in the user's language.
bp.add_app_template_global(quantity)
bp.add_app_template_global(unit_label)


@bp.route("/")
@login_required
def index():
    sections = db.session.scalars(
        sa.select(PlanSection)
        .options(sa.orm.selectinload(PlanSection.items))
        .order_by(PlanSection.number)
    ).all()
    return render_template("roadmap/index.html", sections=sections)


@bp.route("/items/<int:number>")
@login_required
def plan_item(number: int):
    item = db.first_or_404(
        sa.select(PlanItem)
        .where(PlanItem.number == number)
        .options(sa.orm.joinedload(PlanItem.section))
    )
    return render_template("roadmap/plan_item.html", item=item)


@bp.route("/indicators")
@login_required
def indicators():
    rows = db.session.scalars(sa.select(Indicator).order_by(Indicator.number)).all()
    return render_template("roadmap/indicators.html", indicators=rows)
