"""Employer self-registration: sign-up, e-mail confirmation, join requests, the approval queue
and its decisions, through the pages as people use them (docs/portal.md)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.access.base import employer_may_act
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.portal.models import Registration
from partnercrm.portal.rules import (
    CONFIRMATION_MAX_AGE,
    RegistrationStatus,
    SignUpPath,
    sign_up_path,
)
from tests.conftest import csrf_token, request_scoped_client
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.portal_factories import RegistrationFactory, link_in, valid_inn

K = OrganizationKind
A = ApprovalState
NEW_PASSWORD = "amber coast 2025"  # noqa: S105


# --- the pure rule ---


@pytest.mark.parametrize(
    ("kind", "state", "has_applicant", "expected"),
    [
        (None, None, False, SignUpPath.APPLY),
        (K.EMPLOYER, A.PENDING, False, SignUpPath.APPLY),
        (K.EMPLOYER, A.PENDING, True, SignUpPath.JOIN),
        (K.EMPLOYER, A.APPROVED, False, SignUpPath.JOIN),
        (K.EMPLOYER, A.APPROVED, True, SignUpPath.JOIN),
        (K.EMPLOYER, A.DECLINED, True, SignUpPath.DECLINED),
        (K.EMPLOYER, A.DECLINED, False, SignUpPath.DECLINED),
        (K.COLLEGE, None, True, SignUpPath.NOT_EMPLOYER),
        (K.SCHOOL, None, False, SignUpPath.NOT_EMPLOYER),
    ],
)
def test_sign_up_path(kind, state, has_applicant, expected):
    assert sign_up_path(kind, state, has_applicant) is expected


# --- helpers ---


@pytest.fixture
def place(app):
    here = MunicipalityFactory(name="Калининград")
    there = MunicipalityFactory(name="Гусевский")
    people = SimpleNamespace(
        here=here,
        there=there,
        coordinator=UserFactory(role=Role.COORDINATOR, municipality=here),
        other_coordinator=UserFactory(role=Role.COORDINATOR, municipality=there),
        admin=UserFactory(role=Role.ADMIN),
    )
    db.session.commit()
    return people


def browser(app, user=None, password=None):
    """A client in English (assertions read the msgids), logged in as ``user`` if given."""
    from tests.factories import PASSWORD

    client = request_scoped_client(app)
    if user is not None:
        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": password or PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
        assert response.status_code == 302, "login failed"
    token = csrf_token(client, "/dashboard" if user else "/login")
    client.post("/language", data={"lang": "en", "csrf_token": token})
    return client


def sign_up_form(where, **changes) -> dict:
    data = {
        "name": "ООО «Балтийская логистика»",
        "inn": valid_inn(1),
        "municipality": str(where.id),
        "industry": "Логистика",
        "address": "г. Калининград, ул. Портовая, 5",
        "website": "baltlog.example",
        "full_name": "Орлова Анна Петровна",
        "position": "Менеджер по персоналу",
        "phone": "+7 900 000-00-00",
        "email": "Anna@Baltlog.example",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "consent": "y",
    }
    data.update(changes)
    return data


def sign_up(client, data):
    return client.post("/sign-up", data={**data, "csrf_token": csrf_token(client, "/sign-up")})


def confirm(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def one_registration(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalars(sa.select(Registration).where(Registration.email == email)).one()


def applied(app, place, outbox, **changes) -> tuple[Registration, SimpleNamespace]:
    """Sign up and confirm a new organization; returns the registration and the applicant's
    (logged-in) client."""
    client = browser(app)
    data = sign_up_form(place.here, **changes)
    assert sign_up(client, data).status_code == 200
    response = confirm(client, link_in(outbox[-1]))
    assert response.status_code == 302
    return one_registration(data["email"].lower()), client


def decide(client, registration, action, **data):
    path = f"/approvals/{registration.id}/{action}"
    token = csrf_token(client, f"/approvals/{registration.id}")
    return client.post(path, data={**data, "csrf_token": token})


# --- the whole flow ---


def test_sign_up_confirm_log_in_pending_then_approved(app, place, outbox):
    client = browser(app)
    assert 'href="/sign-up"' in client.get("/login").get_data(as_text=True)
    data = sign_up_form(place.here)
    page = sign_up(client, data)
    assert page.status_code == 200
    assert "We have sent a letter to anna@baltlog.example" in page.get_data(as_text=True)

    registration = one_registration("anna@baltlog.example")
    organization = registration.organization
    assert (organization.kind, organization.approval_state, organization.code) == (
        K.EMPLOYER,
        A.PENDING,
        valid_inn(1),
    )
    assert (organization.inn, organization.website, organization.industry) == (
        valid_inn(1),
        "https://baltlog.example",
        "Логистика",
    )
    assert registration.confirmed_at is None and registration.user is None
    assert [m.to for m in outbox] == [["anna@baltlog.example"]]

    coordinator = browser(app, place.coordinator)
    # Unconfirmed registrations are nobody's business yet.
    assert "Балтийская" not in coordinator.get("/approvals").get_data(as_text=True)
    assert coordinator.get(f"/approvals/{registration.id}").status_code == 404

    link = link_in(outbox[0])
    assert "Confirm" in client.get(link).get_data(as_text=True)
    assert fresh(registration).confirmed_at is None  # opening the link confirms nothing
    response = confirm(client, link)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    registration = fresh(registration)
    user = registration.user
    assert registration.confirmed_at is not None
    assert (user.email, user.role, user.organization_id, user.full_name) == (
        "anna@baltlog.example",
        Role.EMPLOYER,
        organization.id,
        "Орлова Анна Петровна",
    )
    assert not employer_may_act(user)
    assert 'data-approval="pending"' in client.get("/dashboard").get_data(as_text=True)

    # The password chosen at sign-up logs in; the dashboard says the organization waits.
    again = browser(app, user, NEW_PASSWORD)
    assert 'data-approval="pending"' in again.get("/dashboard").get_data(as_text=True)

    queue = coordinator.get("/approvals").get_data(as_text=True)
    assert "ООО «Балтийская логистика»" in queue and "anna@baltlog.example" in queue
    dashboard = coordinator.get("/dashboard").get_data(as_text=True)
    assert 'href="/approvals"' in dashboard
    page = coordinator.get(f"/approvals/{registration.id}").get_data(as_text=True)
    for shown in (
        valid_inn(1),
        "check digits valid",
        "https://baltlog.example",
        "г. Калининград, ул. Портовая, 5",
        "Логистика",
        "Орлова Анна Петровна",
        "Менеджер по персоналу",
        "+7 900 000-00-00",
        "Existing agreements",
    ):
        assert shown in page

    response = decide(coordinator, registration, "approve")
    assert response.status_code == 302 and response.location.endswith("/approvals")
    registration = fresh(registration)
    assert registration.organization.approval_state is A.APPROVED
    assert registration.status is RegistrationStatus.APPROVED
    assert registration.decided_by_id == place.coordinator.id
    letter = outbox[-1]
    assert letter.to == ["anna@baltlog.example"]
    assert link_in(letter) == "/login"
    assert employer_may_act(registration.user)
    assert "data-approval" not in again.get("/dashboard").get_data(as_text=True)
    assert "Балтийская" not in coordinator.get("/approvals").get_data(as_text=True)


def test_declined_with_a_reason_the_applicant_is_told_and_the_inn_is_closed(app, place, outbox):
    registration, applicant = applied(app, place, outbox)
    coordinator = browser(app, place.coordinator)

    response = decide(coordinator, registration, "decline", reason="  ")
    assert response.status_code == 400
    assert "Give the reason for declining." in response.get_data(as_text=True)
    assert fresh(registration).organization.approval_state is A.PENDING

    decide(coordinator, registration, "decline", reason="Нет такой организации в ЕГРЮЛ.")
    registration = fresh(registration)
    assert registration.organization.approval_state is A.DECLINED
    assert registration.organization.decline_reason == "Нет такой организации в ЕГРЮЛ."
    assert registration.status is RegistrationStatus.DECLINED
    letter = outbox[-1]
    assert letter.to == ["anna@baltlog.example"]
    assert "Нет такой организации в ЕГРЮЛ." in letter.body
    dashboard = applicant.get("/dashboard").get_data(as_text=True)
    assert 'data-approval="declined"' in dashboard and "Нет такой организации" in dashboard
    # A second decision is refused.
    assert decide(coordinator, registration, "approve").status_code == 302
    assert fresh(registration).organization.approval_state is A.DECLINED

    # Nobody signs the declined INN up again, not even under another name and e-mail.
    organizations, registrations, letters = count(Organization), count(Registration), len(outbox)
    page = sign_up(
        browser(app),
        sign_up_form(place.here, email="someone@else.example", name="ООО «Другое»"),
    ).get_data(as_text=True)
    assert "contact the Ministry of Education" in page
    assert (count(Organization), count(Registration), len(outbox)) == (
        organizations,
        registrations,
        letters,
    )

    # An admin re-opens it by setting the approval back (Administration → Organizations):
    # it is in the queue again and can be approved.
    registration.organization.approval_state = A.PENDING
    db.session.commit()
    admin = browser(app, place.admin)
    assert "Балтийская" in admin.get("/approvals").get_data(as_text=True)
    decide(admin, registration, "approve")
    registration = fresh(registration)
    assert registration.organization.approval_state is A.APPROVED
    assert registration.organization.decline_reason is None


# --- join requests ---


@pytest.fixture
def approved_employer(place):
    organization = OrganizationFactory(
        kind=K.EMPLOYER, inn=valid_inn(7), code="emp-7", municipality=place.here
    )
    staff = UserFactory(role=Role.EMPLOYER, organization=organization, email="boss@firm.example")
    db.session.commit()
    return SimpleNamespace(organization=organization, staff=staff)


def ask_to_join(app, place, outbox, organization, email="newbie@firm.example"):
    client = browser(app)
    page = sign_up(client, sign_up_form(place.here, inn=organization.inn, email=email))
    assert f"{organization.name} is already registered" in page.get_data(as_text=True)
    assert confirm(client, link_in(outbox[-1])).status_code == 200
    return one_registration(email)


def test_existing_inn_is_a_join_request_decided_by_the_organizations_user(
    app, place, outbox, approved_employer
):
    organizations = count(Organization)
    registration = ask_to_join(app, place, outbox, approved_employer.organization)
    assert count(Organization) == organizations
    assert (
        registration.joins_existing and registration.organization == approved_employer.organization
    )
    assert registration.user is None
    assert find_user("newbie@firm.example") is None
    # The organization's user is told, and sees the request.
    assert outbox[-1].to == ["boss@firm.example"]
    assert link_in(outbox[-1]) == f"/approvals/{registration.id}"

    staff = browser(app, approved_employer.staff)
    assert 'href="/approvals"' in staff.get("/dashboard").get_data(as_text=True)
    assert "newbie@firm.example" in staff.get("/approvals").get_data(as_text=True)
    decide(staff, registration, "approve")
    user = find_user("newbie@firm.example")
    assert (user.role, user.organization_id) == (Role.EMPLOYER, approved_employer.organization.id)
    assert fresh(registration).status is RegistrationStatus.APPROVED
    assert outbox[-1].to == ["newbie@firm.example"] and link_in(outbox[-1]) == "/login"
    # The password chosen at sign-up works.
    joined = browser(app, user, NEW_PASSWORD)
    assert "data-approval" not in joined.get("/dashboard").get_data(as_text=True)


def test_a_join_request_declined_by_the_coordinator(app, place, outbox, approved_employer):
    registration = ask_to_join(app, place, outbox, approved_employer.organization)
    coordinator = browser(app, place.coordinator)
    decide(coordinator, registration, "decline", reason="Не сотрудник организации.")
    assert fresh(registration).status is RegistrationStatus.DECLINED
    assert find_user("newbie@firm.example") is None
    assert approved_employer.organization.approval_state is A.APPROVED
    assert outbox[-1].to == ["newbie@firm.example"]
    assert "Не сотрудник организации." in outbox[-1].body
    # Decided: out of the queue; its page shows the decision.
    assert "newbie" not in coordinator.get("/approvals").get_data(as_text=True)
    page = coordinator.get(f"/approvals/{registration.id}").get_data(as_text=True)
    assert "Declined" in page and "Не сотрудник организации." in page
    assert f"/approvals/{registration.id}/approve" not in page


def test_employer_users_decide_only_their_own_organizations_join_requests(
    app, place, outbox, approved_employer
):
    registration = ask_to_join(app, place, outbox, approved_employer.organization)
    application = RegistrationFactory(organization__municipality=place.here)
    stranger = UserFactory(role=Role.EMPLOYER)
    pending_staff = UserFactory(role=Role.EMPLOYER, organization=application.organization)
    school = UserFactory(role=Role.SCHOOL)
    db.session.commit()

    staff = browser(app, approved_employer.staff)
    # Not the application of another organization.
    assert staff.get(f"/approvals/{application.id}").status_code == 404
    assert decide(staff, application, "approve").status_code == 404
    # Another employer's queue is empty; a pending employer has none.
    assert "newbie" not in browser(app, stranger).get("/approvals").get_data(as_text=True)
    assert browser(app, pending_staff).get("/approvals").status_code == 403
    # Not found for another employer; a pending employer opens none of these pages (403).
    for user, status in ((stranger, 404), (pending_staff, 403)):
        client = browser(app, user)
        assert client.get(f"/approvals/{registration.id}").status_code == status
        assert decide(client, registration, "approve").status_code == status
    assert browser(app, school).get("/approvals").status_code == 403
    assert fresh(registration).status is RegistrationStatus.PENDING
    assert fresh(application).organization.approval_state is A.PENDING


def find_user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


# --- a known e-mail: the same answer, and a letter to its owner ---

KNOWN = "known@firm.example"


def known_address(kind: str) -> None:
    """Give ``KNOWN`` an account, or a registration in progress (confirmed or not)."""
    if kind == "account":
        UserFactory(email=KNOWN, role=Role.EMPLOYER)
    else:
        RegistrationFactory(
            email=KNOWN, confirmed_at=utcnow() if kind == "confirmed registration" else None
        )
    db.session.commit()


def same_page(response, email: str) -> tuple[int, str]:
    """The status and the page, its CSRF tokens, nonces and the e-mail it repeats taken out."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    html = re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]*"', "CSRF", html)
    return response.status_code, re.sub(r'nonce="[^"]*"', "NONCE", html)


