"""The ``participants`` and ``headcounts`` kinds: rows that name an activity by ref and a school
by code — named students of the school's roster, or numbers without names per grade.

As in the interface, the activity must be visible to the user and open to participants
(:func:`~partnercrm.activities.kinds.participation_open`); a school named by a row becomes a
visiting school. A headcount of 0 removes the row.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.activities import can_see_activity
from partnercrm.access.imports import can_import_for, can_import_headcount
from partnercrm.activities.kinds import KINDS, participation_open
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.rules import NO_GRADE
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.imports.columns import Row
from partnercrm.imports.importer import (
    OUT_OF_SCOPE,
    Importer,
    activities_by_ref,
    assign,
    changes,
    chunks,
    organizations_by_code,
    quoted,
)
from partnercrm.students.models import Student


class ActivityRowsImporter(Importer):
    """Rows that name an activity by ref and a school by code.

    As in the interface, the activity must be visible to the user and open to participants.
    """

    def in_scope(self, activity: Activity, school: Organization) -> bool:
        return self.allowed(can_import_for, school)

    def resolve(self) -> list[tuple[Row, Activity, Organization]]:
        rows = self.parsed.rows
        activities = activities_by_ref(row.values["activity_ref"] for row in rows)
        schools = organizations_by_code(row.values["school_code"] for row in rows)
        resolved = []
        for row in rows:
            activity = self._activity(row, activities)
            school = self.organization(row, "school_code", schools, school=True)
            if activity is not None and school is not None:
                if self.in_scope(activity, school):
                    resolved.append((row, activity, school))
                else:
                    self.error(row, "school_code", f"школа {quoted(school.code)} {OUT_OF_SCOPE}")
        return resolved

    def _activity(self, row: Row, activities: dict[str, Activity]) -> Activity | None:
        ref = row.values["activity_ref"]
        activity = activities.get(ref)
        if activity is None or not self.allowed(can_see_activity, activity):
            # An activity the user may not see is "not found", as in the interface.
            self.error(row, "activity_ref", f"нет мероприятия с кодом {quoted(ref)}")
        elif participation_open(activity.kind, activity.status):
            return activity
        elif not KINDS[activity.kind].students_take_part:
            self.error(
                row,
                "activity_ref",
                f"{quoted(ref)} — родительское собрание: его участники — родители",
            )
        else:
            self.error(row, "activity_ref", f"мероприятие {quoted(ref)} отменено")
        return None

    @staticmethod
    def add_visiting_school(activity: Activity, school: Organization) -> None:
        if school not in activity.schools:
            activity.schools.append(school)


class ParticipantImporter(ActivityRowsImporter):
    def check(self) -> None:
        resolved = self.resolve()
        students: dict[tuple[int, str], int] = {}
        for chunk in chunks({school.id for _, _, school in resolved}):
            for known_id, school_id, local_id in db.session.execute(
                sa.select(Student.id, Student.school_id, Student.local_id).where(
                    Student.school_id.in_(chunk)
                )
            ):
                students[(school_id, local_id)] = known_id
        existing: set[tuple[int, int]] = set()
        for chunk in chunks({activity.id for _, activity, _ in resolved}):
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
                    f"в школе {quoted(school.code)} нет обучающегося "
                    f"с номером {quoted(row.values['local_id'])}",
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


class HeadcountImporter(ActivityRowsImporter):
    def in_scope(self, activity: Activity, school: Organization) -> bool:
        return self.allowed(can_import_headcount, activity, school)

    def check(self) -> None:
        resolved = self.resolve()
        existing: dict[tuple[int, int, int], Headcount] = {}
        for chunk in chunks({activity.id for _, activity, _ in resolved}):
            for known in db.session.scalars(
                sa.select(Headcount).where(Headcount.activity_id.in_(chunk))
            ):
                existing[(known.activity_id, known.school_id, known.grade)] = known
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
        changed = changes(headcount, {"count": count, "ovz_count": ovz_count})
        self.count_change(bool(changed))
        if not dry_run:
            assign(headcount, changed)
