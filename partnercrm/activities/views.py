"""Activity pages: the list with filters, details, the forms of each kind, status, participants.

Every view loads its activity by id and checks it with :mod:`partnercrm.access` (an activity the
user may not see is "not found"; one the user may see but not change answers 403). Writes go
through :mod:`partnercrm.activities.services`; the view commits once, or rolls back and shows
the refusal. Student names are shown to the staff of the student's own school only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import (
    activities_scope,
    can_create_activity,
    can_edit_activity,
    can_name_participants,
    can_organize_as,
    can_record_any_headcount,
    can_record_headcount,
    can_see_activity,
    creatable_activity_kinds,
)
from partnercrm.access.base import require, roster_school_id
from partnercrm.access.students import can_see_participant_names
from partnercrm.accounts.rules import Role
from partnercrm.activities import services
from partnercrm.activities.forms import (
    CAMP_TYPE_LABELS,
    KIND_LABELS,
    KIND_TITLES,
    PRESENTER_KINDS,
    STATUS_BADGES,
    STATUS_LABELS,
    ActivityForm,
    HeadcountForm,
    ParticipantsForm,
    StatusForm,
)
from partnercrm.activities.models import (
    Activity,
    Headcount,
    Participation,
    activity_plan_item,
    activity_school,
)
from partnercrm.activities.queries import counts_by_activity, counts_by_school
from partnercrm.activities.rules import (
    DEFAULT_PLAN_ITEMS,
    TRANSITIONS,
    ActivityKind,
    ActivityStatus,
    CampType,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import all_municipalities, find_organization, organization_label
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import UserError
from partnercrm.extensions import db
from partnercrm.localtime import local_date, to_local, to_utc
from partnercrm.offers import queries as offers_queries
from partnercrm.roadmap.models import PlanItem
from partnercrm.students.models import Student
from partnercrm.web.pagination import paginate

bp = Blueprint("activities", __name__, url_prefix="/activities")

# Kinds whose host is always the organizing organization when a non-school role creates them.
_OWN_PREMISES_KINDS = (ActivityKind.EXCURSION, ActivityKind.OPEN_DAY)
_STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR)
RECENT_HOSTS = 10


@bp.record_once
def _template_globals(state) -> None:
    # Globals, not context: the shared macros (also used by the roadmap pages) need them.
    state.app.jinja_env.globals.update(
        activity_kind_labels=KIND_LABELS,
        activity_status_labels=STATUS_LABELS,
        activity_status_badges=STATUS_BADGES,
        camp_type_labels=CAMP_TYPE_LABELS,
        local_time=lambda moment: to_local(moment).strftime("%H:%M") if moment else "",
    )


# --- loading with access checks ---


def _visible_activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see_activity(current_user, activity):
        abort(404)
    return activity


def _editable_activity(activity_id: int) -> Activity:
    activity = _visible_activity(activity_id)
    require(can_edit_activity(current_user, activity))
    return activity


# --- the list ---


@dataclass
class ListFilters:
    kind: ActivityKind | None = None
    status: ActivityStatus | None = None
    municipality: int | None = None
    school: Organization | None = None
    host: Organization | None = None
    organizer: Organization | None = None
    date_from: date | None = None
    date_to: date | None = None
    plan_item: int | None = None
    q: str = ""
    # The typed text of the organization filters, shown back in the form.
    text: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    nothing: bool = False  # a filter named something that does not exist


def _parse_date(name: str, filters: ListFilters) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        filters.errors.append(_("Enter dates as YYYY-MM-DD."))
        filters.nothing = True
        return None


def _list_filters() -> ListFilters:
    args = request.args
    filters = ListFilters(q=args.get("q", "").strip()[:200])
    if args.get("kind") in {k.value for k in ActivityKind}:
        filters.kind = ActivityKind(args["kind"])
    if args.get("status") in {s.value for s in ActivityStatus}:
        filters.status = ActivityStatus(args["status"])
    filters.municipality = args.get("municipality", type=int)
    filters.plan_item = args.get("plan_item", type=int)
    for name, kinds in (
        ("school", (OrganizationKind.SCHOOL,)),
        ("host", None),
        ("organizer", None),
    ):
        text = args.get(name, "").strip()[:600]
        filters.text[name] = text
        if text:
            organization = find_organization(text, kinds)
            if organization is None:
                filters.errors.append(_("No such organization: %(text)s", text=text))
                filters.nothing = True
            else:
                filters.text[name] = organization_label(organization)
                setattr(filters, name, organization)
    filters.date_from = _parse_date("from", filters)
    filters.date_to = _parse_date("to", filters)
    return filters


def _involving(organization_ids) -> sa.ColumnElement:
    """Activities hosted, organized or visited by one of ``organization_ids`` (a subquery)."""
    return sa.or_(
        Activity.host_id.in_(organization_ids),
        Activity.organizer_id.in_(organization_ids),
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(
                activity_school.c.school_id.in_(organization_ids)
            )
        ),
    )


def filter_activities(query: sa.Select, filters: ListFilters) -> sa.Select:
    if filters.nothing:
        return query.where(sa.false())
    if filters.kind is not None:
        query = query.where(Activity.kind == filters.kind)
    if filters.status is not None:
        query = query.where(Activity.status == filters.status)
    if filters.municipality is not None:
        query = query.where(
            _involving(
                sa.select(Organization.id).where(
                    Organization.municipality_id == filters.municipality
                )
            )
        )
    if filters.school is not None:
        query = query.where(_involving([filters.school.id]))
    if filters.host is not None:
        query = query.where(Activity.host_id == filters.host.id)
    if filters.organizer is not None:
        query = query.where(Activity.organizer_id == filters.organizer.id)
    if filters.date_from is not None:
        query = query.where(Activity.starts_on >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(Activity.starts_on <= filters.date_to)
    if filters.plan_item is not None:
        query = query.where(
            Activity.id.in_(
                sa.select(activity_plan_item.c.activity_id)
                .join(PlanItem, PlanItem.id == activity_plan_item.c.plan_item_id)
                .where(PlanItem.number == filters.plan_item)
            )
        )
    if filters.q:
        needle = filters.q.lower()
        query = query.where(sa.func.lower(Activity.title).contains(needle, autoescape=True))
    return query


def activity_page(query: sa.Select):
    """One page of ``query`` (activities) with hosts and organizers loaded, and the participant
    counts of its rows: a fixed number of queries, whatever the page size."""
    query = query.options(
        sa.orm.joinedload(Activity.host), sa.orm.joinedload(Activity.organizer)
    ).order_by(Activity.starts_at.desc(), Activity.id.desc())
    page = paginate(query)
    counts = counts_by_activity(db.session, [activity.id for activity in page.items])
    return page, counts


@bp.route("/")
@login_required
def index():
    filters = _list_filters()
    query = filter_activities(activities_scope(current_user), filters)
    page, counts = activity_page(query)
    municipalities = all_municipalities()
    plan_items = db.session.execute(
        sa.select(PlanItem.number, PlanItem.title).order_by(PlanItem.number)
    ).all()
    return render_template(
        "activities/index.html",
        page=page,
        counts=counts,
        filters=filters,
        municipalities=municipalities,
        plan_items=plan_items,
        kinds=list(ActivityKind),
        statuses=list(ActivityStatus),
        creatable=creatable_activity_kinds(current_user),
    )


# --- create and edit ---


@bp.route("/new")
@login_required
def choose_kind():
    kinds = creatable_activity_kinds(current_user)
    require(bool(kinds))
    return render_template("activities/choose_kind.html", kinds=kinds)


def _kind(value: str) -> ActivityKind:
    try:
        return ActivityKind(value)
    except ValueError:
        abort(404)


def _own_organization() -> Organization | None:
    return current_user.organization


def _host_kinds(kind: ActivityKind):
    if kind is ActivityKind.PARENT_MEETING:
        return (OrganizationKind.SCHOOL,)
    if kind is ActivityKind.CAMP_SHIFT:
        return (OrganizationKind.CAMP, OrganizationKind.SCHOOL)
    return None


def _host_is_fixed(kind: ActivityKind) -> bool:
    """The user's own organization is the host, without a choice."""
    role = current_user.role
    if role is Role.SCHOOL:
        return kind is ActivityKind.PARENT_MEETING
    return role not in _STAFF_ROLES and kind in _OWN_PREMISES_KINDS


