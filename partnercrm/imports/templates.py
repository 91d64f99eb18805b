"""Import templates (docs/imports.md, "Templates"): for every registered kind, a CSV and an
XLSX file with the header row and one example row, made from the kind's columns
(``Column.example``) — never hand-kept files.

The examples name the user's own school (for an admin or coordinator, the first school in
their scope), a partner organization of the directory, and what the other templates add — the
example student and activity — so that the templates, uploaded unchanged in the Import page's
order, each import without an error.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from partnercrm.access.base import can_act_for
from partnercrm.accounts.models import User
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.columns import EXAMPLE_ORGANIZATION, Kind
from partnercrm.localtime import local_today, school_year_of
from partnercrm.spreadsheets import Sheet, to_csv, to_xlsx

FORMATS = ("csv", "xlsx")
EXAMPLE_STUDENT = "пример-1"
EXAMPLE_ACTIVITY = "пример-мероприятие-1"
PARTNER_KINDS = (OrganizationKind.EMPLOYER, OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY)


def _first_school(user: User) -> Organization | None:
    if user.organization is not None and user.organization.kind is OrganizationKind.SCHOOL:
        return user.organization
    query = sa.select(Organization).where(Organization.kind == OrganizationKind.SCHOOL)
    if user.municipality_id is not None:
        query = query.where(Organization.municipality_id == user.municipality_id)
    for school in db.session.scalars(query.order_by(Organization.name, Organization.id)):
        if can_act_for(user, school):
            return school
    return None


def _partner(school: Organization | None) -> Organization | None:
    """An approved employer, college or university, of the school's municipality if any."""
    query = sa.select(Organization).where(
        Organization.kind.in_(PARTNER_KINDS),
        sa.or_(
            Organization.approval_state.is_(None),
            Organization.approval_state == ApprovalState.APPROVED,
        ),
    )
    if school is not None:
        query = query.order_by((Organization.municipality_id == school.municipality_id).desc())
    return db.session.scalars(query.order_by(Organization.name, Organization.id)).first()


def example_values(user: User) -> dict[str, str]:
    """What the placeholders of ``Column.example`` stand for, for ``user``."""
    school = _first_school(user)
    partner = _partner(school)
    today = local_today()
    return {
        "school": school.code if school else "код-школы",
        "municipality": school.municipality.name if school else "Калининград",
        "partner": partner.code if partner else EXAMPLE_ORGANIZATION,
        "student": EXAMPLE_STUDENT,
        "activity": EXAMPLE_ACTIVITY,
        "date": (today + timedelta(days=14)).isoformat(),
        "today": today.isoformat(),
        "school_year": str(school_year_of(today)),
    }


def template_table(kind: Kind, values: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """The header and the one example row of ``kind``."""
    header = kind.column_names
    row = [column.example.format_map(values) for column in kind.columns]
    return header, [row]


def render_template_file(kind: Kind, values: dict[str, str], fmt: str) -> bytes:
    """The template of ``kind`` as CSV or XLSX (the header in row 1, as the import reads it)."""
    header, rows = template_table(kind, values)
    if fmt == "csv":
        return to_csv(header, rows)
    if fmt == "xlsx":
        return to_xlsx([Sheet(kind.name, header, rows)])
    raise ValueError(f"unknown format {fmt!r}")
