"""What the agreements add to the roadmap's page of plan item 4, "cooperation agreements": the
agreements signed per year and municipality (a template hook, :mod:`partnercrm.web.hooks`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, render_template

from partnercrm.agreements.models import Agreement
from partnercrm.agreements.queries import signed_per_year_and_municipality
from partnercrm.extensions import db
from partnercrm.roadmap.models import PlanItem
from partnercrm.web.hooks import add_template_hook

AGREEMENTS_PLAN_ITEM = 4


def plan_item_agreements(item: PlanItem) -> str:
    if item.number != AGREEMENTS_PLAN_ITEM:
        return ""
    stats = signed_per_year_and_municipality(db.session, sa.select(Agreement))
    return render_template("agreements/_plan_item.html", stats=stats)


def register(app: Flask) -> None:
    add_template_hook(app, "plan-item-summary", plan_item_agreements)
