"""The ``activities`` kind: activities by their ref, created or updated as in the interface.

Every row must fit its kind's spec through the same check as the interface's form
(:func:`~partnercrm.activities.services.check_activity`: where it may take place, a camp shift's
host, visiting schools); the user must be allowed to organize it and, for an existing one, to
change it; its kind cannot change and its status moves as in the interface. Its plan items
are numbers of the programme linked on its date (DESIGN §7: the one in force, else the latest
that started before it), or of the one its ``programme`` column names where two are in force.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from partnercrm.access.activities import (
    can_create_activity,
    can_edit_activity,
    can_organize_as,
)
from partnercrm.activities.kinds import KINDS, MEETING_WITHOUT_SCHOOL
from partnercrm.activities.models import Activity, ParentMeeting
from partnercrm.activities.rules import (
    HELD_BEFORE_START,
    ActivityKind,
    ActivityStatus,
    can_move,
)
from partnercrm.activities.services import (
    NO_HOURS_FOR_PARENTS,
    ActivityData,
    ActivityError,
    activity_hours,
    check_activity,
)
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.imports.columns import Row
from partnercrm.imports.importer import (
    OUT_OF_SCOPE,
    Importer,
    activities_by_ref,
    assign,
    changes,
    organizations_by_code,
    quoted,
)
from partnercrm.localtime import local_date, start_of_local_day, to_utc
from partnercrm.plausible import DATE_FORMAT, DATE_OUT_OF_BOUNDS
from partnercrm.roadmap.models import PlanItem, Programme
from partnercrm.roadmap.queries import kind_plan_items, linkable_programmes, plan_items_of

# The services' refusals (English msgids) as the import reports them, and their columns.
RUSSIAN = {
    MEETING_WITHOUT_SCHOOL: "родительское собрание проводит школа: организатор или место — школа",
    KINDS[ActivityKind.CAMP_SHIFT].host_refusal: (
        "смена проводится в лагере (организации вида camp) или, если лагерь пришкольный, в школе"
    ),
    "A school day camp takes place at a school.": "пришкольный лагерь работает на базе школы",
    "Pick a camp (an organization of the kind camp).": (
        "загородный лагерь — организация вида camp"
    ),
    "The title is required.": "не заполнено",
    "Give either a start time or the first and last day.": "не заполнено",
    "The last day must not be before the first day.": "последний день раньше первого",
    "The end must not be before the start.": "окончание раньше начала",
    "Only schools can be visiting schools.": "организация — не школа",
    HELD_BEFORE_START: "мероприятие ещё не началось: статус held нельзя, укажите planned",
    DATE_OUT_OF_BOUNDS: "дата вне допустимых пределов: с %(earliest)s по %(latest)s",
    NO_HOURS_FOR_PARENTS: "родительское собрание не даёт школьникам часов: оставьте пустым",
}
REFUSAL_COLUMNS = {
    "host": "host_code",
    "title": "title",
    None: "starts_at",
    "day": "starts_at",
    "first_day": "starts_at",
    "last_day": "ends_at",
    "end": "ends_at",
    "schools": "school_code",
    "status": "status",
    "hours": "hours",
}


class ActivityImporter(Importer):
    def check(self) -> None:
        rows = self.parsed.rows
        organizations = organizations_by_code(
            row.values[column]
            for row in rows
            for column in ("host_code", "organizer_code", "school_code")
            if row.values.get(column)
        )
        activities = activities_by_ref((row.values["ref"] for row in rows), full=True)
        programmes = list(
            db.session.scalars(sa.select(Programme).options(selectinload(Programme.items)))
        )
        for row in rows:
            values = row.values
            activity = activities.get(values["ref"])
            host = self.organization(row, "host_code", organizations)
            organizer = self.organization(row, "organizer_code", organizations)
            school = self.organization(row, "school_code", organizations, school=True)
            known = host is not None and organizer is not None
            known = known and (school is not None or not values.get("school_code"))
            items = self._plan_items(row, programmes, activity)
            good = known and items is not None
            fits = host is not None and self._fits_its_kind(row, activity, host, organizer, school)
            if host is not None and not fits:
                good = False
            # Nothing is said about an existing activity the user may not change.
            in_scope = organizer is not None and self._in_scope(row, organizer, activity)
            if in_scope and activity is not None:
                in_scope = self._check_existing(row, activity)
            good = good and in_scope
            if good:
                self.plan.append((row, (activity, host, organizer, school, items)))

    def _plan_items(
        self, row: Row, programmes: list[Programme], activity: Activity | None
    ) -> list[PlanItem] | None:
        """The row's plan items: numbers of the programme linked on its date (empty: the kind's
        items there); None after an error.

        An absent column leaves an existing activity's plan items as they are, unless its new
        date moves it into another programme: then the row must say them.
        """
        values = row.values
        day = _start_day(values["starts_at"])
        needed = activity is None or "plan_items" in values
        programme, good = self._programme(row, programmes, day, needed)
        if not good:
            return None
        if not needed:
            assert activity is not None, "a new activity needs its plan items"
            if _linkable(programmes, day) != _linkable(programmes, activity.starts_on):
                self.error(
                    row,
                    "plan_items",
                    "новая дата переносит мероприятие в другую программу: укажите его пункты "
                    "плана (пустая ячейка — пункты его вида)",
                )
                return None
            return []
        numbers = values.get("plan_items") or []
        if programme is None:
            if numbers:
                self.error(
                    row,
                    "plan_items",
                    f"к {day.strftime(DATE_FORMAT)} не началась ни одна программа: "
                    "пункты плана указать нельзя",
                )
                return None
            return []
        if not numbers:
            return kind_plan_items(programme, values["kind"].value)
        items = plan_items_of(programme, numbers)
        unknown = [number for number in numbers if number not in {i.number for i in items}]
        if unknown:
            self.error(
                row,
                "plan_items",
                f"нет такого пункта плана в программе {programme.code}: "
                + ", ".join(str(number) for number in unknown),
            )
            return None
        return items

    def _programme(
        self, row: Row, programmes: list[Programme], day: date, needed: bool
    ) -> tuple[Programme | None, bool]:
        """The programme the row's plan items are numbers of, and whether the row is good: the
        one its ``programme`` column names, which must be one ``day`` may link to (in force, or
        the latest that started before it when none is), else the one linked (of two in force,
        the column must name one, when the plan items are ``needed``)."""
        code = row.values.get("programme")
        shown = day.strftime(DATE_FORMAT)
        linkable = linkable_programmes(programmes, day)
        if code is not None:
            named = next((p for p in programmes if p.code == code.lower()), None)
            if named is None:
                self.error(row, "programme", f"нет программы с кодом {quoted(code)}")
                return None, False
            if named not in linkable:
                self.error(
                    row,
                    "programme",
                    f"программа {named.code} действует с {named.valid_from.strftime(DATE_FORMAT)}"
                    f" по {named.valid_to.strftime(DATE_FORMAT)}, а мероприятие — {shown}"
                    + _linked_there(linkable),
                )
                return None, False
            return named, True
        if len(linkable) > 1 and needed:
            self.error(
                row,
                "programme",
                f"на {shown} действуют программы "
                + ", ".join(p.code for p in reversed(linkable))
                + ": укажите программу в колонке programme",
            )
            return None, False
        return (linkable[0] if linkable else None), True

    def _fits_its_kind(
        self,
        row: Row,
        activity: Activity | None,
        host: Organization,
        organizer: Organization | None,
        school: Organization | None,
    ) -> bool:
        """Does the row fit its kind's spec as the interface's form must
        (:func:`~partnercrm.activities.services.check_activity`)? A refusal is the row's error."""
        values = row.values
        data = ActivityData(
            kind=values["kind"],
            title=values["title"],
            host=host,
            # Its scope is checked apart (_in_scope); here what the kind needs of it.
            organizer=organizer or host,
            schools=[school] if school is not None else [],
            hours=values.get("hours"),
        )
        status = values.get("status") or (activity.status if activity is not None else None)
        if status is not None:
            data.status = status
        if values.get("all_day"):
            data.first_day, data.last_day = values["starts_at"], values["ends_at"]
        else:
            data.starts_at = to_utc(values["starts_at"])
            data.ends_at = to_utc(values["ends_at"]) if values.get("ends_at") else None
        try:
            check_activity(data, activity)
        except ActivityError as error:
            column = REFUSAL_COLUMNS.get(error.field, "kind")
            russian = RUSSIAN.get(error.message)
            self.error(row, column, russian % error.params if russian else str(error))
            return False
        return True

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
                f"мероприятие с этим кодом организует {quoted(activity.organizer.code)}: "
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
            assign(activity, values)
            activity.host, activity.organizer = host, organizer
            activity.schools = [school] if school is not None else []
            activity.plan_items = items
            if KINDS[activity.kind].details == "parent_meeting":
                activity.parent_meeting = ParentMeeting()
            db.session.add(activity)
            return
        changed = changes(activity, values)
        new_host = activity.host_id != host.id
        new_organizer = activity.organizer_id != organizer.id
        new_school = school is not None and school not in activity.schools
        new_items = "plan_items" in row.values and [i.id for i in activity.plan_items] != [
            i.id for i in items
        ]
        self.count_change(bool(changed) or new_host or new_organizer or new_school or new_items)
        if dry_run:
            return
        assign(activity, changed)
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
    # An absent column keeps an existing activity's hours; an empty cell is the default.
    if "hours" in values or new:
        result["hours"] = activity_hours(
            values["kind"],
            values.get("hours"),
            result["starts_at"],
            result["ends_at"],
            result["starts_on"] if result["all_day"] else None,
            result["ends_on"],
        )
    if values.get("status") is not None:
        result["status"] = values["status"]
    elif new:
        result["status"] = ActivityStatus.PLANNED
    return result


def _start_day(starts: date | datetime) -> date:
    """The local start date of a row: its ``starts_at`` is a date (all day) or a local time."""
    return starts.date() if isinstance(starts, datetime) else starts


def _linked_there(linkable: list[Programme]) -> str:
    """Which programmes a date links to, for a refusal of another one named."""
    if not linkable:
        return ""
    whose = "программы" if len(linkable) == 1 else "программ"
    return f"; на эту дату — пункты {whose} " + ", ".join(p.code for p in reversed(linkable))


def _linkable(programmes: list[Programme], day: date) -> set[int]:
    return {programme.id for programme in linkable_programmes(programmes, day)}
