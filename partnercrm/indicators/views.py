"""Report pages (DESIGN §3.2; docs/counting-rules.md): a programme's indicators for a year or a
period and a scope, a chart by municipality, the monthly trend, the drill-down from a
municipality to its schools and on to the activities behind a number, the live roadmap, and the
indicator exports.

Each page counts one programme (DESIGN §7): the one in force for the period, or another chosen
with ``?programme=CODE``, which the links between the pages and the downloads keep. Which
indicators a chart, a trend or a drill-down shows follows from their rules: the chart those
with a figure per municipality, the trend and the drill-downs those that count students.

Scope (partnercrm/access/reports.py): admins the region, any municipality or school;
coordinators their municipality (another one in the URL answers 403); school staff their own
school. Reports show counts, never student names. Every page runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from partnercrm.access.base import require
from partnercrm.access.reports import (
    can_choose_report_municipality,
    can_choose_report_school,
    can_export_indicators,
    can_report_on_municipalities,
    can_report_on_municipality,
    can_report_on_school,
    can_see_reports,
    can_use_indicator_export,
    default_report_municipality_id,
    report_school_id,
)
from partnercrm.activities.labels import KIND_LABELS as ACTIVITY_KIND_LABELS
from partnercrm.activities.models import Activity
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import all_municipalities
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import export as indicator_export
from partnercrm.indicators import queries, reports
from partnercrm.indicators.forms import (
    DrillDownForm,
    ExportForm,
    ProgrammePeriodForm,
    ReportForm,
    RoadmapForm,
)
from partnercrm.indicators.roadmap_records import Page, record_counts
from partnercrm.indicators.rules import Count, parse_rule
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.roadmap.queries import choose_programme, previous_programme
from partnercrm.spreadsheets import CSV_MIME_TYPE, XLSX_MIME_TYPE
from partnercrm.web.errors import render_error
from partnercrm.web.pagination import paginate
from partnercrm.web.periods import PeriodForm, read, year_bounds

bp = Blueprint("indicators", __name__, url_prefix="/reports")

MAX_TREND_MONTHS = 24
SCHOOLS_PER_PAGE = 50
MIME_TYPES = {"json": "application/json", "csv": CSV_MIME_TYPE, "xlsx": XLSX_MIME_TYPE}
UNKNOWN_MUNICIPALITY = _l("There is no such municipality.")
UNKNOWN_SCHOOL = _l("There is no such school.")
UNKNOWN_PROGRAMME = _l("There is no such programme.")


@bp.context_processor
def _report_globals() -> dict:
    return year_bounds()


def _invalid(form: PeriodForm) -> bool:
    return any(field.errors for field in form)


def _errors(form: PeriodForm) -> str:
    """Every field's errors, each after its field's label."""
    found = [f"{field.label.text}: {error}" for field in form for error in field.errors]
    if found:
        return "; ".join(found)
    return str(_("The request could not be understood. Reload the page and try again."))


# --- programme ---


@dataclass(frozen=True)
class Programmes:
    """The programme a page counts, the one in force for its period, and the picker's
    choices."""

    counted: Programme | None  # None: there is no programme at all
    default: Programme | None
    offered: list[Programme]


def _programmes(form: ProgrammePeriodForm) -> Programmes | None:
    """The programme named by the form, else the one that counts its period (DESIGN §7); None,
    with a form error, for an unknown code. Call with a valid form; one query."""
    offered = list(
        db.session.scalars(sa.select(Programme).order_by(Programme.valid_from, Programme.id))
    )
    default = choose_programme(offered, form.period.end)
    code = form.programme.data
    if code is None:
        return Programmes(default, default, offered)
    for programme in offered:
        if programme.code == code:
            return Programmes(programme, default, offered)
    form.programme.errors.append(UNKNOWN_PROGRAMME)
    return None


def _student_indicators(programme: Programme | None) -> list[Indicator]:
    """The indicators of ``programme`` whose rule counts students (those of the drill-downs),
    in its order."""
    if programme is None:
        return []
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == programme.id)
        .order_by(Indicator.number)
    )
    return [i for i in indicators if parse_rule(i.rule).count is Count.STUDENTS]


def _check_indicator(form, numbers: list[int], default: int | None = None) -> int | None:
    """The indicator asked for among ``numbers`` (none asked: ``default``, else the first);
    None, with a form error, for another one; None if there are none (the page says so)."""
    number = form.indicator.data
    if number is None or not numbers:
        return default if default is not None else next(iter(numbers), None)
    if number not in numbers:
        form.indicator.errors.append(
            _("Choose one of the indicators %(values)s.", values=", ".join(map(str, numbers)))
        )
        return None
    return number


# --- scope ---


@dataclass(frozen=True)
class Chosen:
    """What a report is about: the region (both None), a municipality, or a school."""

    municipality: Municipality | None = None
    school: Organization | None = None

    @property
    def scope(self) -> queries.Scope:
        return queries.Scope(
            municipality_id=self.municipality.id if self.municipality else None,
            school_id=self.school.id if self.school else None,
        )


def _wanted_municipality_id(form) -> int | None:
    """The municipality asked for; none asked, a coordinator's own (the region for admins)."""
    if form.municipality.data is None:
        return default_report_municipality_id(current_user)
    return form.municipality.data


