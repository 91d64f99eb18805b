"""Pure rules of the directory (no Flask): organization kinds, approval and the INN checksum."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"
    UNIVERSITY = "university"
    EMPLOYER = "employer"
    EMPLOYMENT_CENTER = "employment_center"
    AUTHORITY = "authority"
    CAMP = "camp"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


def approval_state_for(
    kind: OrganizationKind, current: ApprovalState | None
) -> ApprovalState | None:
    """The approval state an organization has after staff set its kind.

    Only employers are approved (the DB checks this). An employer created or re-kinded by an
    admin or coordinator is approved by that act; an existing employer keeps its state.
    """
    if kind is not OrganizationKind.EMPLOYER:
        return None
    return current or ApprovalState.APPROVED


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(inn: str) -> bool:
    """True for a 10-digit (legal entity) or 12-digit (individual) INN with valid check digits."""
    if not inn.isdigit() or not inn.isascii():
        return False
    digits = [int(c) for c in inn]
    if len(digits) == 10:
        return _check_digit(digits, _INN10_WEIGHTS) == digits[9]
    if len(digits) == 12:
        return (
            _check_digit(digits, _INN12_WEIGHTS_11) == digits[10]
            and _check_digit(digits, _INN12_WEIGHTS_12) == digits[11]
        )
    return False