def _school_classes(school_id: int) -> list[tuple[int, str | None]]:
    letter = sa.func.coalesce(Student.class_letter, "")
    rows = db.session.execute(
        sa.select(Student.grade, letter)
        .where(Student.school_id == school_id, Student.archived_at.is_(None))
        .group_by(Student.grade, letter)
        .order_by(Student.grade, letter)
    ).all()
    return [(grade, letter or None) for grade, letter in rows]


def class_key(grade: int, letter: str | None) -> str:
    return f"{grade}{letter or ''}"


def _organization_choices(query: sa.Select, keep=()) -> list[tuple[int, str]]:
    organizations = list(
        db.session.scalars(
            query.options(sa.orm.joinedload(Organization.municipality)).order_by(
                Organization.name, Organization.id
            )
        )
    )
    known = {o.id for o in organizations}
    organizations += [o for o in keep if o.id not in known]
    return [(o.id, f"{o.name} ({o.municipality.name})") for o in organizations]


def _configure(form: ActivityForm, kind: ActivityKind, activity: Activity | None) -> None:
    """Remove the fields this kind and role do not use; fill choices and pickers."""
    role = current_user.role
    camp = kind is ActivityKind.CAMP_SHIFT
    for name in ("first_day", "last_day", "camp_type", "theme", "capacity"):
        if not camp:
            delattr(form, name)
    for name in ("day", "start", "end"):
        if camp:
            delattr(form, name)
    if kind is not ActivityKind.PARENT_MEETING:
        for name in ("presenters", "parents_count", "professions"):
            delattr(form, name)
    if _host_is_fixed(kind):
        del form.host
    else:
        form.host.kinds = _host_kinds(kind)
        if kind is ActivityKind.PARENT_MEETING:
            form.host.label.text = _("School")
        elif camp:
            form.host.label.text = _("Camp (for a school day camp: the school)")
    # A school's own day camp needs no host: it is the school.
    form.host_optional_for_school_camp = camp and role is Role.SCHOOL
    if role in _STAFF_ROLES:
        form.organizer.description = _("Empty: the host organizes it.")
    else:
        del form.organizer
    if role is Role.SCHOOL or kind is ActivityKind.PARENT_MEETING:
        del form.schools
    else:
        keep = activity.schools if activity is not None else ()
        form.schools.choices = _organization_choices(
            sa.select(Organization).where(Organization.kind == OrganizationKind.SCHOOL), keep
        )
        form.schools.description = _(
            "The schools invited: they see the activity and add their students."
        )
    if kind is ActivityKind.PARENT_MEETING:
        keep = activity.parent_meeting.presenters if activity and activity.parent_meeting else ()
        form.presenters.choices = _organization_choices(
            sa.select(Organization).where(Organization.kind.in_(PRESENTER_KINDS)), keep
        )
    school_id = roster_school_id(current_user)
    classes = _school_classes(school_id) if activity is None and school_id is not None else []
    if kind is ActivityKind.PARENT_MEETING or not classes:
        del form.class_name
    else:
        form.class_name.choices = [("", _("later, or a number without names"))] + [
            (class_key(*c), class_key(*c)) for c in classes
        ]
    statuses = list(ActivityStatus)
    if activity is not None:
        allowed = {activity.status, *TRANSITIONS[activity.status]}
        statuses = [s for s in ActivityStatus if s in allowed]
    form.status.choices = [(s.value, STATUS_LABELS[s]) for s in statuses]
    form.plan_items.choices = [
        (number, f"{number}. {title}")
        for number, title in db.session.execute(
            sa.select(PlanItem.number, PlanItem.title).order_by(PlanItem.number)
        )
    ]


