"""The ``organizations`` kind: organizations of the directory by code, created or updated
through the directory's services; a kind change is refused while users of a role that does not
fit the new kind belong to the organization."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext

from partnercrm.access.directory import can_create_organization_in, can_manage_organization
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import ORGANIZATION_KINDS, Role
from partnercrm.database import fold
from partnercrm.directory import services as directory_services
from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.imports.columns import Row
from partnercrm.imports.importer import (
    OUT_OF_SCOPE,
    Importer,
    chunks,
    organizations_by_code,
    quoted,
)


class OrganizationImporter(Importer):
    OPTIONAL = ("short_name", "inn", "address", "email", "phone")

    def check(self) -> None:
        municipalities = {
            _name_key(municipality.name): municipality
            for municipality in db.session.scalars(sa.select(Municipality))
        }
        existing = organizations_by_code(row.values["code"] for row in self.parsed.rows)
        roles = self._user_roles(
            organization.id
            for row in self.parsed.rows
            if (organization := existing.get(row.values["code"])) is not None
            and organization.kind is not row.values["kind"]
        )
        for row in self.parsed.rows:
            organization = existing.get(row.values["code"])
            municipality = municipalities.get(_name_key(row.values["municipality"]))
            good = True
            if municipality is None:
                self.error(
                    row,
                    "municipality",
                    f"неизвестный муниципалитет {quoted(row.values['municipality'])}: "
                    "укажите краткое название, например «Калининград»",
                )
                good = False
            elif not self.allowed(can_create_organization_in, municipality.id):
                self.error(row, "municipality", f"муниципалитет {OUT_OF_SCOPE}")
                good = False
            if organization is not None and not self.allowed(can_manage_organization, organization):
                self.error(row, "code", f"организация другого муниципалитета {OUT_OF_SCOPE}")
                good = False
            if organization is not None and organization.kind is not row.values["kind"]:
                misfit = sorted(
                    role.value
                    for role in roles.get(organization.id, ())
                    if row.values["kind"] not in ORGANIZATION_KINDS[role]
                )
                if misfit:
                    self.error(
                        row,
                        "kind",
                        "вид нельзя изменить: у организации есть пользователи с ролью "
                        + ", ".join(misfit),
                    )
                    good = False
            if good:
                self.plan.append((row, (organization, municipality)))

    @staticmethod
    def _user_roles(organization_ids: Iterable[int]) -> dict[int, set[Role]]:
        roles: dict[int, set[Role]] = {}
        for chunk in chunks(set(organization_ids)):
            for organization_id, role in db.session.execute(
                sa.select(User.organization_id, User.role)
                .where(User.organization_id.in_(chunk))
                .distinct()
            ):
                assert organization_id is not None, "selected by organization"
                roles.setdefault(organization_id, set()).add(role)
        return roles

    def write(self, row: Row, target, dry_run: bool) -> None:
        organization, municipality = target
        values = {
            "code": row.values["code"],
            "kind": row.values["kind"],
            "name": row.values["name"],
            "municipality_id": municipality.id,
        }
        values.update({key: row.values[key] for key in self.OPTIONAL if key in row.values})
        if organization is None:
            self.result.created += 1
            if not dry_run:
                self._call(row, directory_services.create_organization, **values)
            return
        changed = any(getattr(organization, key) != value for key, value in values.items())
        self.count_change(changed)
        if changed and not dry_run:
            self._call(row, directory_services.update_organization, organization, **values)

    def _call(self, row: Row, service, *args, **values) -> None:
        # The checks above cover the service's refusals; this keeps a late one a row error.
        try:
            service(*args, **values)
        except directory_services.OrganizationError as error:
            self.error(row, error.field or "code", gettext(error.message, **error.params))


def _name_key(name: str) -> str:
    return fold(" ".join(name.split()))