def _choose(form: ReportForm | RoadmapForm) -> Chosen | None:
    """The scope asked for, within the user's: None (with a form error) for an id that does not
    exist; 403 for one outside the user's scope. Coordinators default to their municipality."""
    user = current_user
    school_field = getattr(form, "school", None)
    wanted_school = school_field.data if school_field is not None else None
    own_school_id = report_school_id(user)
    if own_school_id is not None:
        school = db.session.get(Organization, own_school_id)
        assert school is not None, "the user's own school exists"
        if form.municipality.data not in (None, school.municipality_id):
            abort(403)
        if wanted_school not in (None, school.id):
            abort(403)
        return Chosen(school.municipality, school)
    municipality_id = _wanted_municipality_id(form)
    municipality = None
    if municipality_id is not None:
        municipality = db.session.get(Municipality, municipality_id)
        if municipality is None:
            form.municipality.errors.append(UNKNOWN_MUNICIPALITY)
            return None
        require(can_report_on_municipality(user, municipality.id))
    school = None
    if wanted_school is not None:
        assert school_field is not None, "a school is wanted only through its field"
        school = db.session.get(Organization, wanted_school)
        if school is None or school.kind is not OrganizationKind.SCHOOL:
            school_field.errors.append(UNKNOWN_SCHOOL)
            return None
        require(can_report_on_school(user, school))
        if municipality is not None and school.municipality_id != municipality.id:
            # The municipality was changed in the form: the old school no longer applies.
            school = None
        else:
            municipality = school.municipality
    return Chosen(municipality, school)


def _schools_of(municipality_id: int | None) -> list[tuple[int, str]]:
    if municipality_id is None:
        return []
    return [
        (school_id, name)
        for school_id, name in db.session.execute(
            sa.select(Organization.id, sa.func.coalesce(Organization.short_name, Organization.name))
            .where(
                Organization.kind == OrganizationKind.SCHOOL,
                Organization.municipality_id == municipality_id,
            )
            .order_by(Organization.name, Organization.id)
        ).all()
    ]


def _choices(chosen: Chosen | None) -> dict:
    """What the scope part of the form offers the user."""
    user = current_user
    if not can_choose_report_school(user):
        return {"municipalities": [], "schools": []}
    municipality_id = default_report_municipality_id(user)
    if municipality_id is None and chosen is not None and chosen.municipality is not None:
        municipality_id = chosen.municipality.id
    return {
        "municipalities": all_municipalities() if can_choose_report_municipality(user) else [],
        "schools": _schools_of(municipality_id),
    }


# --- charts ---


def _bars(parts: list[queries.Part]) -> list[dict]:
    """Horizontal bars: the named and the headcount segment as percentages of the longest."""
    top = max((part.value for part in parts), default=0) or 1
    return [
        {
            "part": part,
            "named_pct": round(100 * part.named / top, 2),
            "headcount_pct": round(100 * part.headcount / top, 2),
        }
        for part in parts
    ]


TREND_WIDTH, TREND_HEIGHT, TREND_TOP = 600, 150, 20


