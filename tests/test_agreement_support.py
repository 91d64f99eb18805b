"""Helpers of the agreement tests (no tests here): a request-scoped client, logging in, a world
of organizations and users in two municipalities, agreements made directly."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from partnercrm.accounts.rules import Role
from partnercrm.agreements.models import Agreement, AgreementKind, AgreementParty
from partnercrm.agreements.rules import CooperationKind
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import REGION_TZ
from tests.conftest import RequestScopedClient, request_scoped_client
from tests.factories import PASSWORD, MunicipalityFactory, OrganizationFactory, UserFactory

# Tests that depend on "today" run at noon local time on this day.
TODAY = date(2021, 6, 1)
NOON = datetime(2021, 6, 1, 12, 0, tzinfo=REGION_TZ)


def token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def client_for(app, user, lang: str | None = None) -> RequestScopedClient:
    """A client logged in as ``user`` (None: anonymous), in ``lang`` if given."""
    client = request_scoped_client(app)
    if lang:
        with client.session_transaction() as session:
            session["lang"] = lang
    if user is not None:
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token(client)},
        )
        assert response.status_code == 302, "login failed"
    return client


class World:
    """Two municipalities; a school and an employer in the first, a college in the second;
    one user of every role; an outsider school and employer."""

    def __init__(self):
        self.north = MunicipalityFactory(name="Северный")
        self.south = MunicipalityFactory(name="Южный")
        self.school = OrganizationFactory(
            kind=OrganizationKind.SCHOOL,
            municipality=self.north,
            name="Школа № 1",
            code="SCH1",
            email="school1@example.org",
        )
        self.employer = OrganizationFactory(
            kind=OrganizationKind.EMPLOYER,
            municipality=self.north,
            name="Завод Янтарь",
            code="EMP1",
            email="hr@yantar.example.org",
        )
        self.college = OrganizationFactory(
            kind=OrganizationKind.COLLEGE,
            municipality=self.south,
            name="Колледж сервиса",
            code="COL1",
        )
        self.other_school = OrganizationFactory(
            kind=OrganizationKind.SCHOOL, municipality=self.north, name="Школа № 2", code="SCH2"
        )
        self.other_employer = OrganizationFactory(
            kind=OrganizationKind.EMPLOYER,
            municipality=self.south,
            name="Рыбзавод",
            code="EMP2",
        )
        self.admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
        self.coordinator = UserFactory(
            role=Role.COORDINATOR, municipality=self.north, email="coord.north@example.org"
        )
        self.south_coordinator = UserFactory(
            role=Role.COORDINATOR, municipality=self.south, email="coord.south@example.org"
        )
        self.school_user = UserFactory(
            role=Role.SCHOOL, organization=self.school, email="teacher@school1.example.org"
        )
        self.employer_user = UserFactory(
            role=Role.EMPLOYER, organization=self.employer, email="boss@yantar.example.org"
        )
        self.college_user = UserFactory(
            role=Role.COLLEGE, organization=self.college, email="dean@college.example.org"
        )
        self.other_school_user = UserFactory(
            role=Role.SCHOOL, organization=self.other_school, email="teacher@school2.example.org"
        )
        self.other_employer_user = UserFactory(
            role=Role.EMPLOYER, organization=self.other_employer, email="boss@fish.example.org"
        )
        db.session.commit()


@pytest.fixture(name="world")
def world_fixture(app) -> World:
    return World()


def make_agreement(
    parties,
    number: str = "1-СП",
    subject: str = "Сотрудничество в профориентации",
    signed_on: date | None = date(2021, 1, 15),
    valid_from: date | None = None,
    valid_to: date | None = date(2022, 12, 31),
    terminated_on: date | None = None,
    termination_reason: str | None = None,
    kinds=(CooperationKind.EXCURSIONS,),
    commit: bool = True,
) -> Agreement:
    """An agreement made directly (no checks): ``parties`` are organizations or
    (organization, role) pairs."""
    agreement = Agreement(
        number=number,
        subject=subject,
        signed_on=signed_on,
        valid_from=valid_from,
        valid_to=valid_to,
        terminated_on=terminated_on,
        termination_reason=termination_reason,
    )
    for party in parties:
        organization, role = party if isinstance(party, tuple) else (party, None)
        agreement.parties.append(AgreementParty(organization=organization, role=role))
    for kind in kinds:
        agreement.kinds.append(AgreementKind(kind=kind))
    db.session.add(agreement)
    db.session.flush()
    if commit:
        db.session.commit()
    return agreement
