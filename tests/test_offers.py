"""Offers, bookings and speaker requests: the whole flow through the web pages, the rules the
services keep, the public list, the employer dashboard and who may do what by object id."""

from __future__ import annotations

import html
import re
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_local
from partnercrm.offers import bookings, notifications, services, speaker_requests
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.notifications import notify_booking
from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus, SpeakerRequestStatus
from partnercrm.web.unit_of_work import after_commit, unit_of_work
from tests.activity_factories import (
    ActivityFactory,
    StudentFactory,
    build_world,
    scoped_client,
    sign_in,
)
from tests.factories import OrganizationFactory, UserFactory
from tests.offer_factories import (
    NOW,
    BookingFactory,
    OfferFactory,
    SlotFactory,
    SpeakerOfferFactory,
    SpeakerRequestFactory,
)

NO_SEATS = "No seats left"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(seeded):
    return build_world()


def client_for(app, user):
    client = scoped_client(app)
    sign_in(client, user)
    return client


def form_fields(page: str) -> dict:
    """The hidden inputs of a rendered form (CSRF token, one-time request key, slot ids)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def booking_data(client, slot_id: int, **values) -> dict:
    page = client.get(f"/offers/slots/{slot_id}/book").get_data(as_text=True)
    return {**form_fields(page), "seats": "3", "school_class": "8|А", **values}


def seats_booked(slot_id: int) -> tuple[int, int]:
    """(the slot's counter, the sum of its active bookings) as the database has them."""
    db.session.expire_all()
    counter = db.session.get(OfferSlot, slot_id).booked_seats
    active = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Booking.seats), 0)).where(
            Booking.slot_id == slot_id,
            Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.CONFIRMED]),
        )
    )
    return counter, active


# --- the whole flow ---


