"""What the профминимум adds to the pages of lower packages (template hooks,
:mod:`partnercrm.web.hooks`): the student's hours of this school year on the student's page."""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user

from partnercrm.access.profminimum import can_see_hours_by_name
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum.queries import student_year
from partnercrm.profminimum.rules import GRADES, school_year_label
from partnercrm.students.models import Student
from partnercrm.web.hooks import add_template_hook


def student_hours(student: Student) -> str:
    """«Профминимум: 23 из 40 ч» and the activities behind it, for a student of grades 6–11
    (the page is the own school's; two queries whatever the activities)."""
    if not GRADES[0] <= student.grade <= GRADES[1] or not can_see_hours_by_name(
        current_user, student.school_id
    ):
        return ""
    first_year = school_year_of(local_today())
    year = student_year(db.session, student, first_year)
    return render_template(
        "profminimum/_student_hours.html",
        year=year,
        label=school_year_label(first_year),
    )


def register(app: Flask) -> None:
    add_template_hook(app, "student-page", student_hours)
