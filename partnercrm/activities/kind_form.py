"""The activity form of one kind, built from its :class:`~partnercrm.activities.kinds.KindSpec`
for the current user, and read back as service input.

The spec decides the fields: day-based kinds take a first and a last day, the others a date and
times; its details (parent meeting or camp shift) bring their fields; its host kinds limit the
host picker, and the roles it hosts on their own premises get no host field at all. The access
rules decide what the user picks (organizer, visiting schools). The service enforces the spec
again whatever the form sent (:func:`~partnercrm.activities.services.check_activity`), so a
refusal such as a camp at the wrong kind of host lands on the host field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import abort
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from partnercrm.access.activities import (
    can_choose_organizer,
    can_invite_schools,
    can_name_participants,
    can_organize_as,
    hosts_on_own_premises,
    hosts_own_school_camp,
)
from partnercrm.access.base import roster_school_id
from partnercrm.activities import services
from partnercrm.activities.forms import PRESENTER_ROWS, ActivityForm
from partnercrm.activities.kinds import KINDS
from partnercrm.activities.labels import HOST_LABELS, KIND_TITLES, STATUS_LABELS
from partnercrm.activities.models import Activity
from partnercrm.activities.queries import schools_with_participants
from partnercrm.activities.roster import class_students, school_roster
from partnercrm.activities.rules import (
    TRANSITIONS,
    ActivityKind,
    ActivityStatus,
    CampType,
    default_hours,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import organization_label, pickable_organizations
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import local_date, local_today, to_local, to_utc
from partnercrm.plausible import DATE_FORMAT
from partnercrm.roadmap.models import PlanItem, Programme
from partnercrm.roadmap.queries import kind_plan_items, linked_programme, programme_by_code

TIMED_FIELDS = ("day", "start", "end")
DAY_FIELDS = ("first_day", "last_day")
# The fields of each kind of details row (KindSpec.details).
DETAIL_FIELDS = {
    "parent_meeting": ("presenters", "parents_count", "professions"),
    "camp_shift": ("camp_type", "theme", "capacity"),
}


def own_organization() -> Organization | None:
    return current_user.organization


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


def configure(form: ActivityForm, kind: ActivityKind, activity: Activity | None) -> None:
    """Keep the fields of ``kind`` and of the user's role; fill choices and pickers."""
    spec = KINDS[kind]
    if activity is not None:
        del form.form_token, form.save_anyway
    for name in TIMED_FIELDS if spec.day_based else DAY_FIELDS:
        delattr(form, name)
    for details, names in DETAIL_FIELDS.items():
        if details != spec.details:
            for name in names:
                delattr(form, name)
    if spec.students_take_part:
        form.hours.description = (
            _("Empty: 6 per day.")
            if spec.day_based
            else _("Empty: the length rounded to a whole hour (at least 1).")
        )
        if activity is not None:
            default = format_decimal(default_hours_of(activity))
            form.hours.render_kw = {"placeholder": _("default: %(hours)s", hours=default)}
    else:
        del form.hours
    if hosts_on_own_premises(current_user, kind):
        del form.host
    else:
        form.host.kinds = spec.host_kind_choices
        if kind in HOST_LABELS:
            form.host.label.text = HOST_LABELS[kind]
    # A school's own day camp needs no host: it is the school.
    form.host_optional_for_school_camp = spec.details == "camp_shift" and hosts_own_school_camp(
        current_user
    )
    if can_choose_organizer(current_user):
        form.organizer.description = _("Empty: the host organizes it.")
    else:
        del form.organizer
    if not can_invite_schools(current_user) or not spec.students_take_part:
        del form.schools
    else:
        keep = activity.schools if activity is not None else ()
        form.schools.choices = _organization_choices(
            pickable_organizations([OrganizationKind.SCHOOL]), keep
        )
        form.schools.description = _(
            "The schools invited: they see the activity and add their students."
        )
    school_id = roster_school_id(current_user)
    roster = school_roster(school_id) if activity is None and school_id is not None else []
    if not spec.students_take_part or not roster:
        del form.classes, form.absent
    else:
        form.roster = roster
        form.classes.choices = [(group.key, group.key) for group in roster]
    statuses = list(ActivityStatus)
    if activity is not None:
        allowed = {activity.status, *TRANSITIONS[activity.status]}
        statuses = [s for s in ActivityStatus if s in allowed]
    form.status.choices = [(s.value, STATUS_LABELS[s]) for s in statuses]
    _offer(form, *_shown_programme(form, activity))


def _entered_day(form: ActivityForm) -> date | None:
    """The local start date entered (None: none, or not a date)."""
    return form.day.data if "day" in form else form.first_day.data


