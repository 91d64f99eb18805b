"""What the agreements package adds to the pages of lower packages, through template hooks
(:mod:`partnercrm.web.hooks`), so those packages need not import it:

- ``organization-page`` (the directory's organization page): a link to the organization's
  agreements, for users who see agreements at all;
- ``registration-organization`` (a registration's page in the approval queue): the agreements
  the organization is a party to — how many the viewer may see, and the latest few;
- ``plan-item-summary`` (the page of the 2020–2022 roadmap's item 4, "cooperation agreements"): the
  agreements signed per year and municipality.

``create_app`` calls :func:`register`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, render_template
from flask_login import current_user

from partnercrm.access.agreements import agreements_scope, can_see_agreements
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.agreements.queries import signed_per_year_and_municipality
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.roadmap.models import PlanItem
from partnercrm.web.hooks import add_template_hook

AGREEMENTS_SHOWN = 10
# Item 4 of the 2020–2022 roadmap, "cooperation agreements": numbers repeat in later programmes.
AGREEMENTS_PLAN_ITEM = ("kgd-2020-2022", 4)


def organization_agreements_link(organization: Organization, **context: object) -> str:
    if not can_see_agreements(current_user):
        return ""
    return render_template("agreements/_organization_link.html", organization=organization)


def agreements_of(organization: Organization) -> tuple[int, list[Agreement]]:
    """How many agreements the organization is a party to (of those the user sees), and the
    latest few."""
    query = agreements_scope(current_user).where(
        Agreement.id.in_(
            sa.select(AgreementParty.agreement_id).where(
                AgreementParty.organization_id == organization.id
            )
        )
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    latest = db.session.scalars(
        query.order_by(Agreement.signed_on.desc().nulls_last(), Agreement.id.desc()).limit(
            AGREEMENTS_SHOWN
        )
    ).all()
    return count or 0, list(latest)


def registration_agreements(organization: Organization, **context: object) -> str:
    count, latest = agreements_of(organization)
    return render_template(
        "agreements/_registration_agreements.html",
        organization=organization,
        agreements_count=count,
        agreements=latest,
    )


def plan_item_agreements(item: PlanItem) -> str:
    if (item.programme.code, item.number) != AGREEMENTS_PLAN_ITEM:
        return ""
    stats = signed_per_year_and_municipality(db.session, sa.select(Agreement))
    return render_template("agreements/_plan_item.html", stats=stats)


def register(app: Flask) -> None:
    add_template_hook(app, "organization-page", organization_agreements_link)
    add_template_hook(app, "registration-organization", registration_agreements)
    add_template_hook(app, "plan-item-summary", plan_item_agreements)
