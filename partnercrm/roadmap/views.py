"""The roadmap: a programme's sections and plan items, a plan item's page, the indicators.

Each page shows one programme (DESIGN §7): the one named by ``?programme=CODE``, else the one
in force today (else the latest that started). A plan item's page shows the item itself; what
higher packages know about it — the figures of its results, the records linked to it — they
add through the template hooks ``plan-item-summary`` and ``plan-item-records`` (the roadmap
imports none of them).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import login_required

from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.roadmap.labels import quantity, unit_label
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import programme_for

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")
# Every report page shows the indicators' figures and units in the user's language.
bp.add_app_template_global(quantity)
bp.add_app_template_global(unit_label)


def _programme() -> Programme | None:
    code = request.args.get("programme")
    if code is not None:
        return db.first_or_404(sa.select(Programme).where(Programme.code == code))
    return programme_for(db.session, local_today())


def _programme_id(programme: Programme | None) -> int | None:
    return programme.id if programme is not None else None


@bp.route("/")
@login_required
def index():
    programme = _programme()
    sections = db.session.scalars(
        sa.select(PlanSection)
        .where(PlanSection.programme_id == _programme_id(programme))
        .options(sa.orm.selectinload(PlanSection.items))
        .order_by(PlanSection.number)
    ).all()
    return render_template("roadmap/index.html", programme=programme, sections=sections)


@bp.route("/items/<int:number>")
@login_required
def plan_item(number: int):
    programme = _programme()
    item = db.first_or_404(
        sa.select(PlanItem)
        .where(PlanItem.programme_id == _programme_id(programme), PlanItem.number == number)
        .options(sa.orm.joinedload(PlanItem.section))
    )
    return render_template("roadmap/plan_item.html", item=item)


@bp.route("/indicators")
@login_required
def indicators():
    programme = _programme()
    rows = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == _programme_id(programme))
        .order_by(Indicator.number)
    ).all()
    return render_template("roadmap/indicators.html", programme=programme, indicators=rows)