def _shown_programme(
    form: ActivityForm, activity: Activity | None
) -> tuple[Programme | None, date | None]:
    """The programme whose items the form offers, and the date it is offered for (None: not a
    date): the one the page showed (its hidden code), or for a client that sends no code (a
    script) the one of the date it sends; on a page just opened, the one of the activity's date
    (of today for a new one)."""
    if form.is_submitted():
        day = _entered_day(form)
        if form.programme.raw_data:
            code = form.programme.data
            return programme_by_code(db.session, code), day
    else:
        day = activity.starts_on if activity is not None else local_today()
    return linked_programme(db.session, day or local_today()), day


def _offer(form: ActivityForm, programme: Programme | None, day: date | None) -> None:
    """Offer the plan items of ``programme`` (None: none had started by ``day``), saying when
    it ended before ``day``."""
    form.plan_programme = programme
    form.plan_programme_ended = None
    if programme is not None and day is not None and programme.valid_to < day:
        form.plan_programme_ended = _ended(programme)
    form.programme.data = programme.code if programme is not None else ""
    items: list[PlanItem] = programme.items if programme is not None else []
    form.plan_items.choices = [(item.number, f"{item.number}. {item.title}") for item in items]


def _tick_kind_items(form: ActivityForm, kind: ActivityKind) -> None:
    programme = form.plan_programme
    items = kind_plan_items(programme, kind.value) if programme is not None else []
    form.plan_items.data = [item.number for item in items]


def _ended(programme: Programme) -> str:
    return _(
        "Programme %(code)s was in force until %(day)s; new activities link to its plan items "
        "until the next one is published.",
        code=programme.code,
        day=programme.valid_to.strftime(DATE_FORMAT),
    )


def _offered(programme: Programme | None, day: date) -> str:
    """What the form offers on ``day`` after the programme changed."""
    shown = day.strftime(DATE_FORMAT)
    if programme is None:
        return _(
            "No programme had started by %(day)s: the activity will link to no plan items; "
            "save to confirm.",
            day=shown,
        )
    if programme.valid_to < day:
        return (
            _ended(programme)
            + " "
            + _("Its items are offered, the kind's ticked; check them and save.")
        )
    return _(
        "Programme %(code)s is in force on %(day)s: its plan items are offered, the kind's "
        "ticked; check them and save.",
        code=programme.code,
        day=shown,
    )


def programme_moved(form: ActivityForm, kind: ActivityKind, data: services.ActivityData) -> bool:
    """Does the date entered link to another programme than the one whose items the form offered?
    Then the form offers the new one's items, the kind's ticked, and says so; nothing is saved
    until the user saves again."""
    if data.first_day is not None:
        day = data.first_day
    else:
        assert data.starts_at is not None, "activity_data gives a start or a first day"
        day = local_date(data.starts_at)
    programme = linked_programme(db.session, day)
    if programme == form.plan_programme:
        return False
    _offer(form, programme, day)
    _tick_kind_items(form, kind)
    form.programme_note = (
        _("The date entered is in another programme.") + " " + _offered(programme, day)
    )
    return True


def fill(form: ActivityForm, activity: Activity) -> None:
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
        rows = activity.parent_meeting.presenter_rows
        while len(form.presenters) < len(rows) + PRESENTER_ROWS:
            form.presenters.append_entry()
        for entry, row in zip(form.presenters, rows, strict=False):
            entry.organization.data = organization_label(row.organization)
            entry.form.name.data, entry.form.position.data = row.name, row.position
        form.parents_count.data = activity.parent_meeting.parents_count
        form.professions.data = activity.parent_meeting.professions
    if "schools" in form:
        form.schools.data = [s.id for s in activity.schools]
    if "hours" in form and activity.hours != default_hours_of(activity):
        # A value equal to the default is left empty: the default follows changed times.
        form.hours.data = activity.hours
    form.location.data = activity.location
    form.description.data = activity.description
    form.status.data = activity.status.value
    form.public.data = activity.public
    shown = form.plan_programme
    if all(item.programme == shown for item in activity.plan_items):
        form.plan_items.data = [item.number for item in activity.plan_items]
    else:
        # Linked before its programme was loaded.
        _tick_kind_items(form, activity.kind)
        form.programme_note = (
            _("Its plan items are not of the programme of its date.")
            + " "
            + _offered(shown, activity.starts_on)
        )


def default_hours_of(activity: Activity) -> Decimal:
    """The hours ``activity`` would have by default with its stored times."""
    if activity.all_day:
        return default_hours(None, None, activity.starts_on, activity.ends_on)
    return default_hours(activity.starts_at, activity.ends_at)