@pytest.mark.parametrize("path", ["new organization", "join"])
@pytest.mark.parametrize("kind", ["account", "confirmed registration", "unconfirmed registration"])
def test_a_known_e_mail_gets_the_same_page_and_its_owner_a_letter(
    app, place, outbox, approved_employer, kind, path
):
    known_address(kind)
    inn = valid_inn(31) if path == "new organization" else approved_employer.organization.inn
    before = count(Organization), count(Registration), count(User)

    known = sign_up(browser(app), sign_up_form(place.here, inn=inn, email=KNOWN.upper()))
    # Nothing is made for a known e-mail; its owner is told instead.
    assert (count(Organization), count(Registration), count(User)) == before
    [letter] = outbox
    assert letter.to == [KNOWN]
    assert (
        letter.subject == "Кто-то пытался зарегистрироваться в PartnerCRM с вашим адресом эл. почты"
    )
    assert KNOWN in letter.body
    if kind == "account":
        assert link_in(letter) == "/login"
        assert "забыли пароль" in letter.body
    else:
        assert "продолжите эту регистрацию" in letter.body

    # The same sign-up with an unknown e-mail (the same path: the known one made nothing).
    unknown = sign_up(browser(app), sign_up_form(place.here, inn=inn, email="new@firm.example"))
    assert same_page(known, KNOWN) == same_page(unknown, "new@firm.example")
    assert known.status_code == 200
    assert "We have sent a letter to" in unknown.get_data(as_text=True)
    assert outbox[-1].to == ["new@firm.example"]
    assert "/sign-up/confirm/" in link_in(outbox[-1])
    assert one_registration("new@firm.example").joins_existing is (path == "join")


