"""Factories for the calendar feed tests: agreements with parties (offers, slots, bookings and
holiday jobs come from tests/offer_factories.py and tests/job_factories.py)."""

from __future__ import annotations

from datetime import date

import factory

from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.extensions import db
from tests.factories import BaseFactory


class AgreementFactory(BaseFactory):
    """A signed agreement that ends on 30 June 2026."""

    class Meta:
        model = Agreement

    number = factory.Sequence(lambda n: f"{n}/2026")
    subject = "Экскурсии, профпробы; наставничество"
    signed_on = date(2025, 9, 1)
    valid_from = date(2025, 9, 1)
    valid_to = date(2026, 6, 30)


def agreement_between(*organizations, **values) -> Agreement:
    agreement = AgreementFactory(**values)
    agreement.parties = [AgreementParty(organization=o) for o in organizations]
    db.session.flush()
    return agreement
