"""The ``agreements`` kind of ``partnercrm import`` (docs/agreements.md, DESIGN §4.3).

``create_app`` registers the kind with the app's import engine (:func:`register`), so the command
line and the Import page offer it.

Columns: **number**, **parties** (``CODE:role;CODE:role``), subject, kinds, signed_on,
valid_from, valid_to, terminated_on, termination_reason, contact_persons, notes. The key is the
number together with the first party's code: an existing agreement with that number to which that
organization is a party is updated. Parties of the file are added and their roles set; parties
missing from the file are kept (an import deletes nothing — remove a party in the form); the
kinds become those of the file when the column is present.

Rows are checked like the form (``services.check_values``) and against the database in bulk
(codes, scope, a number already used with a common party); the import engine writes only a file
without errors. Messages are Russian, as the engine's.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from partnercrm.access.agreements import can_edit_agreement, can_make_agreement_between
from partnercrm.agreements import services
from partnercrm.agreements.models import Agreement, AgreementParty, number_key
from partnercrm.agreements.rules import CooperationKind
from partnercrm.database import savepoint
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.imports import values as v
from partnercrm.imports.columns import Column, Kind, Row
from partnercrm.imports.importer import (
    OUT_OF_SCOPE,
    Importer,
    chunks,
    organizations_by_code,
    quoted,
)
from partnercrm.imports.registry import import_engine
from partnercrm.localtime import local_today
from partnercrm.plausible import DATE_OUT_OF_BOUNDS

CODE_MAX = 64
TEXT_MAX = 5000
KIND_VALUES = {kind.value: kind for kind in CooperationKind}
_SEPARATORS = re.compile(r"[;,]")
_NUMBER_TEXT = v.limited(services.NUMBER_MAX)

# The services' refusals (English msgids) as the import reports them.
RUSSIAN = {
    "Enter the agreement number.": "не заполнено",
    "The number is too long (at most 100 characters).": "не длиннее 100 символов",
    "Enter the subject of the agreement.": "не заполнено",
    "%(name)s is named twice among the parties.": "организация «%(name)s» указана дважды",
    "%(name)s was declined and cannot be a party.": (
        "организация «%(name)s» отклонена и не может быть стороной договора"
    ),
    "A party's role is too long (at most 200 characters).": "роль стороны не длиннее 200 символов",
    "An agreement needs at least two parties.": "нужно не меньше двух сторон",
    "The signing date cannot be in the future.": "дата подписания в будущем",
    "The end of validity is before its start.": "окончание действия раньше начала",
    "Only a signed agreement can be terminated.": (
        "расторгнуть можно только подписанный договор (нет signed_on)"
    ),
    "The agreement is terminated before it was signed.": "расторгнут раньше, чем подписан",
    "Give the reason for the termination.": "укажите причину расторжения",
    "Give the date of the termination.": "указана причина, но нет даты расторжения",
    DATE_OUT_OF_BOUNDS: "дата вне допустимых пределов: с %(earliest)s по %(latest)s",
    services.NUMBER_TAKEN: (
        "договор с этим номером уже есть у одной из сторон (ключ — номер и первая сторона)"
    ),
}


def parse_parties(cell) -> tuple[tuple[str, str | None], ...]:
    """``CODE:role;CODE:role`` → ((code, role or None), …); two or more distinct codes."""
    parties: list[tuple[str, str | None]] = []
    for part in v.text(cell).split(";"):
        if not part.strip():
            continue
        code, _colon, given_role = part.partition(":")
        code, role = code.strip(), " ".join(given_role.split()) or None
        if not code:
            raise v.ValueProblem(f"{v.shown(part)} — нет кода организации перед «:»")
        if len(code) > CODE_MAX:
            raise v.ValueProblem(f"код {v.shown(code)} длиннее {CODE_MAX} символов")
        if role is not None and len(role) > services.ROLE_MAX:
            raise v.ValueProblem(f"роль {v.shown(role)} длиннее {services.ROLE_MAX} символов")
        if any(code == seen for seen, _role in parties):
            raise v.ValueProblem(f"организация {quoted(code)} указана дважды")
        parties.append((code, role))
    if len(parties) < services.MIN_PARTIES:
        raise v.ValueProblem(
            "нужно не меньше двух сторон в виде КОД:роль;КОД:роль, "
            "например SCH1:школа;EMP1:работодатель"
        )
    return tuple(parties)


def parse_kinds(cell) -> tuple[CooperationKind, ...]:
    """Kinds of cooperation separated by ``;`` or ``,``."""
    kinds: list[CooperationKind] = []
    for part in _SEPARATORS.split(v.text(cell)):
        name = part.strip().lower()
        if not name:
            continue
        if name not in KIND_VALUES:
            raise v.ValueProblem(
                f"неизвестный вид сотрудничества {v.shown(part)}; допустимо: "
                + ", ".join(KIND_VALUES)
            )
        if KIND_VALUES[name] not in kinds:
            kinds.append(KIND_VALUES[name])
    return tuple(kinds)


def _number(cell) -> str:
    """The number as numbers are compared (runs of spaces one space)."""
    return number_key(_NUMBER_TEXT(cell))


def _first_party(values: dict[str, Any], failed: set[str]) -> list[tuple[str, str]]:
    """The key is the number with the first party's code."""
    if "parties" not in failed and values.get("parties"):
        values["first_party"] = values["parties"][0][0]
    return []


