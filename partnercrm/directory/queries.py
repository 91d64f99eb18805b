"""Finding organizations by what people type (no Flask import): the directory's search, the
organization pickers of every form and their suggestions."""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa

from partnercrm.database import fold, folded
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db

SEARCH_LIMIT = 20
# Fewer letters would match most of the directory.
SEARCH_MIN_LETTERS = 2
_CODE_IN_BRACKETS = re.compile(r"\[([^\[\]]+)\]\s*$")


def organization_label(organization: Organization | None) -> str:
    """What a picker shows and accepts back: ``Name [code]``."""
    if organization is None:
        return ""
    return f"{organization.name} [{organization.code}]"


def text_matches(text: str) -> sa.ColumnElement[bool]:
    """Name, short name, code or INN contains ``text`` (any case, «ё» as «е»)."""
    needle = fold(text.strip())
    return sa.or_(
        *(
            folded(column).contains(needle, autoescape=True)
            for column in (
                Organization.name,
                Organization.short_name,
                Organization.code,
                Organization.inn,
            )
        )
    )


def pickable_organizations(kinds: Iterable[OrganizationKind] | None = None) -> sa.Select:
    """Organizations a picker offers (of ``kinds`` if given): the admitted ones only — never
    an employer awaiting approval or declined, which acts for nobody and is chosen by nobody
    (:attr:`Organization.admitted`, docs/portal.md)."""
    query = sa.select(Organization).where(Organization.admitted)
    if kinds:
        query = query.where(Organization.kind.in_(list(kinds)))
    return query


def search_organizations(
    text: str, kinds: Iterable[OrganizationKind] | None = None, limit: int = SEARCH_LIMIT
) -> list[Organization]:
    """Suggestions for ``text`` (two letters or more), by name."""
    if len(text.strip()) < SEARCH_MIN_LETTERS:
        return []
    query = pickable_organizations(kinds).where(text_matches(text))
    return list(db.session.scalars(query.order_by(Organization.name, Organization.id).limit(limit)))


def find_organization(
    text: str | None, kinds: Iterable[OrganizationKind] | None = None
) -> Organization | None:
    """The one organization ``text`` names: ``… [code]``, an exact code or INN, or an exact
    (short) name; None when there is none or more than one."""
    text = " ".join((text or "").split())
    if not text:
        return None
    query = pickable_organizations(kinds)
    match = _CODE_IN_BRACKETS.search(text)
    if match:
        query = query.where(Organization.code == match.group(1).strip())
    else:
        lowered = fold(text)
        query = query.where(
            sa.or_(
                Organization.code == text,
                Organization.inn == text,
                folded(Organization.name) == lowered,
                folded(Organization.short_name) == lowered,
            )
        )
    found = db.session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def all_municipalities() -> list[Municipality]:
    """Every municipality by name: the choices of the municipality filters and forms."""
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))