def _fill(form: ActivityForm, activity: Activity) -> None:
    """The form of an existing activity, as its owner last saved it."""
    if "host" in form:
        form.host.data = organization_label(activity.host)
    if "organizer" in form:
        form.organizer.data = organization_label(activity.organizer)
    form.title.data = activity.title
    if activity.all_day:
        if "first_day" in form:
            form.first_day.data, form.last_day.data = activity.starts_on, activity.ends_on
    elif "day" in form:
        starts = to_local(activity.starts_at)
        form.day.data, form.start.data = starts.date(), starts.time().replace(tzinfo=None)
        if activity.ends_at is not None:
            form.end.data = to_local(activity.ends_at).time().replace(tzinfo=None)
    if activity.camp_shift is not None and "camp_type" in form:
        form.camp_type.data = activity.camp_shift.camp_type.value
        form.theme.data = activity.camp_shift.theme
        form.capacity.data = activity.camp_shift.capacity
    if activity.parent_meeting is not None and "presenters" in form:
        form.presenters.data = [p.id for p in activity.parent_meeting.presenters]
        form.parents_count.data = activity.parent_meeting.parents_count
        form.professions.data = activity.parent_meeting.professions
    if "schools" in form:
        form.schools.data = [s.id for s in activity.schools]
    form.location.data = activity.location
    form.description.data = activity.description
    form.status.data = activity.status.value
    form.public.data = activity.public
    form.plan_items.data = [item.number for item in activity.plan_items]