def _columns(parts: list[queries.Part]) -> list[dict]:
    """Vertical bars of an inline SVG, ``TREND_WIDTH`` wide: named at the bottom, headcount
    stacked on top."""
    top = max((part.value for part in parts), default=0) or 1
    step = TREND_WIDTH / max(len(parts), 1)
    base = TREND_TOP + TREND_HEIGHT
    columns = []
    for index, part in enumerate(parts):
        named_h = TREND_HEIGHT * part.named / top
        head_h = TREND_HEIGHT * part.headcount / top
        columns.append(
            {
                "part": part,
                "x": round(index * step + step * 0.15, 2),
                "w": round(step * 0.7, 2),
                "cx": round(index * step + step / 2, 2),
                "named_y": round(base - named_h, 2),
                "named_h": round(named_h, 2),
                "head_y": round(base - named_h - head_h, 2),
                "head_h": round(head_h, 2),
                "label_y": round(base - named_h - head_h - 4, 2),
            }
        )
    return columns


# --- pages ---


@bp.route("/")
@login_required
def report():
    require(can_see_reports(current_user))
    form = read(ReportForm, request.args)
    chosen = None if _invalid(form) else _choose(form)
    programmes = None if chosen is None else _programmes(form)
    results = []
    number = None
    if programmes is not None:
        assert chosen is not None
        period, scope = form.period, chosen.scope
        results = queries.compute(
            db.session,
            period,
            scope,
            with_municipalities=chosen.school is None,
            programme=programmes.counted,
        )
        chart_results = [result for result in results if result.by_place]
        # The chart opens on the first indicator that counts students, else the first one.
        first = next((result.number for result in results if result.counts_students), None)
        number = _check_indicator(form, [result.number for result in chart_results], first)
        if number is None and form.indicator.errors:
            programmes = None
    if chosen is None or programmes is None:
        return (
            render_template(
                "indicators/report.html",
                form=form,
                chosen=None,
                programmes=programmes,
                **_choices(None),
            ),
            400,
        )
    if chosen.school is not None:
        results = [result for result in results if not result.region_only]
    by_number = {result.number: result for result in results}
    months = reports.months_of(period)
    trends = {}
    if len(months) <= MAX_TREND_MONTHS:
        for result in results:
            if result.counts_students:
                trends[result.number] = _columns(
                    reports.monthly(
                        db.session, result.number, period, scope, programme=programmes.counted
                    )
                )
    export_municipality = chosen.municipality.id if chosen.municipality else None
    return render_template(
        "indicators/report.html",
        form=form,
        chosen=chosen,
        programmes=programmes,
        period=period,
        report_args=form.report_args(),
        results=results,
        chart_number=number,
        chart_result=by_number.get(number) if number is not None else None,
        chart_numbers=[result.number for result in chart_results],
        bars=_bars(by_number[number].by_municipality) if number in by_number else [],
        trends=trends,
        trend_width=TREND_WIDTH,
        trend_height=TREND_TOP + TREND_HEIGHT + 20,
        trend_base=TREND_TOP + TREND_HEIGHT,
        max_trend_months=MAX_TREND_MONTHS,
        can_export=can_export_indicators(current_user, export_municipality),
        export_municipality=export_municipality,
        can_open_municipality=lambda mid: can_report_on_municipality(current_user, mid),
        **_choices(chosen),
    )


def _drill_down(form: DrillDownForm) -> tuple[Programmes | None, list[Indicator], int | None]:
    """The programme of a drill-down page, its indicators that count students and the one
    asked for (none asked: the first); the programme is None for a bad request."""
    programmes = None if _invalid(form) else _programmes(form)
    if programmes is None:
        return None, [], None
    indicators = _student_indicators(programmes.counted)
    number = _check_indicator(form, [indicator.number for indicator in indicators])
    if form.indicator.errors:
        return None, indicators, None
    return programmes, indicators, number


