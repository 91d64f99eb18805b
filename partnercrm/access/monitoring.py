"""Municipal plans (indicator 1), the ministry's values (indicators 5 and 7) and the yearly
campaign (docs/monitoring.md).

Admins do everything; a coordinator manages the plans of their own municipality and submits
its report; every other role has no part in monitoring. Plan documents are downloaded by admins
and the municipality's own coordinator.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import coordinates, coordinator_municipality_id, is_admin
from partnercrm.accounts.models import User
from partnercrm.directory.models import Municipality
from partnercrm.indicators.models import MunicipalPlan
from partnercrm.monitoring.models import MunicipalReport


def can_use_monitoring(user: User) -> bool:
    return is_admin(user) or coordinator_municipality_id(user) is not None


def can_manage_campaigns(user: User) -> bool:
    """Open, close and move the deadline of campaigns; return reports; export the table."""
    return is_admin(user)


def can_enter_indicator_values(user: User) -> bool:
    """Indicators 5 and 7 are entered by the ministry."""
    return is_admin(user)


def can_manage_plans_of(user: User, municipality_id: int | None) -> bool:
    """Create, edit and delete the plans of ``municipality_id``."""
    if municipality_id is None:
        return False
    if is_admin(user):
        return True
    own = coordinator_municipality_id(user)
    return own is not None and own == municipality_id


def can_manage_municipal_plan(user: User, plan: MunicipalPlan) -> bool:
    return can_manage_plans_of(user, plan.municipality_id)


def can_download_municipal_plan(user: User, plan: MunicipalPlan) -> bool:
    return can_manage_municipal_plan(user, plan)


def can_see_municipal_report(user: User, municipality_id: int) -> bool:
    """A municipality's report in a campaign: admins and its own coordinator."""
    return can_manage_plans_of(user, municipality_id)


def can_submit_municipal_report(user: User, municipality_id: int) -> bool:
    """Only the municipality's own coordinator submits its report."""
    return coordinates(user, municipality_id)


def municipal_plans_scope(user: User) -> sa.Select:
    """Plans ``user`` manages: the query form of :func:`can_manage_municipal_plan`."""
    query = sa.select(MunicipalPlan)
    if is_admin(user):
        return query
    own = coordinator_municipality_id(user)
    if own is None:
        return query.where(sa.false())
    return query.where(MunicipalPlan.municipality_id == own)


def plan_municipalities_scope(user: User) -> sa.Select:
    """Municipalities whose plans ``user`` manages: the query form of
    :func:`can_manage_plans_of`."""
    query = sa.select(Municipality)
    if is_admin(user):
        return query
    own = coordinator_municipality_id(user)
    if own is None:
        return query.where(sa.false())
    return query.where(Municipality.id == own)


def municipal_reports_scope(user: User) -> sa.Select:
    """Municipal reports ``user`` sees: the query form of :func:`can_see_municipal_report`."""
    query = sa.select(MunicipalReport)
    if is_admin(user):
        return query
    own = coordinator_municipality_id(user)
    if own is None:
        return query.where(sa.false())
    return query.where(MunicipalReport.municipality_id == own)