def _defaults(form: ActivityForm, kind: ActivityKind) -> None:
    form.status.data = ActivityStatus.PLANNED.value
    form.plan_items.data = list(DEFAULT_PLAN_ITEMS[kind])
    own = _own_organization()
    if (
        "host" in form
        and own is not None
        and kind not in (ActivityKind.EXCURSION, ActivityKind.CAMP_SHIFT)
        and (form.host.kinds is None or own.kind in form.host.kinds)
    ):
        form.host.data = organization_label(own)
    if "camp_type" in form:
        form.camp_type.data = CampType.COUNTRY.value
    if "day" in form:
        form.day.data = local_date(datetime.now(UTC))  # most activities are logged the same day


def _schools_with_participants(activity: Activity) -> list[Organization]:
    named = (
        sa.select(Student.school_id)
        .join(Participation, Participation.student_id == Student.id)
        .where(Participation.activity_id == activity.id)
    )
    counted = sa.select(Headcount.school_id).where(Headcount.activity_id == activity.id)
    return list(
        db.session.scalars(
            sa.select(Organization).where(
                sa.or_(Organization.id.in_(named), Organization.id.in_(counted))
            )
        )
    )


def _activity_data(
    form: ActivityForm, kind: ActivityKind, activity: Activity | None
) -> services.ActivityData | None:
    """The form as service input; None (with the errors on the form) when it does not fit."""
    role = current_user.role
    own = _own_organization()
    camp_type = CampType(form.camp_type.data) if "camp_type" in form else None
    if "host" in form and form.host.organization is not None:
        host = form.host.organization
    else:
        host = activity.host if activity is not None else own
    if camp_type is CampType.SCHOOL and role is Role.SCHOOL:
        host = own
    if host is None:
        form.host.errors.append(_("Pick the organization where it takes place."))
        return None
    if camp_type is CampType.SCHOOL and host.kind is not OrganizationKind.SCHOOL:
        form.host.errors.append(_("A school day camp takes place at a school."))
        return None
    if camp_type is CampType.COUNTRY and host.kind is not OrganizationKind.CAMP:
        form.host.errors.append(_("Pick a camp (an organization of the kind camp)."))
        return None
    if "organizer" in form:
        organizer = form.organizer.organization or host
    else:
        organizer = activity.organizer if activity is not None else own
    if not can_organize_as(current_user, organizer):
        if "organizer" not in form:
            abort(403)
        form.organizer.errors.append(_("You can organize activities only in your municipality."))
        return None
    if "schools" in form:
        by_id = {
            s.id: s
            for s in db.session.scalars(
                sa.select(Organization).where(Organization.id.in_(form.schools.data or []))
            )
        }
        schools = [by_id[i] for i in form.schools.data or [] if i in by_id]
        if activity is not None:
            schools += [s for s in _schools_with_participants(activity) if s not in schools]
    elif activity is not None:
        schools = list(activity.schools)
    elif role is Role.SCHOOL and own is not None and own.kind is OrganizationKind.SCHOOL:
        schools = [own]
    else:
        schools = []
    if kind is ActivityKind.PARENT_MEETING:
        schools = [host]
    title = (form.title.data or "").strip()
    if not title:
        subject = form.theme.data if "theme" in form and form.theme.data else host.display_name
        title = f"{KIND_TITLES[kind]}: {subject}"[:300]
    data = services.ActivityData(
        kind=kind,
        title=title,
        host=host,
        organizer=organizer,
        location=form.location.data,
        description=form.description.data,
        schools=schools,
        status=ActivityStatus(form.status.data),
        public=form.public.data,
        plan_items=list(form.plan_items.data or []),
        ref=activity.ref if activity is not None else None,
    )
    if "day" in form:
        data.starts_at = to_utc(datetime.combine(form.day.data, form.start.data))
        if form.end.data is not None:
            data.ends_at = to_utc(datetime.combine(form.day.data, form.end.data))
    else:
        data.first_day, data.last_day = form.first_day.data, form.last_day.data
    return data