def test_offer_booking_confirmation_and_cancellation_through_the_pages(app, world, outbox):
    employer = client_for(app, world.employer_user)
    day = to_local(NOW + timedelta(days=14)).date()
    page = employer.get("/offers/new?kind=excursion").get_data(as_text=True)
    response = employer.post(
        "/offers/new?kind=excursion",
        data={
            "csrf_token": form_fields(page)["csrf_token"],
            "topic": "Как строят корабли",
            "profession": "Сварщик",
            "municipality": str(world.m1.id),
            "address": "г. Калининград, ул. Гагарина, 1",
            "grade_min": "8",
            "grade_max": "11",
            "safety_notes": "Закрытая обувь; с 14 лет",
            "requires_confirmation": "y",
            "slots-0-day": day.isoformat(),
            "slots-0-start": "10:00",
            "slots-0-end": "12:00",
            "slots-0-capacity": "20",
            "slots-1-day": (day + timedelta(days=7)).isoformat(),
            "slots-1-start": "10:00",
            "slots-1-capacity": "15",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    offer = db.session.scalars(sa.select(Offer)).one()
    assert offer.status is OfferStatus.DRAFT
    assert [(s.capacity, to_local(s.starts_at).hour) for s in offer.slots] == [(20, 10), (15, 10)]
    assert offer.organization_id == world.employer.id

    # A draft is nobody else's business.
    anonymous = scoped_client(app)
    assert anonymous.get(f"/offers/{offer.id}").status_code == 404
    detail = employer.get(f"/offers/{offer.id}").get_data(as_text=True)
    employer.post(
        f"/offers/{offer.id}/status",
        data={"csrf_token": form_fields(detail)["csrf_token"], "status": "published"},
    )
    db.session.expire_all()
    assert offer.status is OfferStatus.PUBLISHED

    public = anonymous.get("/offers/public").get_data(as_text=True)
    assert "Как строят корабли" in public and "Судозавод Янтарь" in public
    assert world.employer_user.full_name not in public
    assert world.employer_user.email not in public
    assert "/book" not in public  # the Book button is for school staff

    school = client_for(app, world.school1_user)
    assert "/book" in school.get("/offers/public").get_data(as_text=True)
    slot = offer.slots[0]
    response = school.post(f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id))
    assert response.status_code == 302
    booking = db.session.scalars(sa.select(Booking)).one()
    assert (booking.status, booking.seats, booking.school_id) == (
        BookingStatus.REQUESTED,
        3,
        world.school1.id,
    )
    assert seats_booked(slot.id) == (3, 3)
    assert [message.to for message in outbox] == [[world.employer_user.email]]
    assert "please confirm" in outbox[0].subject.lower() or outbox[0].subject

    # The host sees the school and the seats, never a student.
    host_page = employer.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert "Школа № 1" in host_page
    assert all(student.full_name not in host_page for student in world.class_8a)

    booking_page = employer.get(f"/offers/bookings/{booking.id}").get_data(as_text=True)
    employer.post(
        f"/offers/bookings/{booking.id}/confirm",
        data={"csrf_token": form_fields(booking_page)["csrf_token"]},
    )
    db.session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED
    activity = booking.activity
    assert activity.kind is ActivityKind.EXCURSION
    assert activity.status is ActivityStatus.PLANNED
    assert (activity.host_id, activity.organizer_id) == (world.employer.id, world.employer.id)
    assert [school.id for school in activity.schools] == [world.school1.id]
    assert activity.starts_at == slot.starts_at
    assert activity.location == "г. Калининград, ул. Гагарина, 1"
    assert [item.number for item in activity.plan_items] == [5, 23]
    assert outbox[-1].to == [world.school1_user.email]

    # The school cancels with a reason: the seats come back, the excursion is cancelled.
    page = school.get(f"/offers/bookings/{booking.id}").get_data(as_text=True)
    assert "The planned excursion" in page
    school.post(
        f"/offers/bookings/{booking.id}/cancel",
        data={"csrf_token": form_fields(page)["csrf_token"], "reason": "Карантин в классе"},
    )
    db.session.expire_all()
    assert booking.status is BookingStatus.CANCELLED
    assert booking.cancel_reason == "Карантин в классе"
    assert booking.cancelled_by_id == world.school1_user.id
    assert booking.activity.status is ActivityStatus.CANCELLED
    assert seats_booked(slot.id) == (0, 0)
    assert outbox[-1].to == [world.employer_user.email]
    assert "Карантин в классе" in outbox[-1].body


def test_a_double_submit_makes_one_booking(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    db.session.commit()
    school = client_for(app, world.school1_user)
    data = booking_data(school, slot.id)
    first = school.post(f"/offers/slots/{slot.id}/book", data=data)
    second = school.post(f"/offers/slots/{slot.id}/book", data=data)
    booking = db.session.scalars(sa.select(Booking)).one()
    assert (
        first.headers["Location"]
        == second.headers["Location"]
        == (f"/offers/bookings/{booking.id}")
    )
    assert seats_booked(slot.id) == (3, 3)


def test_a_used_key_is_a_duplicate_for_the_service(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    first = bookings.book(slot, world.school1, bookings.BookingData(seats=2), "k" * 20, None, NOW)
    db.session.commit()
    with pytest.raises(services.DuplicateSubmission) as repeated:
        bookings.book(slot, world.school1, bookings.BookingData(seats=2), "k" * 20, None, NOW)
    assert repeated.value.record.id == first.id
    assert seats_booked(slot.id) == (2, 2)


def test_a_key_used_by_a_concurrent_submit_is_a_duplicate_for_the_service(app, world, monkeypatch):
    """The other submission committed after this one looked for the key: the insert trips
    over the unique key inside the savepoint, which takes back this one's seats alone; the
    caller's transaction goes on, without a rollback."""
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    first = bookings.book(slot, world.school1, bookings.BookingData(seats=2), "k" * 20, None, NOW)
    other = SlotFactory(offer=first.slot.offer)
    db.session.commit()
    looked = []
    real_lookup = bookings.booking_for_key

    def not_there_yet(key):
        looked.append(key)
        return None if len(looked) == 1 else real_lookup(key)

    monkeypatch.setattr(bookings, "booking_for_key", not_there_yet)
    other.capacity = 30  # a change of the caller's before the service call, to keep
    with pytest.raises(services.DuplicateSubmission) as repeated:
        bookings.book(slot, world.school1, bookings.BookingData(seats=2), "k" * 20, None, NOW)
    assert looked == ["k" * 20, "k" * 20]
    assert repeated.value.record.id == first.id
    assert seats_booked(slot.id) == (2, 2)
    other.capacity = 31  # and one after it, flushed with the commit
    db.session.commit()
    assert seats_booked(slot.id) == (2, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
    assert db.session.get(OfferSlot, other.id).capacity == 31
    # The failed insert left nothing for the audit trail to record with the next flush.
    assert db.session.scalars(
        sa.select(AuditEntry.object_id).where(
            AuditEntry.object_type == "booking", AuditEntry.action == AuditAction.CREATE
        )
    ).all() == [first.id]


def test_a_key_used_by_a_concurrent_speaker_request_is_a_duplicate(app, world, monkeypatch):
    offer = SpeakerOfferFactory(organization=world.employer)
    data = speaker_requests.SpeakerRequestData(starts_at=NOW + timedelta(days=9))
    first = speaker_requests.request_speaker(offer, world.school1, data, "s" * 20, None, NOW)
    db.session.commit()
    real_lookup = speaker_requests.speaker_request_for_key
    looked = []

    def not_there_yet(key):
        looked.append(key)
        return None if len(looked) == 1 else real_lookup(key)

    monkeypatch.setattr(speaker_requests, "speaker_request_for_key", not_there_yet)
    with pytest.raises(services.DuplicateSubmission) as repeated:
        speaker_requests.request_speaker(offer, world.school1, data, "s" * 20, None, NOW)
    assert repeated.value.record.id == first.id
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpeakerRequest)) == 1


def test_no_seats_left_changes_nothing(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer), capacity=4)
    db.session.commit()
    school = client_for(app, world.school1_user)
    response = school.post(
        f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id, seats="5")
    )
    assert response.status_code == 200
    # It says how many seats are free, not merely that there are too few.
    assert "Free seats on this date: 4. Book at most that many." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    assert seats_booked(slot.id) == (0, 0)
    # Once none are free, it says so.
    assert (
        school.post(
            f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id, seats="4")
        ).status_code
        == 302
    )
    response = school.post(
        f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id, seats="1")
    )
    assert NO_SEATS in response.get_data(as_text=True)


def test_the_database_check_is_the_backstop_of_capacity(app, world):
    SlotFactory(offer=OfferFactory(organization=world.employer), capacity=4)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(OfferSlot).values(booked_seats=5))
        db.session.flush()
    db.session.rollback()


def test_grade_outside_the_offer_is_refused(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer, grade_min=8))
    db.session.commit()
    with pytest.raises(services.OfferError, match="grades"):
        bookings.book(
            slot, world.school1, bookings.BookingData(seats=2, grade=5), "g" * 20, None, NOW
        )
    db.session.rollback()
    school = client_for(app, world.school1_user)
    # The form offers only the roster's classes within the offer's grades: a forged one is refused.
    response = school.post(
        f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id, school_class="5|А")
    )
    assert response.status_code == 200
    assert seats_booked(slot.id) == (0, 0)


