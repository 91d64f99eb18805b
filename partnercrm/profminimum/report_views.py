"""The профминимум hours pages (DESIGN §8, docs/profminimum.md "Pages and exports"): the
region's summary by municipality, a municipality's by school, a school's by class, a class's
table of students, each with its CSV/XLSX export (``?format=``). Who sees what:
partnercrm/access/profminimum.py; the numbers: partnercrm/profminimum/queries.py."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from urllib.parse import quote

from flask import Response, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, NumberRange, Optional

from partnercrm.access.base import (
    coordinator_municipality_id,
    permission_required,
    require,
    roster_school_id,
)
from partnercrm.access.profminimum import (
    can_see_hours,
    can_see_hours_by_name,
    can_see_municipality_hours,
    can_see_region_hours,
    can_see_school_hours,
)
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum import export
from partnercrm.profminimum.queries import (
    REGION,
    By,
    Order,
    Scope,
    Summary,
    class_hours,
    school_classes,
    summaries,
    total,
    unnamed_hours,
)
from partnercrm.profminimum.rules import school_year_label
from partnercrm.profminimum.views import bp
from partnercrm.spreadsheets import CSV_MIME_TYPE, XLSX_MIME_TYPE
from partnercrm.web.forms import Form, blank_to_none

MIME_TYPES = {"csv": CSV_MIME_TYPE, "xlsx": XLSX_MIME_TYPE}
FIRST_COLUMNS = {
    By.MUNICIPALITY: _l("Municipality"),
    By.SCHOOL: _l("School"),
    By.CLASS: _l("Class"),
}
# The профминимум started in September 2023: the first school year offered.
FIRST_SCHOOL_YEAR = 2023


class HoursForm(Form):
    """The school year (the current one when none is given), the format of a download, and for
    a class table the class and the order; from the query string."""

    class Meta:
        csrf = False

    school_year = IntegerField(
        _l("School year"), validators=[Optional(), NumberRange(min=FIRST_SCHOOL_YEAR, max=2100)]
    )
    format = StringField(
        _l("Format"),
        filters=[blank_to_none],
        validators=[
            Optional(),
            AnyOf(tuple(MIME_TYPES), message=_l("Unknown format; choose one of %(values)s.")),
        ],
    )
    grade = IntegerField(_l("Grade"), validators=[Optional(), NumberRange(min=1, max=11)])
    letter = StringField(_l("Letter"), filters=[blank_to_none])
    sort = StringField(
        _l("Order"),
        filters=[blank_to_none],
        validators=[
            Optional(),
            AnyOf(
                [order.value for order in Order],
                message=_l("Unknown order; choose one of %(values)s."),
            ),
        ],
    )

    @property
    def first_year(self) -> int:
        return self.school_year.data or school_year_of(local_today())


def _form() -> HoursForm:
    form = HoursForm(formdata=request.args)
    form.validate()
    return form


def school_years() -> list[tuple[int, str]]:
    """The school years the picker offers, newest first."""
    current = school_year_of(local_today())
    return [(year, school_year_label(year)) for year in range(current, FIRST_SCHOOL_YEAR - 1, -1)]


@bp.app_template_filter("hours")
def hours_filter(value: Decimal | int) -> str:
    """Hours as the locale writes numbers, without trailing zeros: «23», «1,5»."""
    return format_decimal(Decimal(value).normalize(), format="#,##0.##")


@bp.app_template_global("hours_missing")
def hours_missing(value: Decimal) -> str:
    """«не хватает 3 часов»: the missing hours rounded up to whole hours."""
    count = math.ceil(value)
    return ngettext("%(num)s hour missing", "%(num)s hours missing", count)


def _invalid(form: HoursForm) -> tuple[str, int] | None:
    """The page with the form's errors (400) when the query string is wrong."""
    if not any(field.errors for field in form):
        return None
    return render_template("profminimum/invalid.html", form=form, school_years=school_years()), 400


def _download(form: HoursForm, table, sheet: str, title: str, scope: str | None, name: str):
    fmt = form.format.data
    content = export.render_table(fmt, table, sheet, export.caption(title, form.first_year, scope))
    record(
        AuditAction.EXPORT,
        "profminimum hours",
        None,
        details={"format": fmt, "school_year": form.first_year, "what": name},
    )
    response = Response(content, content_type=MIME_TYPES[fmt])
    full_name = f"profminimum-{form.first_year}-{name}.{fmt}"
    # A class letter is Cyrillic: the plain name keeps ASCII, filename* has the letter.
    ascii_name = full_name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f'attachment; filename="{ascii_name}"'
    if full_name != ascii_name:
        disposition += f"; filename*=UTF-8''{quote(full_name, safe='')}"
    response.headers["Content-Disposition"] = disposition
    return response


@bp.route("/hours")
@permission_required(can_see_hours)
def hours():
    """Each user's own summary: the region for admins, a coordinator's municipality, school
    staff's school."""
    args = {"school_year": request.args.get("school_year")}
    school_id = roster_school_id(current_user)
    if school_id is not None:
        return redirect(url_for(".school_hours", school_id=school_id, **args))
    municipality_id = coordinator_municipality_id(current_user)
    if municipality_id is not None:
        return redirect(url_for(".municipality_hours", municipality_id=municipality_id, **args))
    return redirect(url_for(".region_hours", **args))


