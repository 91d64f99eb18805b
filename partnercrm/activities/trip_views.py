"""A school's trip list of an activity (docs/activities.md, "Trip list"): the paper the school's
order on the trip needs — the school, the activity, its date and place, the host's contact,
the accompanying staff and the school's participants by class — printable, and as XLSX.

Only the staff of the participants' own school print it, and it names only their own students
(``access.activities.trip_list_school_id``); the accompanying staff are entered on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import trip_list_school_id
from partnercrm.activities import services
from partnercrm.activities.forms import TripEscortForm
from partnercrm.activities.loading import visible_activity
from partnercrm.activities.models import Activity, TripEscort
from partnercrm.activities.roster import own_participants
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.localtime import to_local
from partnercrm.spreadsheets import XLSX_MIME_TYPE, Sheet, to_xlsx
from partnercrm.students.models import Student
from partnercrm.web.unit_of_work import refusal_shown


@dataclass(frozen=True)
class TripList:
    activity: Activity
    school: Organization
    students: list[Student]
    staff: list[str]

    @property
    def when(self) -> str:
        activity = self.activity
        if activity.all_day:
            days = activity.starts_on.strftime("%d.%m.%Y")
            if activity.ends_on and activity.ends_on != activity.starts_on:
                days += " – " + activity.ends_on.strftime("%d.%m.%Y")
            return days
        text = to_local(activity.starts_at).strftime("%d.%m.%Y %H:%M")
        if activity.ends_at:
            text += "–" + to_local(activity.ends_at).strftime("%H:%M")
        return text

    @property
    def place(self) -> str:
        host = self.activity.host
        return ", ".join(
            part for part in (self.activity.location or host.address, host.name) if part
        )

    @property
    def host_contact(self) -> str:
        host = self.activity.host
        return ", ".join(part for part in (host.name, host.phone, host.email) if part)

    @property
    def classes(self) -> str:
        return ", ".join(dict.fromkeys(student.class_name for student in self.students))


def _trip_list(activity_id: int) -> TripList:
    activity = visible_activity(activity_id)
    school_id = trip_list_school_id(current_user, activity)
    if school_id is None:
        abort(403)
    school = db.session.get(Organization, school_id)
    assert school is not None, "the user's own school exists"
    staff = db.session.scalar(
        sa.select(TripEscort.staff).where(
            TripEscort.activity_id == activity.id, TripEscort.school_id == school_id
        )
    )
    return TripList(
        activity, school, own_participants(activity, school_id), (staff or "").splitlines()
    )


@login_required
def trip_list(activity_id: int):
    trip = _trip_list(activity_id)
    form = TripEscortForm(data={"staff": "\n".join(trip.staff)})
    return render_template("activities/trip_list.html", trip=trip, form=form)


@login_required
def trip_escort(activity_id: int):
    trip = _trip_list(activity_id)
    form = TripEscortForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            services.set_trip_escort(trip.activity, trip.school, form.staff.data or "")
            flash(_("The accompanying staff have been saved."), "success")
            return redirect(url_for("activities.trip_list", activity_id=activity_id))
    return render_template("activities/trip_list.html", trip=trip, form=form), 400


@login_required
def trip_list_xlsx(activity_id: int):
    trip = _trip_list(activity_id)
    caption = [
        _("List of participants: %(title)s", title=trip.activity.title),
        _("School: %(name)s", name=trip.school.name),
        _("Date: %(when)s", when=trip.when),
        _("Place: %(place)s", place=trip.place),
        _("Host contact: %(contact)s", contact=trip.host_contact),
        _("Accompanying staff: %(staff)s", staff="; ".join(trip.staff) or "—"),
    ]
    header = [_("No."), _("Full name"), _("Class")]
    rows = [
        [number, student.full_name, student.class_name]
        for number, student in enumerate(trip.students, start=1)
    ]
    content = to_xlsx([Sheet(_("Participants"), header, rows, caption=caption)])
    record(
        AuditAction.EXPORT,
        "trip list",
        trip.activity.id,
        details={"school": trip.school.id, "students": len(rows)},
    )
    response = Response(content, content_type=XLSX_MIME_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="trip-list-{trip.activity.id}-school-{trip.school.id}.xlsx"'
    )
    return response