def test_a_known_and_an_unknown_e_mail_cost_the_same_work(app, place, outbox, monkeypatch):
    """No fast path: the password is hashed for a known e-mail too (the answer takes as long)."""
    from partnercrm.portal import services

    known_address("account")
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(
        services, "hash_password", lambda password: hashed.append(1) or real(password)
    )
    sign_up(browser(app), sign_up_form(place.here, email=KNOWN))
    assert hashed == [1]
    sign_up(browser(app), sign_up_form(place.here, email="new@firm.example"))
    assert hashed == [1, 1]
    assert len(outbox) == 2


def test_a_known_e_mail_is_refused_as_an_unknown_one(app, place, outbox):
    """What the form refuses (a bad INN, a weak password…) it refuses alike, known or not."""
    known_address("account")
    college = OrganizationFactory(kind=K.COLLEGE, inn=valid_inn(9), name="Колледж сервиса")
    db.session.commit()
    for changes in ({"inn": college.inn}, {"password": "1234567890", "confirm": "1234567890"}):
        pages = [
            same_page(
                sign_up(browser(app), sign_up_form(place.here, email=email, **changes)), email
            )
            for email in (KNOWN, "new@firm.example")
        ]
        assert pages[0] == pages[1], changes
        assert "We have sent a letter" not in pages[0][1]
    assert outbox == []