def _summary_page(
    form: HoursForm,
    *,
    title: str,
    scope_label: str | None,
    by: By,
    parts: list[Summary],
    whole: Summary,
    links: dict | None,
    up: tuple[str, str] | None,
    name: str,
    unnamed: bool = True,
):
    if form.format.data:
        table = export.summary_table(by, whole, parts, unnamed=unnamed)
        return _download(form, table, "Профминимум", title, scope_label, name)
    return render_template(
        "profminimum/summary.html",
        form=form,
        school_years=school_years(),
        title=title,
        scope_label=scope_label,
        first_column=FIRST_COLUMNS[by],
        parts=parts,
        whole=whole,
        links=links or {},
        up=up,
        unnamed=unnamed,
    )


@bp.route("/hours/region")
@login_required
def region_hours():
    """The region by municipality: students, reached, bands (counts only)."""
    require(can_see_region_hours(current_user))
    form = _form()
    if (invalid := _invalid(form)) is not None:
        return invalid
    parts = summaries(db.session, form.first_year, REGION, By.MUNICIPALITY)
    links = {
        part.key: url_for(
            ".municipality_hours", municipality_id=part.key, school_year=form.first_year
        )
        for part in parts
    }
    return _summary_page(
        form,
        title=str(_l("Profminimum hours: the region")),
        scope_label=None,
        by=By.MUNICIPALITY,
        parts=parts,
        whole=total(parts, str(_l("Total"))),
        links=links,
        up=None,
        name="region",
    )


@bp.route("/hours/municipality/<int:municipality_id>")
@login_required
def municipality_hours(municipality_id: int):
    """A municipality by school (counts only)."""
    municipality = db.get_or_404(Municipality, municipality_id)
    require(can_see_municipality_hours(current_user, municipality.id))
    form = _form()
    if (invalid := _invalid(form)) is not None:
        return invalid
    parts = summaries(
        db.session, form.first_year, Scope(municipality_id=municipality.id), By.SCHOOL
    )
    links = {
        part.key: url_for(".school_hours", school_id=part.key, school_year=form.first_year)
        for part in parts
    }
    up = None
    if can_see_region_hours(current_user):
        up = (url_for(".region_hours", school_year=form.first_year), str(_l("The region")))
    return _summary_page(
        form,
        title=str(_l("Profminimum hours: %(name)s", name=municipality.name)),
        scope_label=municipality.name,
        by=By.SCHOOL,
        parts=parts,
        whole=total(parts, str(_l("Total"))),
        links=links,
        up=up,
        name=f"municipality-{municipality.id}",
    )


def _school(school_id: int) -> Organization:
    school = db.get_or_404(Organization, school_id)
    if school.kind is not OrganizationKind.SCHOOL:
        require(False)
    return school


@bp.route("/hours/school/<int:school_id>")
@login_required
def school_hours(school_id: int):
    """A school by class (counts; the classes open to the school's own staff)."""
    school = _school(school_id)
    require(can_see_school_hours(current_user, school))
    form = _form()
    if (invalid := _invalid(form)) is not None:
        return invalid
    first_year = form.first_year
    parts = summaries(db.session, first_year, Scope(school_id=school.id), By.CLASS)
    whole = total(parts, str(_l("Total")))
    heads = unnamed_hours(db.session, first_year, Scope(school_id=school.id), By.SCHOOL)
    whole = replace(whole, unnamed_hours=heads.get(school.id, Decimal(0)))
    links = {}
    if can_see_hours_by_name(current_user, school.id):
        links = {
            part.key: url_for(
                ".class_table",
                school_id=school.id,
                grade=part.key[0],
                letter=part.key[1] or "",
                school_year=first_year,
            )
            for part in parts
        }
    up = None
    if can_see_municipality_hours(current_user, school.municipality_id):
        up = (
            url_for(
                ".municipality_hours",
                municipality_id=school.municipality_id,
                school_year=first_year,
            ),
            school.municipality.name,
        )
    return _summary_page(
        form,
        title=str(_l("Profminimum hours: %(name)s", name=school.display_name)),
        scope_label=school.display_name,
        by=By.CLASS,
        parts=parts,
        whole=whole,
        links=links,
        up=up,
        name=f"school-{school.id}",
        unnamed=False,
    )


@bp.route("/hours/school/<int:school_id>/class")
@login_required
def class_table(school_id: int):
    """One class's students with their hours against the target (the own school's staff)."""
    school = _school(school_id)
    require(can_see_hours_by_name(current_user, school.id))
    form = _form()
    if form.grade.data is None and not form.grade.errors:
        form.grade.errors.append(_l("Choose a class."))
    if (invalid := _invalid(form)) is not None:
        return invalid
    first_year = form.first_year
    grade, letter = form.grade.data, form.letter.data
    order = Order(form.sort.data or Order.MISSING)
    students = class_hours(db.session, first_year, school.id, grade, letter, order)
    class_name = f"{grade}{letter or ''}"
    if form.format.data:
        return _download(
            form,
            export.class_table(students),
            class_name,
            f"Профминимум: {class_name} класс",
            school.display_name,
            f"school-{school.id}-class-{class_name}",
        )
    return render_template(
        "profminimum/class.html",
        form=form,
        school_years=school_years(),
        school=school,
        classes=school_classes(db.session, school.id),
        grade=grade,
        letter=letter,
        class_name=class_name,
        order=order,
        students=students,
        below=sum(1 for item in students if not item.reached),
    )
