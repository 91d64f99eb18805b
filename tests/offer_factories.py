"""Factories for offers, their slots, bookings and speaker requests."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import factory

from partnercrm.directory.rules import OrganizationKind
from partnercrm.localtime import local_date
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus
from tests.factories import BaseFactory, OrganizationFactory

# Tests freeze time here (time_machine), so "ahead" and "past" never depend on the clock.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class OfferFactory(BaseFactory):
    """A published excursion offer of an employer, grades 8–11, needing confirmation."""

    class Meta:
        model = Offer

    kind = OfferKind.EXCURSION
    organization = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.EMPLOYER)
    municipality = factory.LazyAttribute(lambda o: o.organization.municipality)
    status = OfferStatus.PUBLISHED
    topic = factory.Sequence(lambda n: f"Как строят корабли {n}")
    address = "г. Калининград, ул. Гагарина, 1"
    grade_min = 8
    grade_max = 11
    requires_confirmation = True


class SlotFactory(BaseFactory):
    """A slot a week after NOW, 10 seats."""

    class Meta:
        model = OfferSlot

    offer = factory.SubFactory(OfferFactory)
    starts_at = NOW + timedelta(days=7)
    starts_on = factory.LazyAttribute(lambda s: local_date(s.starts_at))
    capacity = 10
    booked_seats = 0


class BookingFactory(BaseFactory):
    """A confirmed booking of 5 seats; it holds them (``booked_seats`` follows)."""

    class Meta:
        model = Booking

    slot = factory.SubFactory(SlotFactory)
    school = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    seats = 5
    grade = 8
    status = BookingStatus.CONFIRMED
    request_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))

    @factory.post_generation
    def hold_seats(booking, create, extracted, **kwargs):
        if booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            booking.slot.booked_seats += booking.seats


class SpeakerOfferFactory(OfferFactory):
    kind = OfferKind.SPEAKER
    topic = factory.Sequence(lambda n: f"Профессии морского порта {n}")
    availability = "Будни после 17:00"


class SpeakerRequestFactory(BaseFactory):
    class Meta:
        model = SpeakerRequest

    offer = factory.SubFactory(SpeakerOfferFactory)
    school = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    starts_at = NOW + timedelta(days=10)
    request_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