# --- refusals change nothing ---


def test_bad_input_shows_russian_errors_and_writes_nothing(app, place, outbox):
    college = OrganizationFactory(kind=K.COLLEGE, inn=valid_inn(9), name="Колледж сервиса")
    db.session.commit()
    before = count(Organization), count(Registration), count(User)
    client = request_scoped_client(app)  # Russian, the default

    page = sign_up(client, sign_up_form(place.here, inn="3906001128")).get_data(as_text=True)
    assert "ИНН должен состоять из 10 или 12 цифр с верными контрольными цифрами." in page
    page = sign_up(client, sign_up_form(place.here, confirm="другой пароль")).get_data(as_text=True)
    assert "Пароли не совпадают." in page
    english = browser(app)
    for changes, message in [
        ({"password": "1234567890", "confirm": "1234567890"}, "This password is easy to guess"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"inn": college.inn}, "Колледж сервиса, which is not an employer"),
        ({"consent": ""}, "Without this consent we cannot review it."),
        ({"municipality": "0"}, "This field is required."),
    ]:
        response = sign_up(english, sign_up_form(place.here, **changes))
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), changes
    assert (count(Organization), count(Registration), count(User)) == before
    assert outbox == []


def test_control_characters_are_refused_in_russian(app, place, outbox):
    # plausible: no control characters in any text field, the public sign-up's included.
    before = count(Organization), count(Registration), count(User)
    client = request_scoped_client(app)  # Russian, the default
    for changes, message in [
        ({"name": "ООО «Балтика»\x00"}, "В тексте есть невидимый управляющий символ (U+0000)"),
        ({"full_name": "Орлова\tАнна"}, "Переносы строк и табуляция в этом поле не допускаются."),
    ]:
        response = sign_up(client, sign_up_form(place.here, **changes))
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), changes
    assert (count(Organization), count(Registration), count(User)) == before
    assert outbox == []


