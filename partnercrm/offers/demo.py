"""Demo offers: the demo employer (employer@) publishes an excursion with a few dates in the
coming weeks and a speaker for parent meetings; the demo school (school@) books a series of
dates for its classes: one booking waits for the employer's confirmation (a step to show
live), one is confirmed (which planned its excursion), one was cancelled by the school with
its reason.

Idempotent: an offer is found again by its organization and topic, a booking by its form key.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.localtime import local_today, to_utc
from partnercrm.offers import bookings, services
from partnercrm.offers.models import Offer
from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus

EMPLOYER_USER = "employer@demo.partnercrm.ru"
SCHOOL_USER = "school@demo.partnercrm.ru"
BOOKING_KEY = "demo-booking-school-kgd-49"
# The series: (form key, class, seats, what became of it), one per excursion date in order.
BOOKINGS = (
    (BOOKING_KEY, (8, "А"), 12, BookingStatus.REQUESTED),
    ("demo-booking-school-kgd-49-9a", (9, "А"), 10, BookingStatus.CONFIRMED),
    ("demo-booking-school-kgd-49-10a", (10, "А"), 8, BookingStatus.CANCELLED),
)
CANCEL_REASON = "Класс едет на олимпиаду в этот день; запишемся на другую дату."
EXCURSION_TOPIC = "Как строят корабли: экскурсия по стапелю и сборочному цеху"
SPEAKER_TOPIC = "Рабочие профессии судостроения: сварщик, судосборщик, электромонтажник"
# Weeks from today of the excursion dates, at 10:00 local time.
EXCURSION_WEEKS = (2, 3, 5)
SEATS_PER_DATE = 15


def _offer(
    organization: Organization, kind: OfferKind, data: services.OfferData, by: User
) -> tuple[Offer, bool]:
    offer = db.session.scalar(
        sa.select(Offer).where(Offer.organization_id == organization.id, Offer.topic == data.topic)
    )
    if offer is not None:
        return offer, False
    offer = services.create_offer(organization, kind, data, by, utcnow())
    services.set_offer_status(offer, OfferStatus.PUBLISHED, utcnow())
    return offer, True


def load_demo_offers() -> dict[str, int]:
    """Create what is missing; the caller commits. Needs the demo accounts."""
    employer_user = db.session.scalar(sa.select(User).where(User.email == EMPLOYER_USER))
    school_user = db.session.scalar(sa.select(User).where(User.email == SCHOOL_USER))
    if employer_user is None or school_user is None:
        return {"offers": 0, "bookings": 0}
    employer, school = employer_user.organization, school_user.organization
    if employer is None or school is None:  # the demo accounts belong to organizations
        return {"offers": 0, "bookings": 0}
    today = local_today()
    excursion, added_excursion = _offer(
        employer,
        OfferKind.EXCURSION,
        services.OfferData(
            topic=EXCURSION_TOPIC,
            municipality=employer.municipality,
            profession="Судосборщик, сварщик",
            description="Знакомство с заводом: стапель, сборочный цех, рассказ мастера о работе.",
            address=employer.address,
            grade_min=8,
            grade_max=11,
            safety_notes="Закрытая обувь, без украшений; каски выдаются на месте. С 14 лет.",
            requires_confirmation=True,
            slots=[
                services.SlotData(
                    starts_at=to_utc(datetime.combine(today + timedelta(weeks=weeks), time(10))),
                    ends_at=to_utc(datetime.combine(today + timedelta(weeks=weeks), time(12))),
                    capacity=SEATS_PER_DATE,
                )
                for weeks in EXCURSION_WEEKS
            ],
        ),
        employer_user,
    )
    _speaker, added_speaker = _offer(
        employer,
        OfferKind.SPEAKER,
        services.OfferData(
            topic=SPEAKER_TOPIC,
            municipality=employer.municipality,
            profession="Сварщик",
            availability="Будни после 17:00, с октября по апрель.",
            description="Мастер участка расскажет родителям о профессиях и обучении на заводе.",
        ),
        employer_user,
    )
    added = {"offers": int(added_excursion) + int(added_speaker), "bookings": 0}
    now = utcnow()
    ahead = [slot for slot in excursion.slots if slot.starts_at > now]
    for slot, (key, (grade, letter), seats, outcome) in zip(ahead, BOOKINGS, strict=False):
        if bookings.booking_for_key(key) is not None:
            continue
        booking = bookings.book(
            slot,
            school,
            bookings.BookingData(
                seats=seats, grade=grade, class_letter=letter, contact="Смирнова О. Н."
            ),
            key,
            school_user,
            now,
        )
        if outcome is BookingStatus.CONFIRMED:
            bookings.confirm_booking(booking, employer_user, now)
        elif outcome is BookingStatus.CANCELLED:
            bookings.end_booking(booking, outcome, CANCEL_REASON, school_user, now)
        added["bookings"] += 1
    return added
