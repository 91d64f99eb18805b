"""The профминимум pages (docs/profminimum.md) under ``/profminimum``: here the levels page, where
a school's staff, the municipality's coordinator or the ministry set a school's level for a
school year; the hours pages add their views to the same blueprint (``report_views.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnercrm.access.base import permission_required, require
from partnercrm.access.profminimum import can_see_hours, can_set_level, hours_schools_scope
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum import services
from partnercrm.profminimum.forms import LevelForm
from partnercrm.profminimum.labels import LEVEL_LABELS
from partnercrm.profminimum.levels import level_of, levels_of
from partnercrm.profminimum.rules import TARGET_HOURS, Level, school_year_label
from partnercrm.roadmap.labels import HOURS, quantity
from partnercrm.web.integers import record_id
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("profminimum", __name__, url_prefix="/profminimum")


def _year() -> int:
    """The school year of the query string (its first year), else the current one."""
    year = request.args.get("year", type=int)
    if year is not None and year in services.level_years():
        return year
    return school_year_of(local_today())


def _chosen_school(schools: list[Organization]) -> Organization:
    """The school of ``?school=``, which the user must set the level of; else the first one."""
    school_id = request.args.get("school", type=record_id)
    if school_id is None:
        return schools[0]
    school = db.session.get(Organization, school_id)
    if school is None:
        abort(404)
    require(can_set_level(current_user, school))
    return school


@bp.route("/level", methods=["GET", "POST"])
@permission_required(can_see_hours)
def level():
    schools = list(
        db.session.scalars(
            hours_schools_scope(current_user)
            .options(sa.orm.joinedload(Organization.municipality))
            .order_by(Organization.name, Organization.id)
        )
    )
    require(bool(schools))
    year = _year()
    form = LevelForm()
    form.school.choices = [(school.id, school.name) for school in schools]
    form.school_year.choices = [
        (first, school_year_label(first)) for first in reversed(services.level_years())
    ]
    form.level.choices = [
        (
            choice.value,
            _(
                "%(level)s: %(hours)s a year",
                level=LEVEL_LABELS[choice],
                hours=quantity(TARGET_HOURS[choice], HOURS),
            ),
        )
        for choice in Level
    ]
    if request.method == "GET":
        school = _chosen_school(schools)
        form.school.data, form.school_year.data = school.id, year
        form.level.data = level_of(db.session, school.id, year).value
    elif form.validate_on_submit():
        school = next(s for s in schools if s.id == form.school.data)
        with refusal_shown(form):
            services.set_level(school, form.school_year.data, Level(form.level.data))
            flash(
                _(
                    "%(school)s: the level of %(year)s is %(level)s.",
                    school=school.name,
                    year=school_year_label(form.school_year.data),
                    level=LEVEL_LABELS[Level(form.level.data)],
                ),
                "success",
            )
            return redirect(url_for(".level", year=form.school_year.data, school=school.id))
    levels = levels_of(db.session, (school.id for school in schools), year)
    return render_template(
        "profminimum/level.html",
        form=form,
        schools=schools,
        levels=levels,
        year=year,
        year_label=school_year_label(year),
        level_labels=LEVEL_LABELS,
        target_hours=TARGET_HOURS,
        hours_unit=HOURS,
    ), 400 if request.method == "POST" else 200


# The hours pages' routes attach to ``bp`` when imported.
from partnercrm.profminimum import report_views  # noqa: E402, F401