def defaults(form: ActivityForm, kind: ActivityKind) -> None:
    """A new activity of ``kind``: the kind's plan items (of today's programme), today, the own
    host; held for a day that has come, planned otherwise (``activities.js`` follows a changed
    date)."""
    spec = KINDS[kind]
    form.status.data = ActivityStatus.PLANNED.value
    _tick_kind_items(form, kind)
    own = own_organization()
    if "host" in form and own is not None and spec.own_host_offered and spec.host_fits(own.kind):
        form.host.data = organization_label(own)
    if "camp_type" in form:
        form.camp_type.data = CampType.COUNTRY.value
    if "day" in form:
        form.day.data = local_date(datetime.now(UTC))  # most activities are logged the same day
        form.status.data = ActivityStatus.HELD.value


def validate(form: ActivityForm) -> bool:
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


def _host(form: ActivityForm, activity: Activity | None, camp_type: CampType | None):
    if camp_type is CampType.SCHOOL and hosts_own_school_camp(current_user):
        return own_organization()
    if "host" in form and form.host.organization is not None:
        return form.host.organization
    return activity.host if activity is not None else own_organization()


def _schools(form: ActivityForm, kind: ActivityKind, activity: Activity | None, host, organizer):
    if not KINDS[kind].students_take_part:
        # Nobody visits a parent meeting: it concerns the parents of the school holding it, at
        # the school or off site (its organizer, else its host).
        return [organizer if organizer.kind is OrganizationKind.SCHOOL else host]
    if "schools" in form:
        by_id = {
            s.id: s
            for s in db.session.scalars(
                sa.select(Organization).where(Organization.id.in_(form.schools.data or []))
            )
        }
        schools = [by_id[i] for i in form.schools.data or [] if i in by_id]
        if activity is not None:
            kept = schools_with_participants(db.session, activity)
            schools += [s for s in kept if s not in schools]
        return schools
    if activity is not None:
        return list(activity.schools)
    school_id = roster_school_id(current_user)
    return [own_organization()] if school_id is not None else []


def activity_data(
    form: ActivityForm, kind: ActivityKind, activity: Activity | None
) -> services.ActivityData | None:
    """The form as service input; None (with the errors on the form) when it does not fit."""
    camp_type = CampType(form.camp_type.data) if "camp_type" in form else None
    host = _host(form, activity, camp_type)
    if host is None:
        form.host.errors.append(_("Pick the organization where it takes place."))
        return None
    if "organizer" in form:
        organizer = form.organizer.organization or host
    else:
        organizer = activity.organizer if activity is not None else own_organization()
    if not can_organize_as(current_user, organizer):
        if "organizer" not in form:
            abort(403)
        form.organizer.errors.append(_("You can organize activities only in your municipality."))
        return None
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
        schools=_schools(form, kind, activity, host, organizer),
        status=ActivityStatus(form.status.data),
        public=form.public.data,
        plan_items=list(form.plan_items.data or []),
        ref=activity.ref if activity is not None else None,
        camp_type=camp_type,
        hours=form.hours.data if "hours" in form else None,
    )
    if "day" in form:
        data.starts_at = to_utc(datetime.combine(form.day.data, form.start.data))
        if form.end.data is not None:
            data.ends_at = to_utc(datetime.combine(form.day.data, form.end.data))
    else:
        data.first_day, data.last_day = form.first_day.data, form.last_day.data
    return data


def save_details(form: ActivityForm, activity: Activity) -> None:
    """The kind's details row (KindSpec.details) from the form."""
    details = KINDS[activity.kind].details
    if details == "parent_meeting":
        presenters = [
            services.PresenterData(
                entry.organization.organization, entry.form.name.data, entry.form.position.data
            )
            for entry in form.presenters
            if entry.organization.organization is not None
        ]
        services.set_parent_meeting_details(
            activity,
            parents_count=form.parents_count.data,
            professions=form.professions.data,
            presenters=presenters,
        )
    elif details == "camp_shift":
        services.set_camp_shift_details(
            activity,
            camp_type=CampType(form.camp_type.data),
            theme=form.theme.data,
            capacity=form.capacity.data,
        )


def save_participants(form: ActivityForm, activity: Activity) -> int | None:
    """A new activity's participants from the form: the students of the classes ticked, but the
    absent ones (one screen: "excursion with 8А minus two"); None when no class was ticked."""
    chosen = set(form.classes.data or []) if "classes" in form else set()
    if not chosen or not can_name_participants(current_user, activity):
        return None
    school = own_organization()
    assert school is not None, "a user who names participants has a school"
    students = class_students(school.id, chosen, set(form.absent.data or []))
    services.set_named_participants(activity, school, students)
    return len(students)