def test_an_offer_without_confirmation_plans_the_excursion_at_once(app, world, outbox):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer, requires_confirmation=False))
    db.session.commit()
    school = client_for(app, world.school1_user)
    school.post(f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id))
    booking = db.session.scalars(sa.select(Booking)).one()
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.activity.status is ActivityStatus.PLANNED
    assert outbox[-1].to == [world.employer_user.email]


def test_a_booked_excursion_is_cancelled_through_its_booking(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer, requires_confirmation=False))
    db.session.commit()
    school = client_for(app, world.school1_user)
    school.post(f"/offers/slots/{slot.id}/book", data=booking_data(school, slot.id))
    booking = db.session.scalars(sa.select(Booking)).one()
    host = client_for(app, world.employer_user)
    page = host.get(f"/activities/{booking.activity_id}").get_data(as_text=True)
    response = host.post(
        f"/activities/{booking.activity_id}/status",
        data={"csrf_token": form_fields(page)["csrf_token"], "status": "cancelled"},
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/offers/bookings/{booking.id}")
    db.session.expire_all()
    assert booking.activity.status is ActivityStatus.PLANNED
    assert booking.status is BookingStatus.CONFIRMED
    assert seats_booked(slot.id) == (3, 3)


def test_host_declines_with_a_reason(app, world, outbox):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)),
        school=world.school1,
        booked_by=world.school1_user,
        status=BookingStatus.REQUESTED,
    )
    db.session.commit()
    employer = client_for(app, world.employer_user)
    page = employer.get(f"/offers/bookings/{booking.id}").get_data(as_text=True)
    token = form_fields(page)["csrf_token"]
    response = employer.post(
        f"/offers/bookings/{booking.id}/decline", data={"csrf_token": token, "reason": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert booking.status is BookingStatus.REQUESTED
    employer.post(
        f"/offers/bookings/{booking.id}/decline",
        data={"csrf_token": token, "reason": "Цех на ремонте"},
    )
    db.session.expire_all()
    assert booking.status is BookingStatus.DECLINED
    assert seats_booked(booking.slot_id) == (0, 0)
    assert outbox[-1].to == [world.school1_user.email]
    assert "Цех на ремонте" in outbox[-1].body


def test_two_cancellations_at_once_return_the_seats_once(app, world):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school1
    )
    db.session.commit()
    assert booking.status is BookingStatus.CONFIRMED  # this request has read the booking
    with app.app_context():  # meanwhile another request cancels it
        other = db.session.get(Booking, booking.id)
        bookings.end_booking(other, BookingStatus.CANCELLED, "раз", None, NOW)
        db.session.commit()
    with pytest.raises(services.OfferError, match="in the meantime"):
        bookings.end_booking(booking, BookingStatus.CANCELLED, "два", None, NOW)
    db.session.rollback()
    assert seats_booked(booking.slot_id) == (0, 0)


def test_cancelling_twice_through_the_service_refuses_the_second(app, world):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school1
    )
    db.session.commit()
    bookings.end_booking(booking, BookingStatus.CANCELLED, "раз", None, NOW)
    db.session.commit()
    with pytest.raises(services.OfferError):
        bookings.end_booking(booking, BookingStatus.CANCELLED, "два", None, NOW)
    db.session.rollback()
    assert seats_booked(booking.slot_id) == (0, 0)


def test_a_past_visit_can_no_longer_be_cancelled(app, world):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school1
    )
    db.session.commit()
    with pytest.raises(services.OfferError, match="begun"):
        bookings.end_booking(
            booking, BookingStatus.CANCELLED, "поздно", None, NOW + timedelta(days=8)
        )
    db.session.rollback()


# --- offers: publishing, closing, editing dates ---


def test_publishing_needs_a_future_date(app, world):
    offer = OfferFactory(organization=world.employer, status=OfferStatus.DRAFT)
    SlotFactory(offer=offer, starts_at=NOW - timedelta(days=1))
    with pytest.raises(services.OfferError, match="future date"):
        services.set_offer_status(offer, OfferStatus.PUBLISHED, NOW)
    SlotFactory(offer=offer)
    db.session.refresh(offer)
    services.set_offer_status(offer, OfferStatus.PUBLISHED, NOW)
    assert offer.status is OfferStatus.PUBLISHED


def test_closing_stops_new_bookings_and_keeps_the_existing(app, world):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school2
    )
    offer = booking.slot.offer
    services.set_offer_status(offer, OfferStatus.CLOSED, NOW)
    db.session.commit()
    with pytest.raises(services.OfferError, match="no bookings"):
        bookings.book(
            booking.slot, world.school1, bookings.BookingData(seats=1), "c" * 20, None, NOW
        )
    db.session.rollback()
    assert booking.status is BookingStatus.CONFIRMED
    assert seats_booked(booking.slot_id) == (5, 5)
    # Closed offers leave the public list; their host still sees them.
    anonymous = scoped_client(app)
    assert offer.topic not in anonymous.get("/offers/public").get_data(as_text=True)
    assert anonymous.get(f"/offers/{offer.id}").status_code == 404


