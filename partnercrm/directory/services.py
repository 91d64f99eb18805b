"""Writes about municipalities and organizations. Services flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm import data
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import ORGANIZATION_KINDS
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind, approval_state_for
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db

CODE_TAKEN = N_("An organization with this code already exists.")
USERS_DO_NOT_FIT = N_(
    "The organization has users whose role does not fit this kind. "
    "Change or move those users first."
)


class OrganizationError(UserError):
    """A refusal about an organization, on the form field it concerns."""


def seed_municipalities() -> int:
    rows = data.load("municipalities.json")["municipalities"]
    return data.insert_missing(
        Municipality, "name", [{k: row[k] for k in ("name", "full_name", "kind")} for row in rows]
    )


def code_taken(code: str, organization: Organization | None) -> bool:
    other = db.session.scalar(sa.select(Organization).where(Organization.code == code))
    return other is not None and other is not organization


def create_organization(**values) -> Organization:
    """A new organization from the form's ``values``; an employer made by staff is approved."""
    organization = Organization()
    _apply(organization, values)
    db.session.add(organization)
    _flush()
    return organization


def update_organization(organization: Organization, **values) -> None:
    _apply(organization, values)
    _flush()


def _flush() -> None:
    try:
        db.session.flush()
    except IntegrityError as error:
        # Someone saved the same code between our check and our write.
        raise OrganizationError(CODE_TAKEN, "code") from error


def _apply(organization: Organization, values: dict) -> None:
    # Checked before any attribute changes, so autoflush cannot write a half-edited row.
    if code_taken(values["code"], organization):
        raise OrganizationError(CODE_TAKEN, "code")
    if organization.id is not None and values["kind"] is not organization.kind:
        _check_users_fit(organization, values["kind"])
    for key, value in values.items():
        setattr(organization, key, value)
    organization.approval_state = approval_state_for(organization.kind, organization.approval_state)
    if organization.kind is not OrganizationKind.EMPLOYER:
        organization.industry = organization.decline_reason = None


def _check_users_fit(organization: Organization, kind: OrganizationKind) -> None:
    """A school's staff must not end up attached to an employer, and so on."""
    roles = db.session.scalars(
        sa.select(User.role).where(User.organization_id == organization.id).distinct()
    )
    if any(kind not in ORGANIZATION_KINDS[role] for role in roles):
        raise OrganizationError(USERS_DO_NOT_FIT, "kind")
