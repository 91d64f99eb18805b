from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import login_required

from partnercrm.core.pagination import paginate
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db

bp = Blueprint("directory", __name__)


@bp.route("/municipalities")
@login_required
def municipalities():
    counts = (
        sa.select(Organization.municipality_id, sa.func.count().label("organizations"))
        .group_by(Organization.municipality_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Municipality, sa.func.coalesce(counts.c.organizations, 0))
        .outerjoin(counts, counts.c.municipality_id == Municipality.id)
        .order_by(Municipality.name)
    ).all()
    return render_template("directory/municipalities.html", rows=rows)


@bp.route("/organizations")
@login_required
def organizations():
    query = sa.select(Organization).options(sa.orm.joinedload(Organization.municipality))
    kind = request.args.get("kind", "")
    if kind in {k.value for k in OrganizationKind}:
        query = query.where(Organization.kind == OrganizationKind(kind))
    page = paginate(query.order_by(Organization.name, Organization.id))
    return render_template("directory/organizations.html", page=page, kind=kind)


@bp.route("/organizations/<int:organization_id>")
@login_required
def organization(organization_id: int):
    org = db.get_or_404(Organization, organization_id)
    return render_template("directory/organization.html", org=org)