def test_dates_with_bookings_keep_their_time_and_seats(app, world):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school1
    )
    db.session.commit()
    slot, offer = booking.slot, booking.slot.offer
    data = services.OfferData(topic=offer.topic, municipality=offer.municipality)
    rows = {
        "time": services.SlotData(
            id=slot.id, starts_at=slot.starts_at + timedelta(hours=1), capacity=10
        ),
        "seats": services.SlotData(id=slot.id, starts_at=slot.starts_at, capacity=4),
        "remove": services.SlotData(id=slot.id, starts_at=None, remove=True),
    }
    for change, row in rows.items():
        data.slots = [row]
        with pytest.raises(services.OfferError) as refused:
            services.update_offer(offer, data, NOW)
        assert refused.value.field == "slots", change
        db.session.rollback()
    data.slots = [services.SlotData(id=slot.id, starts_at=slot.starts_at, capacity=5)]
    services.update_offer(offer, data, NOW)
    assert slot.capacity == 5


def test_the_form_adds_removes_and_changes_dates(app, world):
    offer = OfferFactory(organization=world.employer)
    empty = SlotFactory(offer=offer)
    db.session.commit()
    employer = client_for(app, world.employer_user)
    page = employer.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["slots-0-id"] == str(empty.id)
    day = to_local(NOW + timedelta(days=30)).date().isoformat()
    response = employer.post(
        f"/offers/{offer.id}/edit",
        data={
            **fields,
            "topic": offer.topic,
            "municipality": str(offer.municipality_id),
            "grade_min": "",
            "grade_max": "",
            "slots-0-day": to_local(empty.starts_at).date().isoformat(),
            "slots-0-start": "10:00",
            "slots-0-capacity": "10",
            "slots-0-remove": "y",
            "slots-1-day": day,
            "slots-1-start": "15:30",
            "slots-1-capacity": "12",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    slots = db.session.scalars(sa.select(OfferSlot).order_by(OfferSlot.id)).all()
    assert [(to_local(s.starts_at).strftime("%H:%M"), s.capacity) for s in slots] == [("15:30", 12)]
    assert (offer.grade_min, offer.grade_max) == (None, None)


def test_a_refused_form_shows_why_and_saves_nothing(app, world):
    employer = client_for(app, world.employer_user)
    page = employer.get("/offers/new?kind=excursion").get_data(as_text=True)
    response = employer.post(
        "/offers/new?kind=excursion",
        data={
            "csrf_token": form_fields(page)["csrf_token"],
            "topic": "Прошлое",
            "municipality": str(world.m1.id),
            "slots-0-day": "2020-01-01",
            "slots-0-start": "10:00",
            "slots-0-capacity": "5",
        },
    )
    assert response.status_code == 200
    assert "A new date must lie in the future." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == 0


def test_implausible_dates_and_text_are_refused(app, world):
    # plausible: an offer's dates (which become activities) up to three years ahead; a year-1
    # date would not even make a moment in Kaliningrad time. No control characters.
    employer = client_for(app, world.employer_user)
    for changes, message in (
        ({"slots-0-day": "9999-12-31"}, "The date must be from 01.01.2015 to 02.03.2029."),
        ({"slots-0-day": "0001-01-01"}, "The date must be from 01.01.2015 to 02.03.2029."),
        ({"topic": "Цех\x00"}, "invisible control character (U+0000)"),
        ({"safety_notes": "Обувь\r\nКаска\x1b"}, "invisible control character (U+001B)"),
    ):
        page = employer.get("/offers/new?kind=excursion").get_data(as_text=True)
        data = {
            "csrf_token": form_fields(page)["csrf_token"],
            "topic": "Цех",
            "municipality": str(world.m1.id),
            "slots-0-day": "2026-03-20",
            "slots-0-start": "00:30",
            "slots-0-capacity": "5",
            **changes,
        }
        response = employer.post("/offers/new?kind=excursion", data=data)
        assert response.status_code == 200, changes
        assert message in response.get_data(as_text=True), changes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == 0

    offer = SpeakerOfferFactory(organization=world.employer)
    db.session.commit()
    school = client_for(app, world.school1_user)
    path = f"/offers/{offer.id}/request-speaker"
    for day in ("0001-01-01", "9999-12-31"):
        data = {**form_fields(school.get(path).get_data(as_text=True)), "day": day}
        response = school.post(path, data={**data, "start": "00:30"})
        assert response.status_code == 200, day
        assert "The date must be from 01.01.2015 to 02.03.2029." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpeakerRequest)) == 0
    far = speaker_requests.SpeakerRequestData(starts_at=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(services.OfferError) as refused:
        speaker_requests.request_speaker(offer, world.school1, far, "k" * 20, None, NOW)
    assert refused.value.field == "day"


def test_colleges_offer_too_and_admins_pick_the_organization(app, world):
    college = client_for(app, world.college_user)
    page = college.get("/offers/new?kind=speaker").get_data(as_text=True)
    college.post(
        "/offers/new?kind=speaker",
        data={
            "csrf_token": form_fields(page)["csrf_token"],
            "topic": "Поступление в колледж",
            "municipality": str(world.m2.id),
            "availability": "Вторники",
        },
    )
    admin = client_for(app, world.admin)
    page = admin.get("/offers/new?kind=excursion").get_data(as_text=True)
    admin.post(
        "/offers/new?kind=excursion",
        data={
            "csrf_token": form_fields(page)["csrf_token"],
            "organization": f"x [{world.employer.code}]",
            "topic": "Цех",
            "municipality": str(world.m1.id),
        },
    )
    offers = db.session.scalars(sa.select(Offer).order_by(Offer.id)).all()
    assert [(o.organization_id, o.kind, o.availability) for o in offers] == [
        (world.college.id, OfferKind.SPEAKER, "Вторники"),
        (world.employer.id, OfferKind.EXCURSION, None),
    ]


# --- speaker requests ---


def test_speaker_request_accepted_makes_the_parent_meeting(app, world, outbox):
    offer = SpeakerOfferFactory(organization=world.employer, profession="Докер")
    db.session.commit()
    school = client_for(app, world.school1_user)
    page = school.get(f"/offers/{offer.id}/request-speaker").get_data(as_text=True)
    day = to_local(NOW + timedelta(days=20)).date().isoformat()
    data = {
        **form_fields(page),
        "day": day,
        "start": "18:00",
        "end": "19:00",
        "location": "Актовый зал",
        "topic": "Профессии порта",
    }
    assert school.post(f"/offers/{offer.id}/request-speaker", data=data).status_code == 302
    school.post(f"/offers/{offer.id}/request-speaker", data=data)  # a double submit
    record = db.session.scalars(sa.select(SpeakerRequest)).one()
    assert outbox[-1].to == [world.employer_user.email]

    employer = client_for(app, world.employer_user)
    page = employer.get(f"/offers/speaker-requests/{record.id}").get_data(as_text=True)
    employer.post(
        f"/offers/speaker-requests/{record.id}/accept",
        data={"csrf_token": form_fields(page)["csrf_token"]},
    )
    db.session.expire_all()
    assert record.status is SpeakerRequestStatus.ACCEPTED
    meeting = record.activity
    assert meeting.kind is ActivityKind.PARENT_MEETING
    assert (meeting.host_id, meeting.organizer_id) == (world.school1.id, world.school1.id)
    assert [p.id for p in meeting.parent_meeting.presenters] == [world.employer.id]
    assert meeting.parent_meeting.professions == "Докер"
    assert (meeting.title, meeting.location) == ("Профессии порта", "Актовый зал")
    assert [item.number for item in meeting.plan_items] == [6, 17]
    assert outbox[-1].to == [world.school1_user.email]

    # Withdrawn by the school: the meeting is cancelled and the speaker told.
    page = school.get(f"/offers/speaker-requests/{record.id}").get_data(as_text=True)
    school.post(
        f"/offers/speaker-requests/{record.id}/withdraw",
        data={"csrf_token": form_fields(page)["csrf_token"]},
    )
    db.session.expire_all()
    assert record.status is SpeakerRequestStatus.CANCELLED
    assert meeting.status is ActivityStatus.CANCELLED
    assert outbox[-1].to == [world.employer_user.email]


def test_speaker_request_declined_with_a_reason(app, world, outbox):
    record = SpeakerRequestFactory(
        offer=SpeakerOfferFactory(organization=world.employer),
        school=world.school1,
        requested_by=world.school1_user,
    )
    db.session.commit()
    employer = client_for(app, world.employer_user)
    page = employer.get(f"/offers/speaker-requests/{record.id}").get_data(as_text=True)
    token = form_fields(page)["csrf_token"]
    employer.post(f"/offers/speaker-requests/{record.id}/decline", data={"csrf_token": token})
    db.session.expire_all()
    assert record.status is SpeakerRequestStatus.REQUESTED
    employer.post(
        f"/offers/speaker-requests/{record.id}/decline",
        data={"csrf_token": token, "reason": "Нет свободных дат"},
    )
    db.session.expire_all()
    assert (record.status, record.decline_reason) == (
        SpeakerRequestStatus.DECLINED,
        "Нет свободных дат",
    )
    assert record.activity_id is None
    assert outbox[-1].to == [world.school1_user.email]


# --- the public list ---


def test_public_list_filters_and_hides_what_is_not_open(app, world):
    offer = OfferFactory(organization=world.employer, topic="Верфь", grade_min=8, grade_max=9)
    SlotFactory(offer=offer)
    world.employer.industry = "Судостроение"
    college_offer = OfferFactory(
        organization=world.college, topic="Кухня", grade_min=5, grade_max=7
    )
    SlotFactory(offer=college_offer, starts_at=NOW + timedelta(days=30))
    full = OfferFactory(organization=world.employer, topic="Полная")
    SlotFactory(offer=full, capacity=3, booked_seats=3)
    past = OfferFactory(organization=world.employer, topic="Прошедшая")
    SlotFactory(offer=past, starts_at=NOW - timedelta(days=1))
    draft = OfferFactory(organization=world.employer, topic="Черновик", status=OfferStatus.DRAFT)
    SlotFactory(offer=draft)
    SpeakerOfferFactory(organization=world.college, topic="Лектор")
    db.session.commit()
    client = scoped_client(app)

    def shown(**args) -> set[str]:
        page = client.get("/offers/public", query_string=args).get_data(as_text=True)
        return {
            topic
            for topic in ("Верфь", "Кухня", "Полная", "Прошедшая", "Черновик", "Лектор")
            if topic in page
        }

    assert shown() == {"Верфь", "Кухня", "Лектор"}
    assert shown(municipality=world.m2.id) == {"Кухня", "Лектор"}
    assert shown(grade=6) == {"Кухня"}
    assert shown(industry="Судостроение") == {"Верфь"}
    week = to_local(NOW + timedelta(days=7)).date().isoformat()
    assert shown(**{"from": week, "to": week}) == {"Верфь"}
    assert shown(kind="speaker") == {"Лектор"}


# --- the employer's dashboard ---


def test_employer_dashboard_bookings_visits_agreements_and_feed(app, world):
    from datetime import date

    from partnercrm.activities.services import set_headcount, set_named_participants
    from partnercrm.agreements.models import Agreement, AgreementParty

    agreement = Agreement(number="17-П", subject="Экскурсии", signed_on=date(2025, 9, 1))
    agreement.parties = [
        AgreementParty(organization=world.employer),
        AgreementParty(organization=world.school1),
    ]
    db.session.add(agreement)
    elsewhere = Agreement(number="99-Ч", subject="Чужой")
    elsewhere.parties = [AgreementParty(organization=world.school2)]
    db.session.add(elsewhere)
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)), school=world.school2
    )
    visit = ActivityFactory(
        host=world.employer, organizer=world.employer, title="Экскурсия на верфь"
    )
    set_named_participants(visit, world.school1, world.class_8a)
    set_headcount(visit, world.school2, grade=9, count=12)
    db.session.commit()
    page = client_for(app, world.employer_user).get("/dashboard").get_data(as_text=True)
    assert "Школа № 2" in page and f"/offers/bookings/{booking.id}" in page
    assert (
        "Экскурсия на верфь" in page and 'data-label="Participants">15</td>' in page
    )  # 3 named + 12 counted
    assert all(student.full_name not in page for student in world.class_8a)
    assert "17-П" in page and "99-Ч" not in page
    assert "/calendar" in page
    school_page = client_for(app, world.school1_user).get("/dashboard").get_data(as_text=True)
    assert "Upcoming bookings" not in school_page


