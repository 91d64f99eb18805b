"""Pure rules about roles (no Flask): what each role is attached to."""

from __future__ import annotations

from enum import StrEnum

from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_

MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SCHOOL = "school"
    COLLEGE = "college"
    EMPLOYER = "employer"
    EMPLOYMENT_CENTER = "employment_center"


# The organization kinds a user of each role may belong to (DESIGN §1).
ORGANIZATION_KINDS: dict[Role, frozenset[OrganizationKind]] = {
    Role.ADMIN: frozenset(),
    Role.COORDINATOR: frozenset(),
    Role.SCHOOL: frozenset({OrganizationKind.SCHOOL}),
    Role.COLLEGE: frozenset({OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY}),
    Role.EMPLOYER: frozenset({OrganizationKind.EMPLOYER}),
    Role.EMPLOYMENT_CENTER: frozenset({OrganizationKind.EMPLOYMENT_CENTER}),
}


def role_attachment_error(
    role: Role, organization_kind: OrganizationKind | None, has_municipality: bool
) -> str | None:
    """Why this role cannot have this organization/municipality, or None when it can.

    Messages are English msgids; callers translate them.
    """
    kinds = ORGANIZATION_KINDS[role]
    if role is Role.COORDINATOR:
        if not has_municipality:
            return N_("A coordinator needs a municipality.")
        if organization_kind is not None:
            return N_("A coordinator is attached to a municipality, not an organization.")
        return None
    if role is Role.ADMIN:
        if organization_kind is not None or has_municipality:
            return N_("An administrator has the whole region in scope.")
        return None
    if organization_kind is None:
        return N_("This role needs an organization.")
    if organization_kind not in kinds:
        return N_("The organization's kind does not fit this role.")
    if has_municipality and role is not Role.EMPLOYMENT_CENTER:
        return N_("Only the employment center may be limited to one municipality.")
    return None


def password_problem(password: str) -> str | None:
    """A reason to reject a new password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must have at least 10 characters.")
    if password.isdigit() or len(set(password)) < 4:
        return N_("The password is too simple.")
    return None