@bp.route("/municipalities/<int:municipality_id>")
@login_required
def municipality(municipality_id: int):
    """A municipality's schools, each with the programme's indicators that count students
    (zeros included)."""
    require(can_report_on_municipalities(current_user))
    place = db.get_or_404(Municipality, municipality_id)
    require(can_report_on_municipality(current_user, place.id))
    form = read(DrillDownForm, request.args)
    programmes, indicators, number = _drill_down(form)
    if programmes is None:
        return render_template("indicators/municipality.html", form=form, place=place), 400
    period = form.period
    scope = queries.Scope(municipality_id=place.id)
    by_school = {
        indicator.number: {
            part.key: part
            for part in queries.by_school(
                db.session, indicator.number, period, scope, programme=programmes.counted
            )
        }
        for indicator in indicators
    }
    totals = {
        number: queries.Part(
            number,
            str(number),
            sum(part.named for part in parts.values()),
            sum(part.headcount for part in parts.values()),
        )
        for number, parts in by_school.items()
    }
    page = paginate(
        sa.select(Organization)
        .where(
            Organization.kind == OrganizationKind.SCHOOL,
            Organization.municipality_id == place.id,
        )
        .order_by(Organization.name, Organization.id),
        per_page=SCHOOLS_PER_PAGE,
    )
    return render_template(
        "indicators/municipality.html",
        form=form,
        place=place,
        programmes=programmes,
        period=period,
        report_args=form.report_args(),
        number=number,
        indicators=indicators,
        by_school=by_school,
        totals=totals,
        page=page,
    )