def test_an_expired_registration_frees_its_e_mail_and_its_organization(app, place, outbox):
    client = browser(app)
    sign_up(client, sign_up_form(place.here))
    link = link_in(outbox[-1])
    with time_machine.travel(utcnow() + CONFIRMATION_MAX_AGE + timedelta(minutes=1)):
        page = client.get(link)
        assert page.status_code == 404
        # Three days on, the session (and its language) has expired: the page is in Russian.
        assert "Ссылка для подтверждения недействительна" in page.get_data(as_text=True)
        assert confirm_without_form(client, link).status_code == 404
        # The same person (or a colleague) signs up again: the pending organization, which
        # nobody confirmed, is theirs to apply for — not a join request.
        sign_up(client, sign_up_form(place.here, email="anna@baltlog.example"))
        response = confirm(client, link_in(outbox[-1]))
    assert response.status_code == 302
    registrations = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    assert [(r.confirmed_at is not None, r.joins_existing) for r in registrations] == [
        (False, False),
        (True, False),
    ]
    assert count(Organization) == 1
    assert registrations[1].user.email == "anna@baltlog.example"


def confirm_without_form(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, "/login")})


def test_forged_and_used_confirmation_links(app, place, outbox):
    client = browser(app)
    sign_up(client, sign_up_form(place.here))
    link = link_in(outbox[-1])
    assert client.get(link[:-3] + "abc").status_code == 404
    assert client.get("/sign-up/confirm/not-a-token").status_code == 404
    assert confirm(client, link).status_code == 302
    # A second visit says it is done and changes nothing.
    assert "Your e-mail is confirmed" in client.get(link).get_data(as_text=True)
    assert count(User) == 4


