"""The ``students`` kind: a school's roster by the school's own roster id, in the user's scope
(a school's staff: their own school)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from partnercrm.extensions import db
from partnercrm.imports.columns import Row
from partnercrm.imports.importer import Importer, assign, changes, chunks, organizations_by_code
from partnercrm.students.models import Student


class StudentImporter(Importer):
    def check(self) -> None:
        schools = organizations_by_code(row.values["school_code"] for row in self.parsed.rows)
        accepted = []
        for row in self.parsed.rows:
            school = self.organization(row, "school_code", schools, school=True)
            if school is not None and self.school_in_scope(row, "school_code", school):
                accepted.append((row, school))
        students: dict[tuple[int, str], Student] = {}
        for chunk in chunks({school.id for _, school in accepted}):
            for known in db.session.scalars(sa.select(Student).where(Student.school_id.in_(chunk))):
                students[(known.school_id, known.local_id)] = known
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
                assign(student, values)
                db.session.add(student)
            return
        changed = changes(student, values)
        self.count_change(bool(changed))
        if not dry_run:
            assign(student, changed)


def _student_values(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values of a student row (the class letter is normalised by its parser)."""
    result = {"full_name": values["full_name"], "grade": values["grade"]}
    if "class_letter" in values:
        result["class_letter"] = values["class_letter"]
    for key in ("birth_date", "ovz"):
        if key in values:
            result[key] = values[key]
    return result
