from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from partnercrm import access
from partnercrm.activities.models import Activity, activity_plan_item
from partnercrm.activities.views import activity_page
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")

# Plan items whose figures have a page of their own: (endpoint, link text).
ITEM_PAGES = {
    4: ("agreements.stats", _l("Agreements signed per year and municipality")),
}


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
    query = access.activities_scope(current_user).where(
        Activity.id.in_(
            sa.select(activity_plan_item.c.activity_id).where(
                activity_plan_item.c.plan_item_id == item.id
            )
        )
    )
    page, counts = activity_page(query)
    return render_template(
        "roadmap/plan_item.html",
        item=item,
        page=page,
        counts=counts,
        item_page=ITEM_PAGES.get(item.number),
    )


@bp.route("/indicators")
@login_required
def indicators():
    rows = db.session.scalars(sa.select(Indicator).order_by(Indicator.number)).all()
    return render_template("roadmap/indicators.html", indicators=rows)