AGREEMENTS = Kind(
    "agreements",
    (
        Column(
            "number",
            _number,
            required=True,
            aliases=("номер", "номер договора"),
            example="1-ПРИМЕР",
        ),
        Column(
            "parties",
            parse_parties,
            required=True,
            aliases=("стороны", "стороны договора"),
            example="{school}:школа;{partner}:работодатель",
        ),
        Column(
            "subject",
            v.limited(TEXT_MAX),
            required=True,
            aliases=("предмет", "предмет договора"),
            example="Экскурсии и профпробы для обучающихся",
        ),
        Column(
            "kinds",
            parse_kinds,
            empty=(),
            aliases=("виды сотрудничества", "виды"),
            example="excursions",
        ),
        Column(
            "signed_on", v.parse_date, aliases=("дата подписания", "подписан"), example="{today}"
        ),
        Column(
            "valid_from",
            v.parse_date,
            aliases=("действует с", "начало действия"),
            example="{today}",
        ),
        Column("valid_to", v.parse_date, aliases=("действует по", "окончание действия")),
        Column("terminated_on", v.parse_date, aliases=("дата расторжения", "расторгнут")),
        Column("termination_reason", v.limited(TEXT_MAX), aliases=("причина расторжения",)),
        Column("contact_persons", v.limited(TEXT_MAX), aliases=("контактные лица",)),
        Column("notes", v.limited(TEXT_MAX), aliases=("примечание", "примечания")),
    ),
    keys=("number", "first_party"),
    finish=_first_party,
)


def _existing(numbers) -> dict[str, list[Agreement]]:
    """Agreements with these numbers (by the parties' number key, or the number as it is where
    a party has none), with their parties, by number as compared."""
    found: dict[str, list[Agreement]] = {}
    for chunk in chunks(set(numbers)):
        keyed = sa.select(AgreementParty.agreement_id).where(AgreementParty.number_key.in_(chunk))
        for agreement in db.session.scalars(
            sa.select(Agreement)
            .where(sa.or_(Agreement.number.in_(chunk), Agreement.id.in_(keyed)))
            .options(
                selectinload(Agreement.parties).selectinload(AgreementParty.organization),
                selectinload(Agreement.kinds),
            )
        ):
            found.setdefault(number_key(agreement.number), []).append(agreement)
    return found