def _save(form: ActivityForm, kind: ActivityKind, activity: Activity | None) -> Activity | None:
    """Create (``activity`` None) or update from the submitted form and commit; None when the
    form is not valid or a service refused (flashed), to show the form again."""
    if not _validate(form):
        return None
    data = _activity_data(form, kind, activity)
    if data is None:
        return None
    try:
        if activity is None:
            activity = services.create_activity(data, created_by=current_user._get_current_object())
        else:
            services.update_activity(activity, data)
        _save_details(form, activity)
    except UserError as error:
        db.session.rollback()
        flash(_(str(error)), "danger")
        return None
    db.session.commit()
    flash(_("The activity has been saved."), "success")
    return activity


def _save_details(form: ActivityForm, activity: Activity) -> None:
    if activity.kind is ActivityKind.PARENT_MEETING:
        presenters = list(
            db.session.scalars(
                sa.select(Organization).where(Organization.id.in_(form.presenters.data or []))
            )
        )
        services.set_parent_meeting_details(
            activity,
            parents_count=form.parents_count.data,
            professions=form.professions.data,
            presenters=presenters,
        )
    elif activity.kind is ActivityKind.CAMP_SHIFT:
        services.set_camp_shift_details(
            activity,
            camp_type=CampType(form.camp_type.data),
            theme=form.theme.data,
            capacity=form.capacity.data,
        )


def _validate(form: ActivityForm) -> bool:
    if not form.validate_on_submit():
        return False
    if "host" in form and form.host.organization is None:
        school_camp = (
            getattr(form, "host_optional_for_school_camp", False)
            and form.camp_type.data == CampType.SCHOOL.value
        )
        if not school_camp:
            form.host.errors.append(_("Pick the organization where it takes place."))
            return False
    return True


def _recent_hosts() -> list[Organization]:
    """The hosts of the user's organization's latest activities: one tap on a phone."""
    own = _own_organization()
    if own is None:
        return []
    latest = (
        sa.select(Activity.host_id, sa.func.max(Activity.starts_at).label("latest"))
        .where(Activity.organizer_id == own.id, Activity.host_id != own.id)
        .group_by(Activity.host_id)
        .order_by(sa.desc("latest"))
        .limit(RECENT_HOSTS)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Organization)
            .join(latest, latest.c.host_id == Organization.id)
            .order_by(latest.c.latest.desc())
        )
    )


def _render_form(form: ActivityForm, kind: ActivityKind, activity: Activity | None):
    return render_template(
        "activities/form.html",
        form=form,
        kind=kind,
        activity=activity,
        own=_own_organization(),
        recent_hosts=_recent_hosts() if "host" in form else [],
        organization_label=organization_label,
    )