def test_two_applicants_for_one_new_inn_the_second_to_confirm_joins(app, place, outbox):
    first, second = browser(app), browser(app)
    sign_up(first, sign_up_form(place.here))
    first_link = link_in(outbox[-1])
    sign_up(second, sign_up_form(place.here, email="second@baltlog.example"))
    second_link = link_in(outbox[-1])
    assert count(Organization) == 1
    assert confirm(second, second_link).status_code == 302
    assert confirm(first, first_link).status_code == 200
    assert one_registration("second@baltlog.example").user is not None
    joining = one_registration("anna@baltlog.example")
    assert joining.joins_existing and joining.user is None


# --- scope and protection ---


def test_a_coordinator_of_another_municipality_sees_and_changes_nothing(app, place, outbox):
    registration, _ = applied(app, place, outbox)
    other = browser(app, place.other_coordinator)
    assert "Балтийская" not in other.get("/approvals").get_data(as_text=True)
    assert other.get(f"/approvals/{registration.id}").status_code == 404
    assert decide(other, registration, "approve").status_code == 404
    assert decide(other, registration, "decline", reason="нет").status_code == 404
    assert fresh(registration).organization.approval_state is A.PENDING
    assert fresh(registration).status is RegistrationStatus.PENDING


def test_admins_see_every_municipality_and_filter(app, place, outbox):
    here = RegistrationFactory(organization__municipality=place.here)
    there = RegistrationFactory(organization__municipality=place.there)
    db.session.commit()
    admin = browser(app, place.admin)
    page = admin.get("/approvals").get_data(as_text=True)
    assert here.organization.name in page and there.organization.name in page
    page = admin.get(f"/approvals?municipality={place.there.id}").get_data(as_text=True)
    assert here.organization.name not in page and there.organization.name in page
    page = admin.get("/approvals?kind=join").get_data(as_text=True)
    assert "Nothing awaits a decision." in page
    page = admin.get(f"/approvals?q={there.organization.inn}").get_data(as_text=True)
    assert here.organization.name not in page and there.organization.name in page


def test_the_detail_shows_the_organizations_agreements(app, place, outbox, approved_employer):
    registration = ask_to_join(app, place, outbox, approved_employer.organization)
    agreement = Agreement(number="17-П", subject="Экскурсии")
    agreement.parties.append(AgreementParty(organization=approved_employer.organization))
    db.session.add(agreement)
    db.session.commit()
    page = browser(app, place.coordinator).get(f"/approvals/{registration.id}")
    html = page.get_data(as_text=True)
    assert f'href="/agreements/{agreement.id}"' in html and "17-П" in html
    assert "Colleagues with an account" in html