# --- who may do what, by object id ---


@pytest.fixture
def objects(world):
    """One offer, booking and speaker request of the employer with school 1 (municipality 1)."""
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)),
        school=world.school1,
        status=BookingStatus.REQUESTED,
    )
    record = SpeakerRequestFactory(
        offer=SpeakerOfferFactory(organization=world.employer), school=world.school1
    )
    other = UserFactory(
        role=Role.EMPLOYER,
        organization=OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=world.m2),
    )
    pending = UserFactory(
        role=Role.EMPLOYER,
        organization=OrganizationFactory(
            kind=OrganizationKind.EMPLOYER,
            municipality=world.m1,
            approval_state=ApprovalState.PENDING,
        ),
    )
    db.session.commit()
    return {"booking": booking, "request": record, "other": other, "pending": pending}


# (who, page, expected status): GET pages of objects of the employer and school 1.
VIEW_MATRIX = [
    ("admin", "booking", 200),
    ("coordinator", "booking", 200),
    ("coordinator2", "booking", 404),
    ("employer_user", "booking", 200),
    ("school1_user", "booking", 200),
    ("school2_user", "booking", 404),
    ("college_user", "booking", 404),
    ("other", "booking", 404),
    ("center_user", "booking", 404),
    ("school2_user", "request", 404),
    ("other", "request", 404),
    ("coordinator2", "request", 404),
    ("school1_user", "request", 200),
    ("other", "edit", 404),
    ("college_user", "edit", 404),
    ("coordinator", "edit", 404),
    ("school1_user", "edit", 404),
    ("admin", "edit", 200),
    ("employer_user", "edit", 200),
]


