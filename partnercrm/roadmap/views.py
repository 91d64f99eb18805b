from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from partnercrm.access.activities import activities_scope
from partnercrm.activities.models import Activity, activity_plan_item
from partnercrm.activities.views import activity_page
from partnercrm.agreements.models import Agreement
from partnercrm.agreements.queries import signed_per_year_and_municipality
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")

# Plan item 4 is "cooperation agreements": its page also counts them per year and municipality.
AGREEMENTS_PLAN_ITEM = 4


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
    # The activities linked to the item that the user may see, newest first.
    query = activities_scope(current_user).where(
        Activity.id.in_(
            sa.select(activity_plan_item.c.activity_id).where(
                activity_plan_item.c.plan_item_id == item.id
            )
        )
    )
    page, counts = activity_page(query)
    agreements = None
    if item.number == AGREEMENTS_PLAN_ITEM:
        agreements = signed_per_year_and_municipality(db.session, sa.select(Agreement))
    return render_template(
        "roadmap/plan_item.html", item=item, page=page, counts=counts, agreements=agreements
    )


@bp.route("/indicators")
@login_required
def indicators():
    rows = db.session.scalars(sa.select(Indicator).order_by(Indicator.number)).all()
    return render_template("roadmap/indicators.html", indicators=rows)
