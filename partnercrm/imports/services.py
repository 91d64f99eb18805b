"""The five importers (DESIGN §4.3). They flush; the caller commits once, or rolls back.

:func:`run_import` checks the whole file first — cells (``columns.py``), then codes, refs and the
user's scope against the database — and writes only when no row has an error. Lookups are
loaded in bulk (a few queries per 500 keys), never one query per row, so a 100,000-row file of
participants takes a handful of queries before the inserts.

Who may import what is decided by ``partnercrm.access`` with the importing user, as in the
interface; the command line has no user and the whole region in scope.

Upserts assign only values that differ from the stored ones, so re-importing a file changes
nothing and leaves no audit entries. Nothing is ever deleted by an import, except a headcount
row set to a count of 0 (as in the interface). A visiting school named by a row is added to the
activity; visiting schools are never removed by an import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from partnercrm.access.activities import (
    can_create_activity,
    can_edit_activity,
    can_organize_as,
    can_see_activity,
)
from partnercrm.access.directory import can_create_organization_in, can_manage_organization
from partnercrm.access.imports import can_import, can_import_for, can_import_headcount
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import ORGANIZATION_KINDS, Role
from partnercrm.activities.kinds import KINDS as ACTIVITY_KINDS
from partnercrm.activities.kinds import participation_open
from partnercrm.activities.models import Activity, Headcount, ParentMeeting, Participation
from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus, can_move
from partnercrm.directory import services as directory_services
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.columns import KINDS, Parsed, Row, RowError, parse_rows
from partnercrm.imports.readers import Table
from partnercrm.localtime import local_date, start_of_local_day, to_utc
from partnercrm.roadmap.models import PlanItem
from partnercrm.students.models import Student

CHUNK = 500
FLUSH_EVERY = 2000
PROGRESS_EVERY = 1000
OUT_OF_SCOPE = "вне вашей области доступа"

# (phase, done, total): phase is "check" or "write".
Progress = Callable[[str, int, int], None]


def kinds_for(user: User) -> list[str]:
    """The import kinds a user may use."""
    return [kind for kind in KINDS if can_import(user, kind)]


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        return f"{self.kind}: " + ", ".join(parts)


def run_import(
    kind: str,
    table: Table,
    *,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of ``table``; if all are good, write them (unless ``dry_run``).

    ``user`` is the importing user (the web page), whose access decides what rows may touch;
    None (the command line) is the whole region.

    With errors, nothing is written and ``result.errors`` lists them in row order. The caller
    commits a good import and rolls back otherwise (a dry run always).
    """
    total = len(table.rows)
    report = _reporter(progress, total)
    parsed = parse_rows(KINDS[kind], table, lambda done: report("check", done))
    report("check", total, force=True)
    result = ImportResult(kind=kind, dry_run=dry_run, rows=total)
    if not any(error.row == table.header_row for error in parsed.errors):
        importer = IMPORTERS[kind](parsed, user, result)
        importer.check()
        if not parsed.errors:
            importer.apply(dry_run, lambda done: report("write", done))
            report("write", total, force=True)
    result.errors = sorted(parsed.errors, key=lambda error: error.row)
    return result


