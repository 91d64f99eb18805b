"""The numbers on each role's dashboard, each computed in SQL for the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from partnercrm.access import users_scope
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem

KIND_LABELS = {
    OrganizationKind.SCHOOL: _l("Schools"),
    OrganizationKind.COLLEGE: _l("Colleges (ПОО)"),
    OrganizationKind.UNIVERSITY: _l("Universities (ВО)"),
    OrganizationKind.EMPLOYER: _l("Employers"),
    OrganizationKind.EMPLOYMENT_CENTER: _l("Employment centers"),
    OrganizationKind.AUTHORITY: _l("Education authorities"),
    OrganizationKind.CAMP: _l("Camps"),
}


@dataclass(frozen=True)
class Number:
    label: object
    value: int
    endpoint: str | None = None
    args: dict | None = None


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _organizations_by_kind(municipality_id: int | None) -> list[Number]:
    query = sa.select(Organization.kind, sa.func.count()).group_by(Organization.kind)
    if municipality_id is not None:
        query = query.where(Organization.municipality_id == municipality_id)
    counts = dict(db.session.execute(query).all())
    return [
        Number(label, counts.get(kind, 0), "directory.organizations", {"kind": kind.value})
        for kind, label in KIND_LABELS.items()
    ]


def dashboard_numbers(user: User) -> list[Number]:
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        municipality_id = user.municipality_id if user.role is Role.COORDINATOR else None
        pending = sa.select(Organization.id).where(
            Organization.approval_state == ApprovalState.PENDING
        )
        # The same users the user list shows.
        users = users_scope(user).where(User.active.is_(True))
        if municipality_id is not None:
            pending = pending.where(Organization.municipality_id == municipality_id)
        numbers = _organizations_by_kind(municipality_id)
        numbers.append(
            Number(_l("Employers awaiting approval"), _count(pending), "directory.organizations",
                   {"kind": "employer", "approval": "pending"})
        )
        numbers.append(Number(_l("Active users"), _count(users), "accounts.users"))
        if municipality_id is None:
            numbers.append(
                Number(_l("Municipalities"), _count(sa.select(Municipality.id)),
                       "directory.municipalities")
            )
        numbers.append(Number(_l("Roadmap plan items"), _count(sa.select(PlanItem.id)),
                              "roadmap.index"))
        numbers.append(Number(_l("Indicators"), _count(sa.select(Indicator.id)),
                              "roadmap.indicators"))
        return numbers
    colleagues = sa.select(User.id).where(
        User.organization_id == user.organization_id, User.active.is_(True)
    )
    return [Number(_l("Colleagues with an account"), _count(colleagues))]
