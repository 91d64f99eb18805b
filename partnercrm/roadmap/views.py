"""The roadmap: a programme's sections and plan items, a plan item's page, the indicators.

Each page shows one programme (DESIGN §7): the one named by ``?programme=CODE``, else the one
in force today (else the latest that started). The roadmap page is the programme's page: its
sections, items (with the kinds that default to them, through the hook ``plan-item-kinds``,
and the previous programme's items they continue) and indicators with their rules in words
(hook ``indicator-rule``).

A plan item's page is ``/roadmap/<code>/items/<number>``: numbers repeat across programmes.
Links made before programmes (``/roadmap/items/<number>``) keep working: they name an item of
``?programme=CODE``, else of the first programme (the 2020–2022 roadmap they were made for).
The page shows the item itself; what higher packages know about it — the figures of its
results, the records linked to it — they add through the template hooks ``plan-item-summary``
and ``plan-item-records`` (the roadmap imports none of them).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import login_required

from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.roadmap.labels import quantity, unit_label
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import choose_programme, programme_for

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
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == _programme_id(programme))
        .order_by(Indicator.number)
    ).all()
    return render_template(
        "roadmap/index.html",
        programme=programme,
        previous=_previous(programme),
        sections=sections,
        indicators=indicators,
    )


def _previous(programme: Programme | None) -> Programme | None:
    """The programme whose items this one's ``continues`` numbers name: the one reports
    counted by on the day before it started."""
    if programme is None:
        return None
    others = db.session.scalars(
        sa.select(Programme).where(
            Programme.id != programme.id, Programme.valid_from < programme.valid_from
        )
    ).all()
    return choose_programme(others, programme.valid_from - timedelta(days=1))


@bp.route("/items/<int:number>")
@bp.route("/<programme>/items/<int:number>")
@login_required
def plan_item(number: int, programme: str | None = None):
    code = programme or request.args.get("programme")
    chosen = db.first_or_404(
        sa.select(Programme).where(Programme.code == code)
        if code is not None
        else sa.select(Programme).order_by(Programme.valid_from, Programme.id).limit(1)
    )
    item = db.first_or_404(
        sa.select(PlanItem)
        .where(PlanItem.programme_id == chosen.id, PlanItem.number == number)
        .options(sa.orm.joinedload(PlanItem.section), sa.orm.joinedload(PlanItem.programme))
    )
    return render_template("roadmap/plan_item.html", item=item, previous=_previous(chosen))


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