def _user(world, objects, who):
    return objects[who] if who in objects else getattr(world, who)


@pytest.mark.parametrize(("who", "page", "expected"), VIEW_MATRIX)
def test_pages_by_role_and_object_id(app, world, objects, who, page, expected):
    booking, record = objects["booking"], objects["request"]
    url = {
        "booking": f"/offers/bookings/{booking.id}",
        "request": f"/offers/speaker-requests/{record.id}",
        "edit": f"/offers/{booking.slot.offer_id}/edit",
    }[page]
    client = client_for(app, _user(world, objects, who))
    assert client.get(url).status_code == expected


# (who, action, expected status): POSTs that must change nothing when refused.
ACTION_MATRIX = [
    ("other", "confirm", 404),
    ("school2_user", "cancel", 404),
    ("coordinator2", "cancel", 404),
    ("coordinator", "confirm", 403),
    ("school1_user", "confirm", 403),
    ("school1_user", "decline", 403),
    ("other", "accept", 404),
    ("school1_user", "accept", 403),
    ("school2_user", "withdraw", 404),
    ("employer_user", "withdraw", 403),
    ("other", "publish", 404),
    # An employer awaiting approval opens none of these pages.
    ("pending", "publish", 403),
]


@pytest.mark.parametrize(("who", "action", "expected"), ACTION_MATRIX)
def test_refused_actions_change_nothing(app, world, objects, who, action, expected, outbox):
    booking, record = objects["booking"], objects["request"]
    url = {
        "confirm": f"/offers/bookings/{booking.id}/confirm",
        "cancel": f"/offers/bookings/{booking.id}/cancel",
        "decline": f"/offers/bookings/{booking.id}/decline",
        "accept": f"/offers/speaker-requests/{record.id}/accept",
        "withdraw": f"/offers/speaker-requests/{record.id}/withdraw",
        "publish": f"/offers/{booking.slot.offer_id}/status",
    }[action]
    client = client_for(app, _user(world, objects, who))
    token = form_fields(client.get("/offers/").get_data(as_text=True)).get("csrf_token")
    response = client.post(url, data={"csrf_token": token, "reason": "x", "status": "closed"})
    assert response.status_code == expected
    db.session.expire_all()
    assert booking.status is BookingStatus.REQUESTED
    assert record.status is SpeakerRequestStatus.REQUESTED
    assert booking.slot.offer.status is OfferStatus.PUBLISHED
    assert outbox == []


