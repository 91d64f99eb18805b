"""Writes about agreements: create, update, documents, links to activities. Services flush; the
caller's unit of work (a request, the import, a test) commits once or rolls back.

Refusals raise :class:`AgreementError` with an English msgid (translated where it is shown) and
the field it concerns, so forms can show it beside the field and the import as ``column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.activities.models import Activity
from partnercrm.agreements.models import (
    PARTY_NUMBER_UNIQUE,
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    number_key,
)
from partnercrm.agreements.rules import AGREEMENT_DATES, CooperationKind
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.plausible import check_date

NUMBER_MAX = 100
ROLE_MAX = 200
MIN_PARTIES = 2
NUMBER_TAKEN = N_("An agreement with this number already exists with one of these parties.")


class AgreementError(UserError):
    """A refused change; ``field`` names the form field (and import column) it concerns."""


@dataclass
class AgreementData:
    """Every field of an agreement as the form and the import give it (text already stripped,
    empty text as None)."""

    number: str
    subject: str
    parties: list[tuple[Organization, str | None]]
    kinds: list[CooperationKind] = field(default_factory=list)
    signed_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    terminated_on: date | None = None
    termination_reason: str | None = None
    contact_persons: str | None = None
    notes: str | None = None


# The fields an agreement may leave empty (the import's optional columns).
OPTIONAL_FIELDS = (
    "signed_on",
    "valid_from",
    "valid_to",
    "terminated_on",
    "termination_reason",
    "contact_persons",
    "notes",
)
SIMPLE_FIELDS = ("number", "subject", *OPTIONAL_FIELDS)


def check(data: AgreementData, agreement: Agreement | None = None, today: date | None = None):
    """Raise :class:`AgreementError` for the first rule ``data`` breaks (the number's clash
    with another agreement of a common party included)."""
    check_values(data, today or local_today())
    clash = find_by_number(data.number, [organization for organization, _role in data.parties])
    if clash is not None and (agreement is None or clash.id != agreement.id):
        raise AgreementError(NUMBER_TAKEN, "number")


def check_values(data: AgreementData, today: date) -> None:
    """The rules of one agreement's own values (no database query)."""
    if not data.number:
        raise AgreementError(N_("Enter the agreement number."), "number")
    if len(data.number) > NUMBER_MAX:
        raise AgreementError(N_("The number is too long (at most 100 characters)."), "number")
    if not data.subject:
        raise AgreementError(N_("Enter the subject of the agreement."), "subject")
    seen: set[int] = set()
    for organization, role in data.parties:
        if organization.id in seen:
            raise AgreementError(
                N_("%(name)s is named twice among the parties."), "parties", name=organization.name
            )
        seen.add(organization.id)
        if organization.approval_state is ApprovalState.DECLINED:
            raise AgreementError(
                N_("%(name)s was declined and cannot be a party."),
                "parties",
                name=organization.name,
            )
        if not organization.admitted:  # an employer awaiting approval (docs/portal.md)
            raise AgreementError(
                N_("%(name)s is not an approved employer yet."), "parties", name=organization.name
            )
        if role and len(role) > ROLE_MAX:
            raise AgreementError(
                N_("A party's role is too long (at most 200 characters)."), "parties"
            )
    if len(seen) < MIN_PARTIES:
        raise AgreementError(N_("An agreement needs at least two parties."), "parties")
    if data.signed_on is not None and data.signed_on > today:
        raise AgreementError(N_("The signing date cannot be in the future."), "signed_on")
    for name in ("signed_on", "valid_from", "valid_to", "terminated_on"):
        check_date(getattr(data, name), AGREEMENT_DATES, AgreementError, name, today)
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise AgreementError(N_("The end of validity is before its start."), "valid_to")
    if data.terminated_on is not None:
        if data.signed_on is None:
            raise AgreementError(N_("Only a signed agreement can be terminated."), "terminated_on")
        if data.terminated_on < data.signed_on:
            raise AgreementError(
                N_("The agreement is terminated before it was signed."), "terminated_on"
            )
        if not data.termination_reason:
            raise AgreementError(N_("Give the reason for the termination."), "termination_reason")
    elif data.termination_reason:
        raise AgreementError(N_("Give the date of the termination."), "terminated_on")


def find_by_number(number: str, organizations: list[Organization]) -> Agreement | None:
    """An agreement with ``number`` that one of ``organizations`` is a party to — the key of an
    agreement, unique because :func:`check` refuses a second one and the parties' number key
    (``uq_agreement_party_number``) refuses it under concurrency. Numbers are compared as
    :func:`~partnercrm.agreements.models.number_key` writes them; a party without a key (a bulk
    load) by the number as it is."""
    ids = [organization.id for organization in organizations if organization.id is not None]
    if not ids:
        return None
    of_these = sa.select(AgreementParty.agreement_id).where(AgreementParty.organization_id.in_(ids))
    return db.session.scalars(
        sa.select(Agreement)
        .where(
            sa.or_(
                Agreement.id.in_(of_these.where(AgreementParty.number_key == number_key(number))),
                sa.and_(Agreement.number == number, Agreement.id.in_(of_these)),
            )
        )
        .order_by(Agreement.id)
        .limit(1)
    ).first()


