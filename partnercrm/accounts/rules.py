"""Pure rules about roles (no Flask): what each role is attached to."""

from __future__ import annotations

from enum import StrEnum

from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_

MIN_PASSWORD_LENGTH = 10
# zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses), 0–2 are common passwords,
# words with digits and keyboard walks.
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows with the length; the first characters decide whether a password is weak.
SCORED_CHARACTERS = 64
# The same keys on the Russian (ЙЦУКЕН) and the Latin (QWERTY) layout: «йцукен» is the
# keyboard walk «qwerty», «пароль» typed on the wrong layout is the common «gfhjkm».
RUSSIAN_KEYBOARD = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбю.ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,ё",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,./QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?`",
)


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
    """A reason to reject a new password, or None: too short, or easy to guess — zxcvbn's
    lists of common passwords, words, names and keyboard patterns, also for the keys a Russian
    keyboard layout types."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must have at least 10 characters.")
    # Its word lists take a twentieth of a second to load: only where passwords are chosen.
    from zxcvbn import zxcvbn

    scored = password[:SCORED_CHARACTERS]
    for candidate in dict.fromkeys((scored, scored.translate(RUSSIAN_KEYBOARD))):
        if zxcvbn(candidate)["score"] < MIN_PASSWORD_SCORE:
            return N_(
                "This password is easy to guess: a common password, a word with digits or "
                "a row of keys. Use a few unrelated words, e.g. amber window 1945 lighthouse."
            )
    return None
