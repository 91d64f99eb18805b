"""Pure rules of employer registration (no Flask)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from partnercrm.directory.rules import ApprovalState, OrganizationKind

# How long the e-mail confirmation link works. An unconfirmed registration older than this is
# dead: its e-mail may sign up again, and its organization may be claimed by someone else.
CONFIRMATION_MAX_AGE = timedelta(days=3)


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class SignUpPath(StrEnum):
    """What a sign-up with a given INN becomes."""

    # A new organization, or a pending one nobody has confirmed yet: this person applies for it.
    APPLY = "apply"
    # The organization has its applicant or is approved: this person asks to join it.
    JOIN = "join"
    # The ministry or a coordinator declined the organization; only an admin re-opens it.
    DECLINED = "declined"
    # The INN belongs to a school, college or other non-employer organization.
    NOT_EMPLOYER = "not_employer"


def sign_up_path(
    kind: OrganizationKind | None, state: ApprovalState | None, has_applicant: bool
) -> SignUpPath:
    """The path of a sign-up whose INN belongs to an organization of ``kind`` (None: to none).

    ``has_applicant``: the organization already has a user or a confirmed application. Asked
    at sign-up and again at confirmation, when the answer may have changed.
    """
    if kind is None:
        return SignUpPath.APPLY
    if kind is not OrganizationKind.EMPLOYER:
        return SignUpPath.NOT_EMPLOYER
    if state is ApprovalState.DECLINED:
        return SignUpPath.DECLINED
    if state is ApprovalState.APPROVED or has_applicant:
        return SignUpPath.JOIN
    return SignUpPath.APPLY