class AgreementImporter(Importer):
    def check(self) -> None:
        rows = self.parsed.rows
        organizations = organizations_by_code(
            code for row in rows for code, _role in row.values["parties"]
        )
        existing = _existing(row.values["number"] for row in rows)
        today = local_today()
        # (number, organization id) → the row that uses it, to find clashes inside the file
        claimed: dict[tuple[str, int], int] = {}
        for row in rows:
            parties = self._parties(row, organizations)
            if parties is None:
                continue
            number = row.values["number"]
            ids = {organization.id for organization, _role in parties}
            target = next(
                (
                    agreement
                    for agreement in existing.get(number, [])
                    if any(p.organization_id == parties[0][0].id for p in agreement.parties)
                ),
                None,
            )
            data = self._data(row, parties, target)
            good = self._valid(row, data, today)
            if not self.allowed(
                can_make_agreement_between,
                [organization for organization, _role in parties],
            ):
                self.error(row, "parties", "ни одна из сторон не в вашей области доступа")
                good = False
            if target is not None and not self.allowed(can_edit_agreement, target):
                self.error(row, "number", f"договор {quoted(number)} {OUT_OF_SCOPE}")
                good = False
            clash = next(
                (
                    agreement
                    for agreement in existing.get(number, [])
                    if agreement is not target
                    and any(party.organization_id in ids for party in agreement.parties)
                ),
                None,
            )
            if clash is not None:
                self.error(row, "number", RUSSIAN[services.NUMBER_TAKEN])
                good = False
            for organization_id in ids:
                first = claimed.setdefault((number, organization_id), row.number)
                if first != row.number:
                    self.error(
                        row,
                        "parties",
                        f"договор № {quoted(number)} с этой стороной уже есть в строке {first}",
                    )
                    good = False
                    break
            if good:
                self.plan.append((row, (target, data)))

    def _parties(self, row: Row, organizations: dict[str, Organization]):
        parties = []
        for code, role in row.values["parties"]:
            organization = organizations.get(code)
            if organization is None:
                self.error(row, "parties", f"нет организации с кодом {quoted(code)}")
                return None
            parties.append((organization, role))
        return parties

    def _data(self, row: Row, parties, target: Agreement | None) -> services.AgreementData:
        values = row.values
        data = (
            services.data_of(target)
            if target is not None
            else services.AgreementData(number="", subject="", parties=[])
        )
        if target is not None:
            # Parties missing from the file stay: an import deletes nothing.
            named = {organization.id for organization, _role in parties}
            parties = parties + [
                (party.organization, party.role)
                for party in target.parties
                if party.organization_id not in named
            ]
        data.number, data.subject, data.parties = values["number"], values["subject"], parties
        if "kinds" in values or target is None:
            data.kinds = list(values.get("kinds") or ())
        for name in services.OPTIONAL_FIELDS:
            if name in values:
                setattr(data, name, values[name])
        return data

    def _valid(self, row: Row, data: services.AgreementData, today) -> bool:
        try:
            services.check_values(data, today)
        except services.AgreementError as error:
            message = RUSSIAN.get(error.message, error.message) % error.params
            self.error(row, error.field or "number", message)
            return False
        return True

    def write(self, row: Row, target, dry_run: bool) -> None:
        agreement, data = target
        if agreement is None:
            self.result.created += 1
            if not dry_run:
                self._written(row, lambda: services.new_agreement(data, self.user))
            return
        changed = services.differs(agreement, data)
        self.count_change(changed)
        if changed and not dry_run:
            self._written(row, lambda: services.apply(agreement, data))

    def _written(self, row: Row, write) -> None:
        """Write one row in a savepoint: a number another agreement of a party took since
        :meth:`check` (a form saved meanwhile) is that row's error, and the file is refused."""
        try:
            with savepoint(db.session):
                write()
        except IntegrityError as error:
            if not services.is_number_clash(error):
                raise
            self.error(row, "number", RUSSIAN[services.NUMBER_TAKEN])


def register(app: Flask) -> None:
    """Offer the kind on the command line and the Import page of ``app`` (school staff too: a
    row is theirs when their school is a party)."""
    import_engine(app).register_kind(
        AgreementImporter, AGREEMENTS, _l("Cooperation agreements"), schools_may_import=True
    )
