"""Participants of an activity: a school ticks its own students (a whole class in one tap), and
numbers without names per school and grade (headcounts). Names are for the staff of the
student's own school only; the organizer's side records any school's numbers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import (
    can_name_participants,
    can_record_any_headcount,
    can_record_headcount,
)
from partnercrm.access.base import require, roster_school_id
from partnercrm.activities import services
from partnercrm.activities.forms import HeadcountForm, ParticipantsForm
from partnercrm.activities.loading import visible_activity
from partnercrm.activities.models import Activity, Headcount
from partnercrm.activities.queries import counts_by_activity, school_rows
from partnercrm.activities.roster import class_key, participant_ids, roster
from partnercrm.directory.queries import organization_label
from partnercrm.extensions import db
from partnercrm.students.models import Student
from partnercrm.web.unit_of_work import refusal_shown


def _render_participants(
    activity: Activity,
    participants_form: ParticipantsForm | None = None,
    headcount_form: HeadcountForm | None = None,
):
    user = current_user
    can_name = can_name_participants(user, activity)
    can_any = can_record_any_headcount(user, activity)
    own = user.organization if can_name else None
    # Every class is on the page; ``class`` is the tab shown first (kept after saving).
    only_class = request.values.get("class") or None
    classes, current = roster(own, activity) if own is not None else ([], set())
    all_classes = [group.key for group in classes]
    headcount_form = headcount_form or HeadcountForm(formdata=None)
    rows = school_rows(db.session, activity)
    if not can_any:
        rows = [r for r in rows if own is not None and r.school.id == own.id]
    return render_template(
        "activities/participants.html",
        activity=activity,
        form=participants_form or ParticipantsForm(formdata=None),
        headcount_form=headcount_form,
        classes=classes,
        only_class=only_class if classes and only_class in all_classes else None,
        current_count=len(current),
        rows=rows,
        own=own,
        can_name=can_name,
        can_any=can_any,
        organization_label=organization_label,
    )


def _check_capacity(activity: Activity) -> None:
    shift = activity.camp_shift
    if shift is None or not shift.capacity:
        return
    total = counts_by_activity(db.session, [activity.id])[activity.id].total
    if total > shift.capacity:
        flash(
            _(
                "The shift now has %(total)d participants for %(capacity)d places.",
                total=total,
                capacity=shift.capacity,
            ),
            "warning",
        )


@login_required
def participants(activity_id: int):
    activity = visible_activity(activity_id)
    can_name = can_name_participants(current_user, activity)
    require(can_name or can_record_any_headcount(current_user, activity))
    if request.method == "GET":
        return _render_participants(activity)
    require(can_name)
    school = current_user.organization
    form = ParticipantsForm()
    if not form.validate_on_submit():
        return _render_participants(activity, participants_form=form)
    own_students = {
        student_id: (grade, letter, archived)
        for student_id, grade, letter, archived in db.session.execute(
            sa.select(
                Student.id,
                Student.grade,
                Student.class_letter,
                Student.archived_at.is_not(None),
            ).where(Student.school_id == school.id)
        )
    }
    ticked, shown = set(form.student.data or []), set(form.shown.data or [])
    if not (ticked | shown) <= own_students.keys():
        form.student.errors.append(_("A school can add only its own students."))
        return _render_participants(activity, participants_form=form)
    wanted_classes = set(form.whole_class.data or [])
    by_class: dict[str, set[int]] = {}
    for student_id, (grade, letter, archived) in own_students.items():
        if not archived:
            by_class.setdefault(class_key(grade, letter), set()).add(student_id)
    if not wanted_classes <= by_class.keys():
        form.whole_class.errors.append(_("There is no such class in your roster."))
        return _render_participants(activity, participants_form=form)
    for key in wanted_classes:
        ticked |= by_class[key]
        shown |= by_class[key]
    wanted = (participant_ids(activity, school.id) - shown) | ticked
    students = list(db.session.scalars(sa.select(Student).where(Student.id.in_(wanted or [0]))))
    with refusal_shown(form):
        services.set_named_participants(activity, school, students)
        flash(_("Participants of your school: %(count)d.", count=len(students)), "success")
        has_headcount = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Headcount)
            .where(Headcount.activity_id == activity.id, Headcount.school_id == school.id)
        )
        if students and has_headcount:
            flash(
                _("Your school's numbers without names are ignored while names are recorded."),
                "info",
            )
        _check_capacity(activity)
        tab = request.form.get("class")
        tab_args: dict[str, Any] = {"class": tab} if tab in by_class else {}
        return redirect(url_for("activities.participants", activity_id=activity.id, **tab_args))
    return _render_participants(activity, participants_form=form)


@login_required
def headcount(activity_id: int):
    activity = visible_activity(activity_id)
    can_any = can_record_any_headcount(current_user, activity)
    own_school_id = roster_school_id(current_user)
    own = current_user.organization if own_school_id is not None else None
    require(can_any or (own is not None and can_record_headcount(current_user, activity, own)))
    form = HeadcountForm()
    if not form.validate_on_submit():
        return _render_participants(activity, headcount_form=form)
    school = form.school.organization
    if school is None:
        if own is None:
            form.school.errors.append(_("Pick the school."))
            return _render_participants(activity, headcount_form=form)
        school = own
    require(can_record_headcount(current_user, activity, school))
    with refusal_shown(form):
        services.set_headcount(
            activity,
            school,
            grade=int(form.grade.data) if form.grade.data else None,
            count=form.count.data,
            ovz_count=form.ovz_count.data or 0,
        )
        flash(_("The number of participants has been saved."), "success")
        _check_capacity(activity)
        return redirect(url_for("activities.participants", activity_id=activity.id))
    return _render_participants(activity, headcount_form=form)