def _reporter(progress: Progress | None, total: int):
    def report(phase: str, done: int, force: bool = False) -> None:
        if progress is not None and (force or done % PROGRESS_EVERY == 0):
            progress(phase, done, total)

    return report


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _organizations_by_code(codes: Iterable[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(set(codes)):
        for organization in db.session.scalars(
            sa.select(Organization).where(Organization.code.in_(chunk))
        ):
            found[organization.code] = organization
    return found


def _activities_by_ref(refs: Iterable[str], *, full: bool = False) -> dict[str, Activity]:
    """Activities by ref with what the access checks read — visiting schools, host, organizer,
    parent meeting presenters — (and, ``full``, plan items)."""
    options = [
        selectinload(Activity.schools),
        selectinload(Activity.organizer),
        selectinload(Activity.host),
        selectinload(Activity.parent_meeting).selectinload(ParentMeeting.presenters),
    ]
    if full:
        options.append(selectinload(Activity.plan_items))
    found: dict[str, Activity] = {}
    for chunk in _chunks(set(refs)):
        for activity in db.session.scalars(
            sa.select(Activity).where(Activity.ref.in_(chunk)).options(*options)
        ):
            found[activity.ref] = activity
    return found


def _shown(value) -> str:
    return f"«{value}»"


class Importer:
    """Check rows against the database (``check``), then write them (``apply``)."""

    def __init__(self, parsed: Parsed, user: User | None, result: ImportResult):
        self.parsed, self.user, self.result = parsed, user, result
        self.plan: list[tuple[Row, Any]] = []

    def allowed(self, predicate: Callable[..., bool], *args) -> bool:
        """``predicate(user, *args)`` of ``partnercrm.access``; the command line may do all."""
        return self.user is None or predicate(self.user, *args)

    def error(self, row: Row, column: str, message: str) -> None:
        self.parsed.errors.append(RowError(row.number, self.parsed.label(column), message))

    def check(self) -> None:
        raise NotImplementedError

    def apply(self, dry_run: bool, progress: Callable[[int], None]) -> None:
        for done, (row, target) in enumerate(self.plan, start=1):
            self.write(row, target, dry_run)
            if not dry_run and done % FLUSH_EVERY == 0:
                db.session.flush()
            progress(done)
        if not dry_run:
            db.session.flush()

    def write(self, row: Row, target, dry_run: bool) -> None:
        raise NotImplementedError

    def count_change(self, changed: bool) -> None:
        if changed:
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    # Shared checks of an organization named by a code column.

    def organization(
        self, row: Row, column: str, found: dict[str, Organization], *, school: bool = False
    ) -> Organization | None:
        code = row.values.get(column)
        if code is None:
            return None
        organization = found.get(code)
        if organization is None:
            self.error(row, column, f"нет организации с кодом {_shown(code)}")
            return None
        if school and organization.kind is not OrganizationKind.SCHOOL:
            self.error(row, column, f"организация {_shown(code)} — не школа")
            return None
        return organization

    def school_in_scope(self, row: Row, column: str, school: Organization) -> bool:
        if self.allowed(can_import_for, school):
            return True
        self.error(row, column, f"школа {_shown(school.code)} {OUT_OF_SCOPE}")
        return False


# --- organizations ---


class OrganizationImporter(Importer):
    OPTIONAL = ("short_name", "inn", "address", "email", "phone")

    def check(self) -> None:
        municipalities = {
            _name_key(municipality.name): municipality
            for municipality in db.session.scalars(sa.select(Municipality))
        }
        existing = _organizations_by_code(row.values["code"] for row in self.parsed.rows)
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
                    f"неизвестный муниципалитет {_shown(row.values['municipality'])}: "
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
        for chunk in _chunks(set(organization_ids)):
            for organization_id, role in db.session.execute(
                sa.select(User.organization_id, User.role)
                .where(User.organization_id.in_(chunk))
                .distinct()
            ):
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
            self.error(row, error.field, str(error.message))


def _name_key(name: str) -> str:
    return " ".join(name.split()).lower().replace("ё", "е")


# --- students ---


class StudentImporter(Importer):
    def check(self) -> None:
        schools = _organizations_by_code(row.values["school_code"] for row in self.parsed.rows)
        accepted = []
        for row in self.parsed.rows:
            school = self.organization(row, "school_code", schools, school=True)
            if school is not None and self.school_in_scope(row, "school_code", school):
                accepted.append((row, school))
        students: dict[tuple[int, str], Student] = {}
        for chunk in _chunks({school.id for _, school in accepted}):
            for student in db.session.scalars(
                sa.select(Student).where(Student.school_id.in_(chunk))
            ):
                students[(student.school_id, student.local_id)] = student
        for row, school in accepted:
            student = students.get((school.id, row.values["local_id"]))
            self.plan.append((row, (school, student)))

    def write(self, row: Row, target, dry_run: bool) -> None:
        school, student = target
        values = _student_values(row.values)
        if student is None:
            self.result.created += 1
            if not dry_run:
                student = Student(school_id=school.id, local_id=row.values["local_id"])
                student.class_letter, student.birth_date, student.ovz = None, None, False
                _assign(student, values)
                db.session.add(student)
            return
        changes = _changes(student, values)
        self.count_change(bool(changes))
        if not dry_run:
            _assign(student, changes)


def _student_values(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values of a student row (the class letter is normalised by its parser)."""
    result = {"full_name": values["full_name"], "grade": values["grade"]}
    if "class_letter" in values:
        result["class_letter"] = values["class_letter"]
    for key in ("birth_date", "ovz"):
        if key in values:
            result[key] = values[key]
    return result


def _changes(obj, values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if getattr(obj, key) != value}


def _assign(obj, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


# --- activities ---


class ActivityImporter(Importer):
    def check(self) -> None:
        rows = self.parsed.rows
        organizations = _organizations_by_code(
            row.values[column]
            for row in rows
            for column in ("host_code", "organizer_code", "school_code")
            if row.values.get(column)
        )
        activities = _activities_by_ref((row.values["ref"] for row in rows), full=True)
        plan_items = {item.number: item for item in db.session.scalars(sa.select(PlanItem))}
        for row in rows:
            values = row.values
            activity = activities.get(values["ref"])
            host = self.organization(row, "host_code", organizations)
            organizer = self.organization(row, "organizer_code", organizations)
            school = self.organization(row, "school_code", organizations, school=True)
            known = host is not None and organizer is not None
            known = known and (school is not None or not values.get("school_code"))
            items = self._plan_items(row, plan_items, activity is None)
            good = known and items is not None
            parent_meeting = values["kind"] is ActivityKind.PARENT_MEETING
            if parent_meeting and host is not None and host.kind is not OrganizationKind.SCHOOL:
                self.error(row, "host_code", "родительское собрание проводится в школе")
                good = False
            # Nothing is said about an existing activity the user may not change.
            in_scope = organizer is not None and self._in_scope(row, organizer, activity)
            if in_scope and activity is not None:
                in_scope = self._check_existing(row, activity)
            good = good and in_scope
            if good:
                self.plan.append((row, (activity, host, organizer, school, items)))

    def _plan_items(
        self, row: Row, plan_items: dict[int, PlanItem], new: bool
    ) -> list[PlanItem] | None:
        """The row's plan items (empty or absent: the kind's defaults); None after an error.

        An absent column leaves an existing activity's plan items as they are.
        """
        if "plan_items" not in row.values and not new:
            return []
        numbers = row.values.get("plan_items") or list(
            ACTIVITY_KINDS[row.values["kind"]].default_plan_items
        )
        unknown = [number for number in numbers if number not in plan_items]
        if unknown:
            self.error(
                row,
                "plan_items",
                "нет такого пункта плана: " + ", ".join(str(number) for number in unknown),
            )
            return None
        return sorted((plan_items[number] for number in numbers), key=lambda item: item.number)

    def _check_existing(self, row: Row, activity: Activity) -> bool:
        good = True
        if activity.kind is not row.values["kind"]:
            self.error(
                row,
                "kind",
                f"вид мероприятия нельзя изменить (сейчас {activity.kind.value})",
            )
            good = False
        status = row.values.get("status")
        if status is not None and not can_move(activity.status, status):
            self.error(
                row,
                "status",
                f"статус нельзя сменить с {activity.status.value} на {status.value}",
            )
            good = False
        return good

    def _in_scope(self, row: Row, organizer: Organization, activity: Activity | None) -> bool:
        """Whoever may act as the organizer may import the activity (as in the interface)."""
        good = True
        if activity is None and not self.allowed(can_create_activity, row.values["kind"]):
            self.error(row, "kind", f"этот вид мероприятия {OUT_OF_SCOPE}")
            good = False
        if not self.allowed(can_organize_as, organizer):
            self.error(row, "organizer_code", f"организатор {OUT_OF_SCOPE}")
            good = False
        if activity is not None and not self.allowed(can_edit_activity, activity):
            self.error(
                row,
                "ref",
                f"мероприятие с этим кодом организует {_shown(activity.organizer.code)}: "
                + OUT_OF_SCOPE,
            )
            good = False
        return good

    def write(self, row: Row, target, dry_run: bool) -> None:
        activity, host, organizer, school, items = target
        values = _activity_values(row.values, activity is None)
        if activity is None:
            self.result.created += 1
            if dry_run:
                return
            activity = Activity(created_by=self.user, ref=row.values["ref"])
            activity.location, activity.public = None, False
            _assign(activity, values)
            activity.host, activity.organizer = host, organizer
            activity.schools = [school] if school is not None else []
            activity.plan_items = items
            if activity.kind is ActivityKind.PARENT_MEETING:
                activity.parent_meeting = ParentMeeting()
            db.session.add(activity)
            return
        changes = _changes(activity, values)
        new_host = activity.host_id != host.id
        new_organizer = activity.organizer_id != organizer.id
        new_school = school is not None and school not in activity.schools
        new_items = "plan_items" in row.values and [i.id for i in activity.plan_items] != [
            i.id for i in items
        ]
        self.count_change(bool(changes) or new_host or new_organizer or new_school or new_items)
        if dry_run:
            return
        _assign(activity, changes)
        if new_host:
            activity.host = host
        if new_organizer:
            activity.organizer = organizer
        if new_school:
            activity.schools.append(school)
        if new_items:
            activity.plan_items = items


def _activity_values(values: dict[str, Any], new: bool) -> dict[str, Any]:
    """Stored column values of an activity row; absent optional columns are left out on an
    update (on a create their defaults apply)."""
    result: dict[str, Any] = {"kind": values["kind"], "title": values["title"]}
    starts, ends = values["starts_at"], values.get("ends_at")
    if values.get("all_day"):
        result.update(
            all_day=True,
            starts_at=start_of_local_day(starts),
            ends_at=None,
            starts_on=starts,
            ends_on=ends,
        )
    else:
        starts_at = to_utc(starts)
        result.update(
            all_day=False,
            starts_at=starts_at,
            ends_at=to_utc(ends) if ends is not None else None,
            starts_on=local_date(starts_at),
            ends_on=None,
        )
    for key in ("location", "public"):
        if key in values:
            result[key] = values[key]
    if values.get("status") is not None:
        result["status"] = values["status"]
    elif new:
        result["status"] = ActivityStatus.PLANNED
    return result


# --- participants and headcounts ---


class _ActivityRowsImporter(Importer):
    """Rows that name an activity by ref and a school by code.

    As in the interface, the activity must be visible to the user and open to participants.
    """

    def in_scope(self, activity: Activity, school: Organization) -> bool:
        return self.allowed(can_import_for, school)

    def resolve(self) -> list[tuple[Row, Activity, Organization]]:
        rows = self.parsed.rows
        activities = _activities_by_ref(row.values["activity_ref"] for row in rows)
        schools = _organizations_by_code(row.values["school_code"] for row in rows)
        resolved = []
        for row in rows:
            activity = self._activity(row, activities)
            school = self.organization(row, "school_code", schools, school=True)
            if activity is not None and school is not None:
                if self.in_scope(activity, school):
                    resolved.append((row, activity, school))
                else:
                    self.error(row, "school_code", f"школа {_shown(school.code)} {OUT_OF_SCOPE}")
        return resolved

    def _activity(self, row: Row, activities: dict[str, Activity]) -> Activity | None:
        ref = row.values["activity_ref"]
        activity = activities.get(ref)
        if activity is None or not self.allowed(can_see_activity, activity):
            # An activity the user may not see is "not found", as in the interface.
            self.error(row, "activity_ref", f"нет мероприятия с кодом {_shown(ref)}")
        elif participation_open(activity.kind, activity.status):
            return activity
        elif activity.kind is ActivityKind.PARENT_MEETING:
            self.error(
                row,
                "activity_ref",
                f"{_shown(ref)} — родительское собрание: его участники — родители",
            )
        else:
            self.error(row, "activity_ref", f"мероприятие {_shown(ref)} отменено")
        return None

    @staticmethod
    def add_visiting_school(activity: Activity, school: Organization) -> None:
        if school not in activity.schools:
            activity.schools.append(school)


class ParticipantImporter(_ActivityRowsImporter):
    def check(self) -> None:
        resolved = self.resolve()
        students: dict[tuple[int, str], int] = {}
        for chunk in _chunks({school.id for _, _, school in resolved}):
            for student_id, school_id, local_id in db.session.execute(
                sa.select(Student.id, Student.school_id, Student.local_id).where(
                    Student.school_id.in_(chunk)
                )
            ):
                students[(school_id, local_id)] = student_id
        existing: set[tuple[int, int]] = set()
        for chunk in _chunks({activity.id for _, activity, _ in resolved}):
            existing.update(
                (activity_id, student_id)
                for activity_id, student_id in db.session.execute(
                    sa.select(Participation.activity_id, Participation.student_id).where(
                        Participation.activity_id.in_(chunk)
                    )
                )
            )
        for row, activity, school in resolved:
            student_id = students.get((school.id, row.values["local_id"]))
            if student_id is None:
                self.error(
                    row,
                    "local_id",
                    f"в школе {_shown(school.code)} нет обучающегося "
                    f"с номером {_shown(row.values['local_id'])}",
                )
                continue
            exists = (activity.id, student_id) in existing
            self.plan.append((row, (activity, school, student_id, exists)))

    def write(self, row: Row, target, dry_run: bool) -> None:
        activity, school, student_id, exists = target
        if exists:
            self.result.unchanged += 1
            return
        self.result.created += 1
        if not dry_run:
            self.add_visiting_school(activity, school)
            # By id: assigning the relationship would load the activity's participants.
            db.session.add(Participation(activity_id=activity.id, student_id=student_id))


class HeadcountImporter(_ActivityRowsImporter):
    def in_scope(self, activity: Activity, school: Organization) -> bool:
        return self.allowed(can_import_headcount, activity, school)

    def check(self) -> None:
        resolved = self.resolve()
        existing: dict[tuple[int, int, int], Headcount] = {}
        for chunk in _chunks({activity.id for _, activity, _ in resolved}):
            for headcount in db.session.scalars(
                sa.select(Headcount).where(Headcount.activity_id.in_(chunk))
            ):
                existing[(headcount.activity_id, headcount.school_id, headcount.grade)] = headcount
        for row, activity, school in resolved:
            grade = row.values.get("grade", NO_GRADE)
            headcount = existing.get((activity.id, school.id, grade))
            self.plan.append((row, (activity, school, grade, headcount)))

    def write(self, row: Row, target, dry_run: bool) -> None:
        activity, school, grade, headcount = target
        count, ovz_count = row.values["count"], row.values.get("ovz_count", 0)
        if count == 0:  # as in the interface: a count of 0 removes the row
            if headcount is None:
                self.result.unchanged += 1
            else:
                self.result.deleted += 1
                if not dry_run:
                    db.session.delete(headcount)
            return
        if headcount is None:
            self.result.created += 1
            if not dry_run:
                self.add_visiting_school(activity, school)
                db.session.add(
                    Headcount(
                        activity_id=activity.id,
                        school_id=school.id,
                        grade=grade,
                        count=count,
                        ovz_count=ovz_count,
                    )
                )
            return
        changes = _changes(headcount, {"count": count, "ovz_count": ovz_count})
        self.count_change(bool(changes))
        if not dry_run:
            _assign(headcount, changes)


IMPORTERS: dict[str, type[Importer]] = {
    "organizations": OrganizationImporter,
    "students": StudentImporter,
    "activities": ActivityImporter,
    "participants": ParticipantImporter,
    "headcounts": HeadcountImporter,
}

# Kinds kept in their own packages add themselves to KINDS and IMPORTERS when loaded.
import partnercrm.agreements.importer  # noqa: E402, F401
