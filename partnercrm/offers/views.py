"""Offer pages: the public list, the staff list, an offer's page and form, bookings and speaker
requests with their answers.

Every view loads its object by id and checks it with :mod:`partnercrm.access.offers`: what the
user may not see — or, for an offer, may not write — is "not found" (404); a booking or request
the user sees but may not answer (coordinators read) is 403. Writes go through the services
(:mod:`~partnercrm.offers.services`, :mod:`~partnercrm.offers.bookings`,
:mod:`~partnercrm.offers.speaker_requests`) inside the request's unit of work; a refusal is shown
with :func:`~partnercrm.web.unit_of_work.refusal_shown`, and the letter to the other side is
queued with :func:`~partnercrm.web.unit_of_work.after_commit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.base import require
from partnercrm.access.offers import (
    can_book,
    can_book_as_school,
    can_cancel_as_school,
    can_choose_offering_organization,
    can_create_offer,
    can_manage_offer,
    can_offer_for,
    can_request_speaker,
    can_see_offer,
    can_see_offer_bookings,
    can_see_offer_record,
    is_school_side,
    offer_records_visibility,
    offers_scope,
)
from partnercrm.activities.roster import school_classes
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality
from partnercrm.directory.queries import all_municipalities
from partnercrm.extensions import db
from partnercrm.offers import bookings as booking_services
from partnercrm.offers import queries, services
from partnercrm.offers import speaker_requests as request_services
from partnercrm.offers.forms import (
    BookingForm,
    OfferForm,
    ReasonForm,
    SpeakerRequestForm,
    staff_contact,
)
from partnercrm.offers.labels import (
    BOOKING_STATUS_LABELS,
    KIND_LABELS,
    RECORD_BADGES,
    REQUEST_STATUS_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
)
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.notifications import notify_booking, notify_speaker_request
from partnercrm.offers.rules import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    OfferKind,
    OfferStatus,
    SpeakerRequestStatus,
)
from partnercrm.web import form_tokens
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import after_commit, refusal_shown

bp = Blueprint("offers", __name__, url_prefix="/offers")


@bp.record_once
def _template_globals(state) -> None:
    # Globals, not context: the dashboard shows bookings with these labels too.
    state.app.jinja_env.globals.update(
        {
            "offer_kind_labels": KIND_LABELS,
            "offer_status_labels": STATUS_LABELS,
            "offer_status_badges": STATUS_BADGES,
            "booking_status_labels": BOOKING_STATUS_LABELS,
            "request_status_labels": REQUEST_STATUS_LABELS,
            "record_badges": RECORD_BADGES,
            "grade_range": services.grade_range,
        }
    )


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


# --- loading with access checks ---


def _offer(offer_id: int, allowed=can_see_offer) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or not allowed(current_user, offer):
        abort(404)
    return offer


def _booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see_offer_record(current_user, booking, booking.slot.offer):
        abort(404)
    return booking


def _speaker_request(request_id: int) -> SpeakerRequest:
    record = db.session.get(SpeakerRequest, request_id)
    if record is None or not can_see_offer_record(current_user, record, record.offer):
        abort(404)
    return record


# --- the public list ---


@bp.route("/public")
def public():
    """Published offers with free seats, for everyone: organizations and addresses only."""
    args = request.args
    grade = args.get("grade", type=int)
    kind = args.get("kind", "")
    filters = queries.PublicFilters(
        municipality_id=args.get("municipality", type=record_id),
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        grade=grade if grade in range(1, 12) else None,
        industry=args.get("industry", "").strip()[:200],
        kind=OfferKind(kind) if kind in set(OfferKind) else None,
    )
    now = utcnow()
    page = paginate(queries.public_offers(filters, now))
    slots = queries.open_slots(
        db.session, [offer.id for offer in page.items], filters.slot_condition(now)
    )
    return render_template(
        "offers/public.html",
        page=page,
        slots=slots,
        filters=filters,
        municipalities=all_municipalities(),
        industries=queries.industries(db.session),
        school_staff=can_book_as_school(current_user),
    )


# --- the staff list ---


@bp.route("/")
@login_required
def index():
    args = request.args
    status, kind = args.get("status", ""), args.get("kind", "")
    filters = queries.OfferFilters(
        q=args.get("q", "").strip()[:200],
        status=OfferStatus(status) if status in set(OfferStatus) else None,
        kind=OfferKind(kind) if kind in set(OfferKind) else None,
        municipality_id=args.get("municipality", type=record_id),
    )
    query = queries.filter_offers(offers_scope(current_user), filters).options(
        sa.orm.joinedload(Offer.organization)
    )
    page = paginate(query.order_by(Offer.updated_at.desc(), Offer.id.desc()))
    figures = queries.slot_figures(db.session, [offer.id for offer in page.items], utcnow())
    return render_template(
        "offers/index.html",
        page=page,
        figures=figures,
        filters=filters,
        municipalities=all_municipalities(),
        can_create=can_create_offer(current_user),
    )


# --- one offer ---


@bp.route("/<int:offer_id>")
def detail(offer_id: int):
    offer = _offer(offer_id)
    now = utcnow()
    manages = can_manage_offer(current_user, offer)
    sees_bookings = can_see_offer_bookings(current_user, offer)
    if sees_bookings:
        slots = list(offer.slots)
    else:
        slots = queries.open_slots(db.session, [offer.id], queries.open_slot(now))[offer.id]
    # The host's side sees every booking or request of the offer; a school its own.
    bookings: Sequence[Booking] = []
    requests: Sequence[SpeakerRequest] = []
    if offer.kind is OfferKind.EXCURSION:
        bookings = queries.offer_bookings(
            db.session,
            offer.id,
            offer_records_visibility(current_user, Booking.school_id, OfferSlot.offer_id),
        )
    else:
        visibility = sa.and_(
            SpeakerRequest.offer_id == offer.id,
            offer_records_visibility(
                current_user, SpeakerRequest.school_id, SpeakerRequest.offer_id
            ),
        )
        requests = db.session.scalars(
            queries.speaker_requests(visibility, queries.RecordFilters(), now)
        ).all()
    return render_template(
        "offers/detail.html",
        offer=offer,
        slots=slots,
        bookings=bookings,
        requests=requests,
        now=now,
        manages=manages,
        sees_bookings=sees_bookings,
        can_book=can_book(current_user, offer),
        can_request=can_request_speaker(current_user, offer),
        moves=services.STATUS_MOVES[offer.status] if manages else (),
    )


def _prepare_form(form: OfferForm, kind: OfferKind, offer: Offer | None) -> None:
    """Fit the form to the kind and the user: admins pick the organization of a new offer."""
    if offer is not None or not can_choose_offering_organization(current_user):
        del form.organization
    if kind is OfferKind.SPEAKER:
        del form.slots
        del form.requires_confirmation
    else:
        del form.availability
    form.municipality.choices = [(m.id, m.name) for m in all_municipalities()]


def _offering_organization(form: OfferForm):
    if "organization" in form:
        return form.organization.organization
    return current_user.organization


def _save(form: OfferForm, kind: OfferKind, offer: Offer | None):
    """Create or update from a valid form: a redirect, or None to show the errors."""
    organization = _offering_organization(form) if offer is None else offer.organization
    if organization is None or not can_offer_for(current_user, organization):
        target = form.organization if "organization" in form else form.topic
        target.errors = [*target.errors, _("Pick an employer, a college or a university.")]
        return None
    data = form.data_for_service(db.session.get(Municipality, form.municipality.data))
    if data.municipality is None:
        form.municipality.errors = [_("Unknown municipality.")]
        return None
    with refusal_shown(form):
        if offer is None:
            offer = services.create_offer(organization, kind, data, current_user, utcnow())
            form_tokens.spend(form, url_for("offers.detail", offer_id=offer.id))
        else:
            services.update_offer(offer, data, utcnow())
        flash(_("The offer has been saved."), "success")
        return redirect(url_for("offers.detail", offer_id=offer.id))
    return None


def _render_form(form: OfferForm, kind: OfferKind, offer: Offer | None):
    if request.method == "POST" and "slots" in form:
        form.add_blank_slots()
    return render_template("offers/form.html", form=form, kind=kind, offer=offer)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_create_offer(current_user))
    kind_arg = request.args.get("kind", "")
    kind = OfferKind(kind_arg) if kind_arg in set(OfferKind) else OfferKind.EXCURSION
    form = OfferForm()
    _prepare_form(form, kind, None)
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    if request.method == "GET":
        organization = current_user.organization
        form.municipality.data = organization.municipality_id if organization else None
        form.address.data = organization.address if organization else None
        if "slots" in form:
            form.fill_slots([])
    elif form.validate_on_submit() and (response := _save(form, kind, None)):
        return response
    return _render_form(form, kind, None)


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(offer_id: int):
    offer = _offer(offer_id, can_manage_offer)
    if request.method == "GET":
        form = OfferForm(obj=offer, formdata=None)
        _prepare_form(form, offer.kind, offer)
        form.municipality.data = offer.municipality_id
        if "slots" in form:
            form.fill_slots(offer.slots)
        return _render_form(form, offer.kind, offer)
    form = OfferForm()
    _prepare_form(form, offer.kind, offer)
    if form.validate_on_submit() and (response := _save(form, offer.kind, offer)):
        return response
    return _render_form(form, offer.kind, offer)


@bp.route("/<int:offer_id>/status", methods=["POST"])
@login_required
def set_status(offer_id: int):
    offer = _offer(offer_id, can_manage_offer)
    status = request.form.get("status", "")
    if status not in set(OfferStatus):
        abort(400)
    with refusal_shown():
        services.set_offer_status(offer, OfferStatus(status), utcnow())
        flash(_("The offer is now: %(status)s.", status=STATUS_LABELS[offer.status]), "success")
    return redirect(url_for("offers.detail", offer_id=offer_id))


# --- bookings ---


def _show_repeated(repeated: services.DuplicateSubmission, endpoint: str, id_name: str):
    """A second submit of one form: show what the first one made (the school's own only)."""
    if not is_school_side(current_user, repeated.record):
        abort(404)
    flash(_("This form had already been sent; here is what it made."), "info")
    values: dict[str, Any] = {id_name: repeated.record.id}
    return redirect(url_for(endpoint, **values))


@bp.route("/slots/<int:slot_id>/book", methods=["GET", "POST"])
@login_required
def book(slot_id: int):
    slot = db.session.get(OfferSlot, slot_id)
    if slot is None or not can_see_offer(current_user, slot.offer):
        abort(404)
    offer = slot.offer
    require(can_book(current_user, offer))
    form = BookingForm()
    form.set_classes(offer.grade_min, offer.grade_max, school_classes(current_user.organization_id))
    if request.method == "GET":
        form.request_key.data = form_tokens.current_token()
        form.contact.data = staff_contact(current_user)
    elif form.validate_on_submit():
        try:
            with refusal_shown(form):
                booking = booking_services.book(
                    slot,
                    current_user.organization,
                    form.data_for_service(),
                    form.request_key.data,
                    current_user,
                    utcnow(),
                )
                after_commit(partial(notify_booking, booking, by_host=False))
                flash(
                    _("The seats are booked.")
                    if booking.status is BookingStatus.CONFIRMED
                    else _("The seats are booked; the host will confirm the booking."),
                    "success",
                )
                return redirect(url_for("offers.booking", booking_id=booking.id))
        except services.DuplicateSubmission as repeated:
            return _show_repeated(repeated, "offers.booking", "booking_id")
    return render_template("offers/book.html", form=form, slot=slot, offer=offer)


@bp.route("/bookings")
@login_required
def bookings():
    filters = queries.RecordFilters(
        status=request.args.get("status", ""), when=request.args.get("when", "")
    )
    visibility = offer_records_visibility(current_user, Booking.school_id, OfferSlot.offer_id)
    page = paginate(queries.bookings(visibility, filters, utcnow()))
    return render_template("offers/bookings.html", page=page, filters=filters)


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    record = _booking(booking_id)
    offer = record.slot.offer
    now = utcnow()
    ahead = record.slot.starts_at > now
    host = can_manage_offer(current_user, offer)
    active = record.status in ACTIVE_BOOKING_STATUSES and ahead
    pending = host and ahead and record.status is BookingStatus.REQUESTED
    return render_template(
        "offers/booking.html",
        booking=record,
        offer=offer,
        can_confirm=pending,
        # The host ends a pending booking one way, declining it: one reason box, one button.
        can_decline=pending,
        can_cancel=active and not pending and (host or can_cancel_as_school(current_user, record)),
        activity_url=(
            url_for("activities.detail", activity_id=record.activity_id)
            if record.activity_id
            else None
        ),
    )


@bp.route("/bookings/<int:booking_id>/confirm", methods=["POST"])
@login_required
def confirm_booking(booking_id: int):
    record = _booking(booking_id)
    require(can_manage_offer(current_user, record.slot.offer))
    with refusal_shown():
        booking_services.confirm_booking(record, current_user, utcnow())
        after_commit(partial(notify_booking, record, by_host=True))
        flash(_("The booking is confirmed; the excursion is planned."), "success")
    return redirect(url_for("offers.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/<action>", methods=["POST"])
@login_required
def end_booking(booking_id: int, action: str):
    if action not in ("decline", "cancel"):
        abort(404)
    record = _booking(booking_id)
    host = can_manage_offer(current_user, record.slot.offer)
    require(host or (action == "cancel" and can_cancel_as_school(current_user, record)))
    # The service refuses an empty reason with the same message as the other refusals.
    form = ReasonForm()
    form.validate_on_submit()
    status = BookingStatus.DECLINED if action == "decline" else BookingStatus.CANCELLED
    with refusal_shown():
        booking_services.end_booking(record, status, form.reason.data, current_user, utcnow())
        after_commit(partial(notify_booking, record, by_host=host))
        flash(
            _("The booking is declined.")
            if status is BookingStatus.DECLINED
            else _("The booking is cancelled; the seats are free again."),
            "success",
        )
    return redirect(url_for("offers.booking", booking_id=booking_id))


# --- speaker requests ---


@bp.route("/<int:offer_id>/request-speaker", methods=["GET", "POST"])
@login_required
def request_speaker(offer_id: int):
    offer = _offer(offer_id)
    require(can_request_speaker(current_user, offer))
    form = SpeakerRequestForm()
    if request.method == "GET":
        form.request_key.data = form_tokens.current_token()
        form.location.data = current_user.organization.address
        form.topic.data = offer.topic
    elif form.validate_on_submit():
        try:
            with refusal_shown(form):
                record = request_services.request_speaker(
                    offer,
                    current_user.organization,
                    form.data_for_service(),
                    form.request_key.data,
                    current_user,
                    utcnow(),
                )
                after_commit(partial(notify_speaker_request, record, by_host=False))
                flash(_("The request has been sent to the speaker."), "success")
                return redirect(url_for("offers.speaker_request", request_id=record.id))
        except services.DuplicateSubmission as repeated:
            return _show_repeated(repeated, "offers.speaker_request", "request_id")
    return render_template("offers/request_speaker.html", form=form, offer=offer)


@bp.route("/speaker-requests")
@login_required
def speaker_requests():
    filters = queries.RecordFilters(
        status=request.args.get("status", ""), when=request.args.get("when", "")
    )
    visibility = offer_records_visibility(
        current_user, SpeakerRequest.school_id, SpeakerRequest.offer_id
    )
    page = paginate(queries.speaker_requests(visibility, filters, utcnow()))
    return render_template("offers/speaker_requests.html", page=page, filters=filters)


@bp.route("/speaker-requests/<int:request_id>")
@login_required
def speaker_request(request_id: int):
    record = _speaker_request(request_id)
    ahead = record.starts_at > utcnow()
    host = can_manage_offer(current_user, record.offer)
    waiting = record.status is SpeakerRequestStatus.REQUESTED
    return render_template(
        "offers/speaker_request.html",
        record=record,
        offer=record.offer,
        can_answer=host and ahead and waiting,
        can_withdraw=ahead
        and can_cancel_as_school(current_user, record)
        and record.status in (SpeakerRequestStatus.REQUESTED, SpeakerRequestStatus.ACCEPTED),
        activity_url=(
            url_for("activities.detail", activity_id=record.activity_id)
            if record.activity_id
            else None
        ),
    )


@bp.route("/speaker-requests/<int:request_id>/<action>", methods=["POST"])
@login_required
def answer_speaker_request(request_id: int, action: str):
    if action not in ("accept", "decline", "withdraw"):
        abort(404)
    record = _speaker_request(request_id)
    host = action != "withdraw"
    if host:
        require(can_manage_offer(current_user, record.offer))
    else:
        require(can_cancel_as_school(current_user, record))
    now = utcnow()
    with refusal_shown():
        if action == "accept":
            request_services.accept_speaker_request(record, current_user, now)
        elif action == "decline":
            form = ReasonForm()
            form.validate_on_submit()
            request_services.decline_speaker_request(record, form.reason.data, current_user)
        else:
            request_services.cancel_speaker_request(record, now)
        after_commit(partial(notify_speaker_request, record, by_host=host))
        flash(
            {
                "accept": _("The request is accepted; the parent meeting is planned."),
                "decline": _("The request is declined."),
                "withdraw": _("The request is withdrawn."),
            }[action],
            "success",
        )
    return redirect(url_for("offers.speaker_request", request_id=request_id))