def test_only_school_staff_book_and_only_offering_staff_create(app, world, objects):
    slot_id = objects["booking"].slot_id
    for who in ("employer_user", "coordinator", "college_user", "center_user"):
        client = client_for(app, getattr(world, who))
        assert client.get(f"/offers/slots/{slot_id}/book").status_code == 403, who
    for who, expected in (
        ("school1_user", 403),
        ("coordinator", 403),
        ("center_user", 403),
        ("employer_user", 200),
        ("college_user", 200),
    ):
        client = client_for(app, getattr(world, who))
        assert client.get("/offers/new").status_code == expected, who
    pending = client_for(app, objects["pending"])
    assert pending.get("/offers/new").status_code == 403


def test_lists_show_each_role_its_own(app, world, objects):
    booking = objects["booking"]
    mine = f"/offers/bookings/{booking.id}"
    for who, sees in (
        ("school1_user", True),
        ("school2_user", False),
        ("employer_user", True),
        ("other", False),
        ("coordinator", True),
        ("coordinator2", False),
        ("admin", True),
    ):
        client = client_for(app, _user(world, objects, who))
        assert (mine in client.get("/offers/bookings").get_data(as_text=True)) is sees, who
    # The staff list: the employer's own offers; other roles see the published ones.
    draft = OfferFactory(organization=world.employer, status=OfferStatus.DRAFT, topic="Секрет")
    db.session.commit()
    assert draft.topic in client_for(app, world.employer_user).get("/offers/").get_data(
        as_text=True
    )
    assert draft.topic not in client_for(app, objects["other"]).get("/offers/").get_data(
        as_text=True
    )
    assert draft.topic not in client_for(app, world.school1_user).get("/offers/").get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


# --- one unit of work: mail after the commit, a busy database ---


def test_a_booking_is_kept_only_with_its_unit_of_work(app, world):
    """The savepoint of ``book`` nests in the caller's transaction on SQLite too: a failure
    after the booking takes it back, seats and all."""
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work():
        bookings.book(slot, world.school1, bookings.BookingData(seats=2), "u" * 20, None, NOW)
        raise RuntimeError("a later step of the same request fails")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    assert seats_booked(slot.id) == (0, 0)


def test_a_refused_change_sends_no_mail(app, world, outbox):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)),
        school=world.school1,
        booked_by=world.school1_user,
        status=BookingStatus.REQUESTED,
    )
    db.session.commit()
    # A letter queued for a change that is then refused goes with the rollback.
    with pytest.raises(services.OfferError), unit_of_work():
        bookings.confirm_booking(booking, None, NOW)
        after_commit(partial(notify_booking, booking, by_host=True))
        raise services.OfferError(services.CHANGED_MEANWHILE)
    assert outbox == []
    # Through the pages: a refused decline (no reason), and a refused confirmation.
    past = BookingFactory(
        slot=SlotFactory(offer=booking.slot.offer, starts_at=NOW - timedelta(days=1)),
        school=world.school1,
        booked_by=world.school1_user,
        status=BookingStatus.REQUESTED,
    )
    db.session.commit()
    host = client_for(app, world.employer_user)
    token = form_fields(host.get(f"/offers/bookings/{booking.id}").get_data(as_text=True))
    host.post(f"/offers/bookings/{booking.id}/decline", data={**token, "reason": " "})
    page = host.post(f"/offers/bookings/{past.id}/confirm", data=token, follow_redirects=True)
    assert "This date has passed." in page.get_data(as_text=True)
    db.session.expire_all()
    assert (booking.status, booking.activity_id) == (BookingStatus.REQUESTED, None)
    assert (past.status, past.activity_id) == (BookingStatus.REQUESTED, None)
    assert outbox == []


def test_the_letter_goes_after_the_commit_and_its_failure_keeps_the_change(
    app, world, outbox, monkeypatch, caplog
):
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)),
        school=world.school1,
        booked_by=world.school1_user,
        status=BookingStatus.REQUESTED,
    )
    db.session.commit()
    booking_id = booking.id
    seen = []

    def broken_mail_server(to, subject, body):
        # Another connection reads what the database has: the change is committed already.
        with db.engine.connect() as connection:
            seen.append(
                connection.scalar(sa.select(Booking.status).where(Booking.id == booking_id))
            )
        raise RuntimeError("the mail server hung up")

    monkeypatch.setattr(notifications, "send_mail", broken_mail_server)
    host = client_for(app, world.employer_user)
    token = form_fields(host.get(f"/offers/bookings/{booking_id}").get_data(as_text=True))
    response = host.post(f"/offers/bookings/{booking_id}/confirm", data=token)
    assert response.status_code == 302
    assert seen == [BookingStatus.CONFIRMED]
    assert "the mail server hung up" in caplog.text
    db.session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.activity.status is ActivityStatus.PLANNED
    page = host.get(response.location).get_data(as_text=True)
    assert "The booking is confirmed; the excursion is planned." in page
    assert outbox == []


