"""Factories and helpers of the employer registration tests."""

from __future__ import annotations

import re

import factory

from partnercrm.database import utcnow
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.portal.models import Registration
from partnercrm.portal.rules import RegistrationStatus
from tests.factories import BaseFactory, OrganizationFactory, password_hash

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def valid_inn(n: int) -> str:
    """A 10-digit INN with a valid check digit, different for every ``n``."""
    digits = [int(c) for c in f"39{n:07d}"]
    check = sum(d * w for d, w in zip(digits, _INN10_WEIGHTS, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


class PendingEmployerFactory(OrganizationFactory):
    kind = OrganizationKind.EMPLOYER
    approval_state = ApprovalState.PENDING
    inn = factory.Sequence(lambda n: valid_inn(500 + n))
    code = factory.LazyAttribute(lambda o: o.inn)
    industry = "Логистика"
    website = "https://example.org"
    address = "г. Калининград, ул. Портовая, 1"


class RegistrationFactory(BaseFactory):
    """A confirmed application for a new pending organization (no account made)."""

    class Meta:
        model = Registration

    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Заявитель {n}")
    position = "Директор"
    phone = "+7 4012 000000"
    password_hash = factory.LazyFunction(password_hash)
    organization = factory.SubFactory(PendingEmployerFactory)
    joins_existing = False
    status = RegistrationStatus.PENDING
    confirmed_at = factory.LazyFunction(utcnow)


def link_in(message) -> str:
    """The path of the (first) link of this site in a mail message."""
    match = re.search(r"https?://partnercrm\.test(/\S+)", message.body)
    assert match, f"no link in {message.body!r}"
    return match.group(1)
