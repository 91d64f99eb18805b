"""The roster: school staff list, add, edit and archive their own school's students.

Names are personal data of minors (DESIGN §1): only the school role sees them, and only for its
own school. A student of another school is "not found", whatever id is typed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnercrm.access.base import permission_required, require
from partnercrm.access.students import can_manage_roster, students_scope
from partnercrm.database import fold, folded
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.students import services
from partnercrm.students.forms import StudentForm
from partnercrm.students.models import Student
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE, normalise_class_letter
from partnercrm.web import form_tokens
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("students", __name__, url_prefix="/students")

ROSTER_PAGE_SIZE = 50
SORTS = {
    "class": (
        Student.grade,
        sa.func.coalesce(Student.class_letter, ""),
        Student.full_name,
        Student.id,
    ),
    "name": (Student.full_name, Student.grade, Student.id),
    "id": (Student.local_id, Student.id),
}
SHOW = ("current", "archived", "all")


def _school() -> Organization:
    """The user's own school; 403 for school staff without one."""
    require(can_manage_roster(current_user))
    return current_user.organization


def _own_student(student_id: int) -> Student:
    student = db.session.scalar(students_scope(current_user).where(Student.id == student_id))
    if student is None:
        abort(404)
    return student


def _like_pattern(text: str) -> str:
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters() -> dict:
    grade = request.args.get("grade", type=int)
    show = request.args.get("show", "current")
    sort = request.args.get("sort", "class")
    return {
        "q": request.args.get("q", "").strip(),
        "grade": grade if grade is not None and MIN_GRADE <= grade <= MAX_GRADE else None,
        "letter": normalise_class_letter(request.args.get("letter", "")) or "",
        "show": show if show in SHOW else "current",
        "sort": sort if sort in SORTS else "class",
    }


def _class_counts(school: Organization) -> list[tuple[int, str | None, int]]:
    """(grade, class letter, students) of the school's current roster, in class order."""
    letter = sa.func.coalesce(Student.class_letter, "")
    rows = db.session.execute(
        sa.select(Student.grade, letter, sa.func.count())
        .where(Student.school_id == school.id, Student.archived_at.is_(None))
        .group_by(Student.grade, letter)
        .order_by(Student.grade, letter)
    ).all()
    return [(grade, letter or None, count) for grade, letter, count in rows]


@bp.route("/")
@permission_required(can_manage_roster)
def roster():
    school = _school()
    filters = _filters()
    query = students_scope(current_user)
    if filters["show"] == "current":
        query = query.where(Student.archived_at.is_(None))
    elif filters["show"] == "archived":
        query = query.where(Student.archived_at.is_not(None))
    if filters["grade"] is not None:
        query = query.where(Student.grade == filters["grade"])
    if filters["letter"]:
        query = query.where(Student.class_letter == filters["letter"])
    if filters["q"]:
        pattern = _like_pattern(filters["q"])
        query = query.where(
            sa.or_(
                folded(Student.full_name).like(pattern, escape="\\"),
                folded(Student.local_id).like(pattern, escape="\\"),
            )
        )
    page = paginate(query.order_by(*SORTS[filters["sort"]]), per_page=ROSTER_PAGE_SIZE)
    return render_template(
        "students/roster.html",
        school=school,
        page=page,
        filters=filters,
        classes=_class_counts(school),
        grades=range(MIN_GRADE, MAX_GRADE + 1),
    )


def _save(form: StudentForm, student: Student | None) -> Student | None:
    """Create or update from a valid form; None (nothing kept, the refusal on its field) when
    the service refuses."""
    with refusal_shown(form):
        if student is None:
            created = services.create_student(_school(), form.data_for_service())
            form_tokens.spend(form, url_for("students.edit_student", student_id=created.id))
            return created
        services.update_student(student, form.data_for_service())
        return student
    return None


def _class_args(student: Student) -> dict:
    return {"grade": student.grade, "letter": student.class_letter or None}


@bp.route("/new", methods=["GET", "POST"])
@permission_required(can_manage_roster)
def new_student():
    _school()
    form = StudentForm()
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    if request.method == "GET":
        grade = request.args.get("grade", type=int)
        if grade is not None and MIN_GRADE <= grade <= MAX_GRADE:
            form.grade.data = grade
        form.class_letter.data = normalise_class_letter(request.args.get("letter", ""))
    if form.validate_on_submit():
        student = _save(form, None)
        if student is not None:
            flash(_("The student has been added."), "success")
            if form.save_and_add.data:
                return redirect(url_for("students.new_student", **_class_args(student)))
            return redirect(url_for("students.roster", **_class_args(student)))
    return render_template("students/student_form.html", form=form, student=None)


@bp.route("/<int:student_id>", methods=["GET", "POST"])
@permission_required(can_manage_roster)
def edit_student(student_id: int):
    _school()
    student = _own_student(student_id)
    form = StudentForm(obj=student)
    if form.validate_on_submit():
        if _save(form, student) is not None:
            flash(_("The student has been saved."), "success")
            return redirect(url_for("students.roster", **_class_args(student)))
        student = _own_student(student_id)  # reloaded after the rollback
    # The student's activities come from the activities package (the "student-page" hook).
    return render_template("students/student_form.html", form=form, student=student)


@bp.route("/<int:student_id>/archive", methods=["POST"])
@permission_required(can_manage_roster)
def archive_student(student_id: int):
    _school()
    student = _own_student(student_id)
    if student.archived_at is None:
        services.set_archived(student, True)
        flash(
            _("The student has been archived: gone from the roster, past participation kept."),
            "success",
        )
    return redirect(url_for("students.edit_student", student_id=student.id))


@bp.route("/<int:student_id>/unarchive", methods=["POST"])
@permission_required(can_manage_roster)
def unarchive_student(student_id: int):
    _school()
    student = _own_student(student_id)
    if student.archived_at is not None:
        services.set_archived(student, False)
        flash(_("The student is back on the roster."), "success")
    return redirect(url_for("students.edit_student", student_id=student.id))