@bp.route("/new/<kind>", methods=["GET", "POST"])
@login_required
def new(kind: str):
    kind = _kind(kind)
    require(can_create_activity(current_user, kind))
    form = ActivityForm()
    _configure(form, kind, None)
    if request.method == "GET":
        _defaults(form, kind)
    activity = _save(form, kind, None)
    if activity is None:
        return _render_form(form, kind, None)
    if can_name_participants(current_user, activity) or (
        can_record_any_headcount(current_user, activity) and activity.status is ActivityStatus.HELD
    ):
        chosen = form.class_name.data if "class_name" in form else None
        return redirect(
            url_for(
                "activities.participants",
                activity_id=activity.id,
                **({"class": chosen} if chosen else {}),
            )
        )
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = _editable_activity(activity_id)
    form = ActivityForm()
    _configure(form, activity.kind, activity)
    if request.method == "GET":
        _fill(form, activity)
    if _save(form, activity.kind, activity) is None:
        return _render_form(form, activity.kind, activity)
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/status", methods=["POST"])
@login_required
def change_status(activity_id: int):
    activity = _editable_activity(activity_id)
    form = StatusForm()
    origin = offers_queries.origin_url_args(db.session, activity.id)
    if not form.validate_on_submit():
        flash(_("This change of status is not possible."), "danger")
    elif origin is not None and form.status.data == ActivityStatus.CANCELLED:
        # Cancelling the booking (or speaker request) frees the seats and tells the other side.
        flash(
            _("This activity was arranged through an offer: cancel the booking or the request."),
            "warning",
        )
        endpoint, args = origin
        return redirect(url_for(endpoint, **args))
    else:
        try:
            services.set_status(activity, ActivityStatus(form.status.data))
        except UserError as error:
            db.session.rollback()
            flash(_(str(error)), "danger")
        else:
            db.session.commit()
            flash(_("Status: %(status)s.", status=STATUS_LABELS[activity.status]), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


# --- details ---


def _school_rows(activity: Activity) -> list[dict]:
    """Per school: named participants, counted headcount, and the headcount rows."""
    counts = counts_by_school(db.session, activity.id)
    rows_by_school: dict[int, list[Headcount]] = {}
    for row in db.session.scalars(
        sa.select(Headcount)
        .where(Headcount.activity_id == activity.id)
        .order_by(Headcount.school_id, Headcount.grade)
    ):
        rows_by_school.setdefault(row.school_id, []).append(row)
    school_ids = counts.keys() | rows_by_school.keys() | {s.id for s in activity.schools}
    schools = db.session.scalars(
        sa.select(Organization)
        .where(Organization.id.in_(school_ids))
        .options(sa.orm.joinedload(Organization.municipality))
        .order_by(Organization.name)
    ).all()
    return [
        {
            "school": school,
            "counts": counts.get(school.id),
            "headcounts": rows_by_school.get(school.id, []),
        }
        for school in schools
    ]


def _own_participants(activity: Activity, school_id: int) -> list[Student]:
    return list(
        db.session.scalars(
            sa.select(Student)
            .join(Participation, Participation.student_id == Student.id)
            .where(Participation.activity_id == activity.id, Student.school_id == school_id)
            .order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
        )
    )


@bp.route("/<int:activity_id>")
@login_required
def detail(activity_id: int):
    activity = _visible_activity(activity_id)
    school_id = roster_school_id(current_user)
    names = []
    if school_id is not None and can_see_participant_names(current_user, school_id):
        names = _own_participants(activity, school_id)
    rows = _school_rows(activity)
    return render_template(
        "activities/detail.html",
        activity=activity,
        rows=rows,
        names=names,
        own_school_id=school_id,
        total_named=sum(r["counts"].named for r in rows if r["counts"]),
        total_headcount=sum(r["counts"].headcount for r in rows if r["counts"]),
        can_edit=can_edit_activity(current_user, activity),
        can_participate=can_name_participants(current_user, activity)
        or can_record_any_headcount(current_user, activity),
        next_statuses=[s for s in ActivityStatus if s in TRANSITIONS[activity.status]],
        status_form=StatusForm(),
    )


# --- participants ---

_CLASS_KEY = re.compile(r"^(\d{1,2})(.{0,5})$")


@dataclass
class RosterClass:
    key: str
    students: list
    ticked: set


def _roster(school: Organization, activity: Activity, only_class: str | None):
    """The school's current students (and any archived ones already taking part), by class."""
    current = set(
        db.session.scalars(
            sa.select(Participation.student_id)
            .join(Student, Student.id == Participation.student_id)
            .where(Participation.activity_id == activity.id, Student.school_id == school.id)
        )
    )
    query = sa.select(Student).where(
        Student.school_id == school.id,
        sa.or_(Student.archived_at.is_(None), Student.id.in_(current or [0])),
    )
    match = _CLASS_KEY.match(only_class or "")
    if match:
        grade, letter = int(match.group(1)), match.group(2).strip()
        query = query.where(
            Student.grade == grade, sa.func.coalesce(Student.class_letter, "") == letter
        )
    students = db.session.scalars(
        query.order_by(Student.grade, sa.func.coalesce(Student.class_letter, ""), Student.full_name)
    ).all()
    classes: dict[str, RosterClass] = {}
    for student in students:
        key = class_key(student.grade, student.class_letter)
        group = classes.setdefault(key, RosterClass(key, [], set()))
        group.students.append(student)
        if student.id in current:
            group.ticked.add(student.id)
    return list(classes.values()), current


def _render_participants(
    activity: Activity,
    participants_form: ParticipantsForm | None = None,
    headcount_form: HeadcountForm | None = None,
):
    user = current_user
    can_name = can_name_participants(user, activity)
    can_any = can_record_any_headcount(user, activity)
    own = _own_organization() if can_name else None
    only_class = request.args.get("class") or None
    classes, current = _roster(own, activity, only_class) if own is not None else ([], set())
    all_classes = [class_key(*c) for c in _school_classes(own.id)] if own is not None else []
    headcount_form = headcount_form or HeadcountForm(formdata=None)
    rows = _school_rows(activity)
    if not can_any:
        rows = [r for r in rows if own is not None and r["school"].id == own.id]
    return render_template(
        "activities/participants.html",
        activity=activity,
        form=participants_form or ParticipantsForm(formdata=None),
        headcount_form=headcount_form,
        classes=classes,
        all_classes=all_classes,
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


@bp.route("/<int:activity_id>/participants", methods=["GET", "POST"])
@login_required
def participants(activity_id: int):
    activity = _visible_activity(activity_id)
    can_name = can_name_participants(current_user, activity)
    require(can_name or can_record_any_headcount(current_user, activity))
    if request.method == "GET":
        return _render_participants(activity)
    require(can_name)
    school = _own_organization()
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
    current = set(
        db.session.scalars(
            sa.select(Participation.student_id)
            .join(Student, Student.id == Participation.student_id)
            .where(Participation.activity_id == activity.id, Student.school_id == school.id)
        )
    )
    wanted = (current - shown) | ticked
    students = list(db.session.scalars(sa.select(Student).where(Student.id.in_(wanted or [0]))))
    try:
        services.set_named_participants(activity, school, students)
    except UserError as error:
        db.session.rollback()
        flash(_(str(error)), "danger")
        return _render_participants(activity, participants_form=form)
    db.session.commit()
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
    return redirect(url_for("activities.participants", activity_id=activity.id))


@bp.route("/<int:activity_id>/headcount", methods=["POST"])
@login_required
def headcount(activity_id: int):
    activity = _visible_activity(activity_id)
    can_any = can_record_any_headcount(current_user, activity)
    own_school_id = roster_school_id(current_user)
    own = _own_organization() if own_school_id is not None else None
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
    try:
        services.set_headcount(
            activity,
            school,
            grade=int(form.grade.data) if form.grade.data else None,
            count=form.count.data,
            ovz_count=form.ovz_count.data or 0,
        )
    except UserError as error:
        db.session.rollback()
        flash(_(str(error)), "danger")
        return _render_participants(activity, headcount_form=form)
    db.session.commit()
    flash(_("The number of participants has been saved."), "success")
    _check_capacity(activity)
    return redirect(url_for("activities.participants", activity_id=activity.id))