@bp.route("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    """The activities behind a school's figure, with the school's counts at each."""
    school = db.get_or_404(Organization, school_id)
    if school.kind is not OrganizationKind.SCHOOL:
        abort(404)
    require(can_report_on_school(current_user, school))
    form = read(DrillDownForm, request.args)
    programmes, indicators, number = _drill_down(form)
    if programmes is None:
        return render_template("indicators/school.html", form=form, school=school), 400
    period = form.period
    context = {
        "form": form,
        "school": school,
        "programmes": programmes,
        "period": period,
        "report_args": form.report_args(),
        "number": number,
        "can_open_municipality": can_report_on_municipality(current_user, school.municipality_id),
    }
    if number is None:  # the programme counts no students
        return render_template("indicators/school.html", **context)
    results = queries.compute(
        db.session,
        period,
        queries.Scope(municipality_id=school.municipality_id, school_id=school.id),
        with_municipalities=False,
        programme=programmes.counted,
    )
    rule = queries.student_rule(db.session, number, period, programmes.counted)
    page = paginate(
        reports.school_activities(rule, period, school.id).options(
            sa.orm.joinedload(Activity.host), sa.orm.joinedload(Activity.organizer)
        )
    )
    counts = reports.school_activity_counts(
        db.session, rule, period, school.id, [activity.id for activity in page.items]
    )
    return render_template(
        "indicators/school.html",
        **context,
        results={r.number: r for r in results if r.counts_students},
        page=page,
        counts=counts,
        kind_labels=ACTIVITY_KIND_LABELS,
        activity_link="activities.detail" in current_app.view_functions,
    )


@dataclass(frozen=True)
class Continued:
    """The figures of the items an item of the programme continues, over the previous
    programme's period (DESIGN §7 ``continues``): held activities linked to any of them."""

    previous: Programme | None = None
    counts: reports.RoadmapCounts = field(default_factory=reports.RoadmapCounts)

    @property
    def years(self) -> str:
        assert self.previous is not None
        first, last = self.previous.valid_from.year, self.previous.valid_to.year
        return str(first) if first == last else f"{first}–{last}"

    def of_item(self, item: PlanItem) -> bool:
        return self.previous is not None and bool(item.continues)

    def held(self, item_id: int, key: int | str) -> int:
        """Held activities of the items ``item_id`` continues, in the region, a municipality
        (its id) or the school."""
        if key == "region":
            count = self.counts.region.get(item_id)
        elif key == "school":
            count = self.counts.school.get(item_id)
        else:
            count = self.counts.by_municipality.get((item_id, int(key)))
        return count.held if count else 0


def _continued(
    programmes: Programmes, items: list[PlanItem], municipality_ids, school_id
) -> Continued:
    """The activities of the previous programme's items that ``items`` continue, in that
    programme's period, filed under the items that continue them: two to four queries."""
    programme = programmes.counted
    continuing = [item for item in items if item.continues]
    previous = previous_programme(programmes.offered, programme) if programme else None
    if previous is None or not continuing:
        return Continued()
    numbers = {number for item in continuing for number in item.continues or ()}
    ids = dict(
        db.session.execute(
            sa.select(PlanItem.number, PlanItem.id).where(
                PlanItem.programme_id == previous.id, PlanItem.number.in_(numbers)
            )
        ).all()
    )
    pairs = [
        (item.id, ids[number])
        for item in continuing
        for number in item.continues or ()
        if number in ids
    ]
    if not pairs:
        return Continued(previous)
    counts = reports.roadmap_counts(
        db.session,
        Period(previous.valid_from, previous.valid_to),
        municipality_ids=municipality_ids,
        school_id=school_id,
        links=reports.continued_links(pairs),
    )
    return Continued(previous, counts)


@bp.route("/roadmap")
@login_required
def roadmap():
    """The live roadmap: activities linked to each plan item of the programme in the period,
    held and planned, for the region and per municipality (host, organizer or visiting school);
    for the items fed by other records (agreements, holiday jobs, monitoring) their figures;
    and for an item that continues items of the previous programme, their figures over its
    years."""
    require(can_see_reports(current_user))
    form = read(RoadmapForm, request.args)
    user = current_user
    chosen = None if _invalid(form) else _choose(form)
    programmes = None if chosen is None else _programmes(form)
    municipalities = all_municipalities() if can_choose_report_municipality(user) else []
    if chosen is None or programmes is None:
        return (
            render_template(
                "indicators/roadmap.html",
                form=form,
                municipalities=municipalities,
                programmes=programmes,
            ),
            400,
        )
    programme = programmes.counted
    period, period_args = form.period, form.period_args()
    columns = [chosen.municipality] if chosen.municipality is not None else municipalities
    municipality_ids = [m.id for m in columns] if chosen.municipality is not None else None
    school_id = chosen.school.id if chosen.school else None
    counts = reports.roadmap_counts(
        db.session, period, municipality_ids=municipality_ids, school_id=school_id
    )
    sections = db.session.scalars(
        sa.select(PlanSection)
        .where(PlanSection.programme_id == (programme.id if programme else None))
        .options(sa.orm.selectinload(PlanSection.items))
        .order_by(PlanSection.number)
    ).all()
    items = [item for section in sections for item in section.items]
    records = record_counts(db.session, period, columns, school_id, programme)
    continued = _continued(programmes, items, municipality_ids, school_id)
    done = {
        item.id
        for item in items
        if (item.id in counts.region and counts.region[item.id].done) or records.done(item.number)
    }
    if form.format.data:
        table = _roadmap_table(chosen, columns, counts, records, continued, sections, done)
        return _roadmap_download(form, chosen, programme, table)
    page = Page(user, columns, school_id, period_args)
    return render_template(
        "indicators/roadmap.html",
        form=form,
        programmes=programmes,
        period=period,
        report_args=form.report_args(),
        chosen=chosen,
        municipalities=municipalities,
        columns=columns,
        counts=counts,
        records=records,
        record_links={row.source: row.links(page) for row in records.rows},
        continued=continued,
        continued_label=continued_label,
        sections=sections,
        done=done,
        item_total=len(items),
        export_args={**form.report_args(), "municipality": form.municipality.data},
        empty=reports.ItemCount(),
    )


def _roadmap_table(
    chosen: Chosen, columns, counts, records, continued: Continued, sections, done
) -> tuple[list, list]:
    """The live roadmap as one table: a plan item per row, and for the region, each
    municipality column and the school two value columns, held and planned; the records rows
    and the continued items' row ("↳") hold their figure in the held column."""
    scopes: list[tuple[str, dict, int | str]] = [(_("Region"), counts.region, "region")]
    scopes += [(m.name, counts.by_municipality, m.id) for m in columns]
    if chosen.school is not None:
        scopes.append((_("Your school"), counts.school, "school"))
    header = [_("No."), _("Plan item"), _("Done")]
    held, planned = _("held"), _("planned")
    for name, _counts, _key in scopes:
        header += [f"{name}: {held}", f"{name}: {planned}"]
    rows: list[list] = []
    for section in sections:
        rows.append(["", _("Section %(number)d.", number=section.number) + " " + section.title])
        for item in section.items:
            row = [item.number, item.title, _("yes") if item.id in done else _("no")]
            for _name, by_key, key in scopes:
                count = by_key.get(item.id if key in ("region", "school") else (item.id, key))
                count = count or reports.ItemCount()
                row += [count.held, count.planned]
            rows.append(row)
            for record_row in records.of_item(item.number):
                figure = record_row.figure
                line: list = [item.number, f"↳ {record_row.label}", ""]
                line += [figure.region, ""]
                line += [v for m in columns for v in (figure.by_municipality.get(m.id, 0), "")]
                if chosen.school is not None:
                    line += ["" if figure.school is None else figure.school, ""]
                rows.append(line)
            if continued.of_item(item):
                line = [item.number, f"↳ {continued_label(item, continued)}", ""]
                for _name, _by_key, key in scopes:
                    line += [continued.held(item.id, key), ""]
                rows.append(line)
    return header, rows


def continued_label(item: PlanItem, continued: Continued) -> str:
    assert continued.previous is not None
    return _(
        "continues items %(numbers)s of %(code)s: held in %(years)s",
        numbers=", ".join(map(str, item.continues or ())),
        code=continued.previous.code,
        years=continued.years,
    )


def _roadmap_download(
    form: RoadmapForm, chosen: Chosen, programme: Programme | None, table: tuple[list, list]
) -> Response:
    period, fmt = form.period, form.format.data
    place = chosen.school.display_name if chosen.school else None
    place = place or (chosen.municipality.name if chosen.municipality else None)
    caption = [
        _("Live roadmap"),
        *(
            [_("Programme: %(title)s (%(code)s)", title=programme.title, code=programme.code)]
            if programme is not None
            else []
        ),
        _(
            "Period: %(start)s – %(end)s",
            start=format_date(period.start, "dd.MM.yyyy"),
            end=format_date(period.end, "dd.MM.yyyy"),
        ),
        _("Scope: %(name)s", name=place) if place else _("The whole region"),
    ]
    content = indicator_export.render_table(
        fmt, *table, name=_("Live roadmap"), caption=caption, wrap=(1,)
    )
    record(
        AuditAction.EXPORT,
        "roadmap",
        chosen.municipality.id if chosen.municipality else None,
        details={"format": fmt, "from": period.start.isoformat(), "to": period.end.isoformat()},
    )
    stem = f"roadmap-{period.start.isoformat()}_{period.end.isoformat()}"
    if chosen.school is not None:
        stem += f"-school-{chosen.school.id}"
    elif chosen.municipality is not None:
        stem += f"-municipality-{chosen.municipality.id}"
    response = Response(content, content_type=MIME_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# --- export ---


def _download_name(form: ExportForm, place: Municipality | None) -> tuple[str, str]:
    """An ASCII file name and the full one (with the municipality's Russian name)."""
    period = form.period
    stem = (
        f"indicators-{period.start.year}"
        if form.is_year
        else f"indicators-{period.start.isoformat()}_{period.end.isoformat()}"
    )
    suffix = "." + form.format.data
    if place is None:
        return stem + suffix, stem + suffix
    return f"{stem}-municipality-{place.id}{suffix}", f"{stem}-{place.name}{suffix}"


@bp.route("/export")
@login_required
def export():
    """The indicator export of DESIGN §4.4 for the region or one municipality. Coordinators
    export their municipality; school staff do not export (the table is the municipality's)."""
    require(can_use_indicator_export(current_user))
    form = read(ExportForm, request.args)
    if _invalid(form):
        return render_error(400, _errors(form))
    user = current_user
    municipality_id = _wanted_municipality_id(form)
    place = None
    if municipality_id is not None:
        place = db.session.get(Municipality, municipality_id)
        if place is None:
            return render_error(400, UNKNOWN_MUNICIPALITY)
    require(can_export_indicators(user, municipality_id))
    programmes = _programmes(form)
    if programmes is None:
        return render_error(400, _errors(form))
    programme = programmes.counted
    period, fmt = form.period, form.format.data
    scope = queries.Scope(municipality_id=place.id) if place else queries.REGION
    results = queries.compute(db.session, period, scope, programme=programme) if programme else []
    content = indicator_export.render(
        results, period, place.name if place else None, fmt, programme
    )
    record(
        AuditAction.EXPORT,
        "indicators",
        place.id if place else None,
        details={
            "format": fmt,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "municipality": place.name if place else None,
            "programme": programme.code if programme else None,
        },
    )
    ascii_name, full_name = _download_name(form, place)
    response = Response(content, content_type=MIME_TYPES[fmt])
    disposition = f'attachment; filename="{ascii_name}"'
    if full_name != ascii_name:
        disposition += f"; filename*=UTF-8''{quote(full_name, safe='')}"
    response.headers["Content-Disposition"] = disposition
    return response