@pytest.fixture
def busy_app(app, make_app):
    """An app on the test database that waits a moment only for SQLite's write lock."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return make_app(
        {
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.2}},
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "locmem",
        }
    )


@contextmanager
def write_lock_held(app):
    """Another process holds SQLite's write lock (as a long import would)."""
    holder = sqlite3.connect(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.rollback()
        holder.close()


TRY_AGAIN = "Подождите немного и повторите попытку."


def test_a_locked_sqlite_database_answers_try_again_for_a_booking(app, busy_app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    db.session.commit()
    school = scoped_client(busy_app)
    sign_in(school, world.school1_user, lang=None)
    data = booking_data(school, slot.id)
    with write_lock_held(app):
        response = school.post(f"/offers/slots/{slot.id}/book", data=data)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert TRY_AGAIN in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0
    assert seats_booked(slot.id) == (0, 0)
    # Sent again once the lock is gone, the same form books.
    assert school.post(f"/offers/slots/{slot.id}/book", data=data).status_code == 302
    assert seats_booked(slot.id) == (3, 3)


def test_a_locked_sqlite_database_answers_try_again_for_any_write(app, busy_app, world):
    offer = OfferFactory(organization=world.employer)
    db.session.commit()
    employer = scoped_client(busy_app)
    sign_in(employer, world.employer_user, lang=None)
    token = form_fields(employer.get(f"/offers/{offer.id}").get_data(as_text=True))
    with write_lock_held(app):
        response = employer.post(f"/offers/{offer.id}/status", data={**token, "status": "closed"})
    assert response.status_code == 503
    assert TRY_AGAIN in response.get_data(as_text=True)
    db.session.expire_all()
    assert offer.status is OfferStatus.PUBLISHED


def test_demo_offers_are_made_once(app, world):
    from partnercrm.offers.demo import EMPLOYER_USER, SCHOOL_USER, load_demo_offers

    world.employer_user.email, world.school1_user.email = EMPLOYER_USER, SCHOOL_USER
    world.employer.address = "г. Калининград, ул. Guest, 1"
    assert load_demo_offers() == {"offers": 2, "bookings": 3}
    db.session.commit()
    assert load_demo_offers() == {"offers": 0, "bookings": 0}
    offers = db.session.scalars(sa.select(Offer).order_by(Offer.id)).all()
    assert [(o.kind, o.status) for o in offers] == [
        (OfferKind.EXCURSION, OfferStatus.PUBLISHED),
        (OfferKind.SPEAKER, OfferStatus.PUBLISHED),
    ]
    series = db.session.scalars(sa.select(Booking).order_by(Booking.id)).all()
    assert {booking.school_id for booking in series} == {world.school1.id}
    assert [booking.status for booking in series] == [
        BookingStatus.REQUESTED,
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
    ]
    assert series[1].activity is not None and series[2].cancel_reason


def test_every_page_renders_for_each_role(app, world, objects):
    booking, record = objects["booking"], objects["request"]
    pages = [
        "/offers/",
        "/offers/?status=published&kind=excursion&q=кор&municipality=1",
        "/offers/bookings?when=upcoming&status=requested",
        "/offers/bookings?when=past",
        "/offers/speaker-requests?when=upcoming",
        f"/offers/{booking.slot.offer_id}",
        f"/offers/{record.offer_id}",
        "/offers/public?from=bad&grade=99",
        "/dashboard",
    ]
    for who in ("admin", "coordinator", "school1_user", "employer_user", "center_user"):
        client = client_for(app, getattr(world, who))
        for page in pages:
            assert client.get(page).status_code == 200, (who, page)
    employer = client_for(app, world.employer_user)
    assert employer.get(f"/offers/{record.offer_id}/edit").status_code == 200
    assert employer.get("/offers/new?kind=speaker").status_code == 200
    school = client_for(app, world.school1_user)
    assert school.get(f"/offers/{record.offer_id}/request-speaker").status_code == 200
    assert "Профессии" in school.get(f"/offers/{record.offer_id}").get_data(as_text=True)


# --- the booking form of a school (issue #15, item 15) ---


def test_the_booking_form_offers_the_schools_classes_and_prefills_the_contact(app, world):
    StudentFactory(school=world.school1, grade=5, class_letter="В")  # below the offer's grades
    world.school1.phone = "+7 4012 55-66-77"
    slot = SlotFactory(offer=OfferFactory(organization=world.employer, grade_min=7, grade_max=9))
    db.session.commit()
    school = client_for(app, world.school1_user)
    page = school.get(f"/offers/slots/{slot.id}/book").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="school_class".*?</select>', page, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["8А", "8Б"]
    assert 'name="grade"' not in page and 'name="class_letter"' not in page
    user = world.school1_user
    contact = f"{user.full_name}, +7 4012 55-66-77, {user.email}"
    assert f'value="{contact}"' in html.unescape(page).replace("&#34;", '"')
    response = school.post(
        f"/offers/slots/{slot.id}/book",
        data=booking_data(school, slot.id, school_class="8|Б", contact=contact),
    )
    assert response.status_code == 302
    booking = db.session.scalars(sa.select(Booking)).one()
    assert (booking.grade, booking.class_letter, booking.contact) == (8, "Б", contact)


def test_a_school_without_a_roster_types_the_grade_and_letter(app, world):
    slot = SlotFactory(offer=OfferFactory(organization=world.employer))
    db.session.commit()
    # School 3 has no students on its roster.
    school = client_for(app, world.school3_user)
    page = school.get(f"/offers/slots/{slot.id}/book").get_data(as_text=True)
    assert 'name="school_class"' not in page and 'name="grade"' in page
    data = {**booking_data(school, slot.id), "grade": "9", "class_letter": "В"}
    assert school.post(f"/offers/slots/{slot.id}/book", data=data).status_code == 302
    booking = db.session.scalars(sa.select(Booking)).one()
    assert (booking.grade, booking.class_letter) == (9, "В")