def test_posts_without_a_csrf_token_are_refused(app, place, outbox):
    client = request_scoped_client(app)
    assert client.post("/sign-up", data=sign_up_form(place.here)).status_code == 400
    assert count(Registration) == 0
    application = RegistrationFactory(organization__municipality=place.here)
    db.session.commit()
    coordinator = browser(app, place.coordinator)
    assert coordinator.post(f"/approvals/{application.id}/approve").status_code == 400
    assert fresh(application).organization.approval_state is A.PENDING


def test_sign_up_posts_are_rate_limited(app, place):
    client = request_scoped_client(app)
    data = sign_up_form(place.here, inn="bad")
    statuses = [sign_up(client, data).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


# --- demo ---


def test_demo_has_one_pending_registration_in_the_queue(app, place):
    from partnercrm.portal.demo import load_demo_registration

    coordinator = place.coordinator
    assert load_demo_registration("demo-partnercrm") == {"employer registrations": 1}
    assert load_demo_registration("demo-partnercrm") == {"employer registrations": 0}
    db.session.commit()
    page = browser(app, coordinator).get("/approvals").get_data(as_text=True)
    assert "Shown: 1 of 1" in page


def test_the_same_new_inn_sent_twice_at_once_is_a_form_error(app, place, outbox, monkeypatch):
    from partnercrm.portal import services

    sign_up(browser(app), sign_up_form(place.here))
    before = count(Organization), count(Registration)
    # The second request looked before the first one committed.
    monkeypatch.setattr(services, "organization_with_inn", lambda inn: None)
    page = sign_up(browser(app), sign_up_form(place.here, email="second@baltlog.example"))
    assert page.status_code == 200
    assert "This INN has just been registered by someone else." in page.get_data(as_text=True)
    assert (count(Organization), count(Registration)) == before


# --- letters after the commit ---


def test_a_decision_whose_letter_fails_is_kept_and_the_decider_is_told(
    app, place, outbox, monkeypatch
):
    from partnercrm.portal import services

    registration, _applicant = applied(app, place, outbox)
    letters = len(outbox)
    coordinator = browser(app, place.coordinator)
    monkeypatch.setattr(services, "send_mail", lambda to, subject, body: False)
    response = decide(coordinator, registration, "approve")
    assert response.status_code == 302
    assert fresh(registration).organization.approval_state is A.APPROVED
    queue = coordinator.get(response.location).get_data(as_text=True)
    assert "The registration has been approved." in queue
    assert "The applicant could not be told by e-mail; tell them yourself." in queue
    assert len(outbox) == letters


def test_a_sign_up_whose_letter_fails_is_kept(app, place, outbox, monkeypatch):
    from partnercrm.portal import services

    def broken_mail_server(to, subject, body):
        raise RuntimeError("the mail server hung up")

    monkeypatch.setattr(services, "send_mail", broken_mail_server)
    page = sign_up(browser(app), sign_up_form(place.here))
    assert page.status_code == 200
    assert one_registration("anna@baltlog.example").confirmed_at is None
    assert outbox == []


def test_a_refused_confirmation_keeps_nothing_and_sends_nothing(app, place, outbox):
    client = browser(app)
    sign_up(client, sign_up_form(place.here))
    link = link_in(outbox[-1])
    registration = one_registration("anna@baltlog.example")
    # Meanwhile the ministry declined the organization.
    registration.organization.approval_state = A.DECLINED
    db.session.commit()
    response = confirm(client, link)
    assert response.status_code == 409
    assert "has been declined" in response.get_data(as_text=True)
    assert "The confirmation link is not valid" not in response.get_data(as_text=True)
    assert fresh(registration).confirmed_at is None
    assert count(User) == 3
    assert len(outbox) == 1
