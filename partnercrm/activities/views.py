"""The activity pages (docs/activities.md): the blueprint and its URLs. The pages live in the
modules named for what they show:

- ``list_views``: the list with its filters;
- ``form_views``: logging and editing an activity, with the form of each kind (``kind_form``);
- ``detail_views``: an activity's page and its status moves;
- ``participant_views``: named participants and headcounts;
- ``trip_views``: a school's printable trip list and its XLSX.

Every view loads its activity by id with its access check (``loading``): an activity the user
may not see is "not found", one the user sees but may not change answers 403. Writes go through
:mod:`partnercrm.activities.services` inside the request's unit of work.
"""

from __future__ import annotations

from flask import Blueprint

from partnercrm.activities import (
    detail_views,
    form_views,
    list_views,
    participant_views,
    trip_views,
)
from partnercrm.activities.labels import (
    CAMP_TYPE_LABELS,
    KIND_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
)
from partnercrm.database import fold
from partnercrm.localtime import to_local

bp = Blueprint("activities", __name__, url_prefix="/activities")

bp.add_url_rule("/", view_func=list_views.index)
bp.add_url_rule("/new", view_func=form_views.choose_kind)
bp.add_url_rule("/new/<kind>", view_func=form_views.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:activity_id>", view_func=detail_views.detail)
bp.add_url_rule("/<int:activity_id>/edit", view_func=form_views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:activity_id>/status", view_func=detail_views.change_status, methods=["POST"])
bp.add_url_rule("/<int:activity_id>/delete", view_func=detail_views.delete, methods=["GET", "POST"])
bp.add_url_rule(
    "/<int:activity_id>/participants",
    view_func=participant_views.participants,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/<int:activity_id>/headcount", view_func=participant_views.headcount, methods=["POST"]
)

bp.add_url_rule("/<int:activity_id>/trip-list", view_func=trip_views.trip_list)
bp.add_url_rule("/<int:activity_id>/trip-list", view_func=trip_views.trip_escort, methods=["POST"])
bp.add_url_rule("/<int:activity_id>/trip-list.xlsx", view_func=trip_views.trip_list_xlsx)


@bp.record_once
def _template_globals(state) -> None:
    # Globals, not context: the shared macros (also used by other packages' pages) need them.
    state.app.jinja_env.globals.update(
        activity_kind_labels=KIND_LABELS,
        activity_status_labels=STATUS_LABELS,
        activity_status_badges=STATUS_BADGES,
        camp_type_labels=CAMP_TYPE_LABELS,
        local_time=lambda moment: to_local(moment).strftime("%H:%M") if moment else "",
    )
    # A student's name and number as the roster search compares them (ё as е, lower case).
    state.app.jinja_env.filters.setdefault("fold", fold)