def is_number_clash(error: IntegrityError) -> bool:
    """Did the database refuse a second agreement with a number one of its parties has?"""
    text = str(error.orig)
    return PARTY_NUMBER_UNIQUE in text or "agreement_party.number_key" in text


def flush_agreement() -> None:
    """Flush; the parties' number key refusing a number taken meanwhile (another save, an
    import) is the refusal :func:`check` gives."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if not is_number_clash(error):
            raise
        raise AgreementError(NUMBER_TAKEN, "number") from error


def create_agreement(data: AgreementData, created_by: User | None = None) -> Agreement:
    check(data)
    agreement = new_agreement(data, created_by)
    flush_agreement()
    return agreement


def new_agreement(data: AgreementData, created_by: User | None = None) -> Agreement:
    """Add an agreement made of ``data`` without checking it (the caller has)."""
    agreement = Agreement(created_by_id=created_by.id if created_by else None)
    db.session.add(agreement)
    apply(agreement, data)
    return agreement


def update_agreement(agreement: Agreement, data: AgreementData) -> bool:
    """Change ``agreement`` to ``data``; True when anything changed. Only values that differ are
    assigned, so saving (or re-importing) the same values changes nothing."""
    check(data, agreement)
    changed = apply(agreement, data)
    flush_agreement()
    return changed


def data_of(agreement: Agreement) -> AgreementData:
    """The stored values of ``agreement`` (to change some of them)."""
    return AgreementData(
        parties=[(party.organization, party.role) for party in agreement.parties],
        kinds=[row.kind for row in agreement.kinds],
        **{name: getattr(agreement, name) for name in SIMPLE_FIELDS},
    )


def differs(agreement: Agreement, data: AgreementData) -> bool:
    """Would :func:`apply` change anything?"""
    if any(getattr(agreement, name) != getattr(data, name) for name in SIMPLE_FIELDS):
        return True
    stored = {party.organization_id: party.role for party in agreement.parties}
    wanted = {organization.id: role for organization, role in data.parties}
    return stored != wanted or {row.kind for row in agreement.kinds} != set(data.kinds)


def apply(agreement: Agreement, data: AgreementData) -> bool:
    """Assign ``data`` (unchecked) to ``agreement``, only what differs; True if anything did."""
    changed = False
    for name in SIMPLE_FIELDS:
        value = getattr(data, name)
        if getattr(agreement, name) != value:
            setattr(agreement, name, value)
            changed = True

    wanted = {organization.id: (organization, role) for organization, role in data.parties}
    for existing in list(agreement.parties):
        if existing.organization_id not in wanted:
            agreement.parties.remove(existing)
            changed = True
    present = {party.organization_id: party for party in agreement.parties}
    for organization_id, (organization, role) in wanted.items():
        party = present.get(organization_id)
        if party is None:
            agreement.parties.append(AgreementParty(organization=organization, role=role))
            changed = True
        elif party.role != role:
            party.role = role
            changed = True

    # Every party carries the number's key (models.AgreementParty): a number taken by another
    # agreement of one of them is refused by the database too.
    key = number_key(agreement.number)
    for party in agreement.parties:
        if party.number_key != key:
            party.number_key = key

    kinds = set(data.kinds)
    for row in list(agreement.kinds):
        if row.kind not in kinds:
            agreement.kinds.remove(row)
            changed = True
    have = {row.kind for row in agreement.kinds}
    for kind in CooperationKind:
        if kind in kinds and kind not in have:
            agreement.kinds.append(AgreementKind(kind=kind))
            changed = True
    return changed


# --- documents ---


def add_document(
    agreement: Agreement, stored_name: str, original_name: str, size: int, user: User | None
) -> AgreementDocument:
    """Record an uploaded PDF (already checked and stored); earlier documents stay."""
    document = AgreementDocument(
        agreement=agreement,
        stored_name=stored_name,
        original_name=(original_name or "document.pdf")[:255],
        size=size,
        uploaded_by_id=user.id if user else None,
        uploaded_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()
    return document


# --- activities carried out under the agreement ---


def link_activity(agreement: Agreement, activity: Activity) -> None:
    if activity.agreement_id == agreement.id:
        return
    if activity.agreement_id is not None:
        raise AgreementError(
            N_("This activity is already linked to another agreement."), "activity"
        )
    activity.agreement_id = agreement.id
    db.session.flush()


def unlink_activity(agreement: Agreement, activity: Activity) -> None:
    if activity.agreement_id != agreement.id:
        raise AgreementError(N_("This activity is not linked to this agreement."), "activity")
    activity.agreement_id = None
    db.session.flush()
