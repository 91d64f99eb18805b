"""Accounts: login, logout, session revocation, throttling, passwords, invitations, users."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
import time_machine
from argon2 import PasswordHasher
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from partnercrm.accounts import services
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.database import utcnow
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from tests.conftest import csrf_token, log_in, request_scoped_client
from tests.factories import PASSWORD, MunicipalityFactory, OrganizationFactory, UserFactory

NEW_PASSWORD = "a much better passphrase"
SESSION_COOKIE = "session"
HOST = "partnercrm.test"


@pytest.fixture
def client(app):
    """Several clients take part in one test, so each request needs its own context."""
    return speak_english(request_scoped_client(app))


def speak_english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def new_client(app):
    return speak_english(request_scoped_client(app))


def make_user(**kwargs) -> User:
    user = UserFactory(**kwargs)
    db.session.commit()
    return user


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def audit(action: AuditAction, **filters) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    for name, value in filters.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def copy_cookies(source, target, *names: str) -> None:
    """Give ``target`` the cookies of ``source``, as a thief who copied them would."""
    for name in names:
        cookie = source.get_cookie(name, domain=HOST)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value, domain=HOST)


def post_form(client, path: str, data: dict, form_page: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page or path)})


def logout(client):
    return post_form(client, "/logout", {}, "/dashboard")


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def flashed(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]*>", "", m)).strip())
        for m in re.findall(r'role="alert">(.*?)</div>', page, re.S)
    ]


# --- login and logout ---


def test_login_logout_and_the_session_token_in_the_cookie(client):
    user = make_user()
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/dashboard"
    with client.session_transaction() as session:
        # Flask-Login keeps get_id(), which is the per-user session token, not the id.
        assert session["_user_id"] == user.session_token == user.get_id()
    assert client.get("/dashboard").status_code == 200
    old_token = user.session_token
    response = logout(client)
    assert is_login_redirect(response)
    assert reload(user).session_token != old_token
    assert is_login_redirect(client.get("/dashboard"))
    assert audit(AuditAction.LOGOUT, user_id=user.id)


def test_login_is_case_insensitive_for_the_email(client):
    user = make_user(email="Teacher@Example.org")
    assert user.email == "teacher@example.org"
    assert log_in(client, "  TEACHER@example.ORG ").status_code == 302


def test_login_follows_a_safe_next(client):
    user = make_user(role=Role.ADMIN)
    response = client.get("/users?q=x")
    assert is_login_redirect(response)
    next_url = parse_qs(urlsplit(response.location).query)["next"][0]
    assert next_url == "/users?q=x"
    response = log_in(client, user.email, next=next_url)
    assert response.status_code == 302
    assert response.location == "/users?q=x"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/dashboard",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_login_refuses_open_redirects(client, target):
    user = make_user()
    response = log_in(client, user.email, next=target)
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_a_logged_in_user_is_sent_from_login_to_the_dashboard(client):
    user = make_user()
    log_in(client, user.email)
    response = client.get("/login")
    assert urlsplit(response.location).path == "/dashboard"


# --- sessions that really end ---


def test_copied_cookies_stop_working_after_logout(app, client):
    user = make_user()
    assert log_in(client, user.email, remember=True).status_code == 302
    with_session = new_client(app)
    copy_cookies(client, with_session, SESSION_COOKIE)
    with_remember = new_client(app)
    copy_cookies(client, with_remember, REMEMBER_COOKIE)
    with_both = new_client(app)
    copy_cookies(client, with_both, SESSION_COOKIE, REMEMBER_COOKIE)
    copies = (with_session, with_remember, with_both)
    # Before the logout every copy works, the remember cookie alone too.
    for copy in copies:
        assert copy.get("/dashboard").status_code == 200

    assert is_login_redirect(logout(client))
    for copy in copies:
        assert is_login_redirect(copy.get("/dashboard"))


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client):
    user = make_user()
    log_in(client, user.email, remember=True)
    other = new_client(app)
    copy_cookies(client, other, SESSION_COOKIE, REMEMBER_COOKIE)
    assert other.get("/dashboard").status_code == 200

    response = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert urlsplit(response.location).path == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert is_login_redirect(other.get("/dashboard"))
    # The remember cookie of this browser carries the new token, so it outlives the session.
    remembered = new_client(app)
    copy_cookies(client, remembered, REMEMBER_COOKIE)
    assert remembered.get("/dashboard").status_code == 200

    fresh = new_client(app)
    assert log_in(fresh, user.email).status_code == 200  # the old password
    assert log_in(fresh, user.email, NEW_PASSWORD).status_code == 302


def test_deactivation_ends_the_sessions_and_blocks_login(app, client):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    victim = new_client(app)
    log_in(victim, user.email, remember=True)
    assert victim.get("/dashboard").status_code == 200

    log_in(client, admin.email)
    response = post_form(client, f"/users/{user.id}/active", {}, f"/users/{user.id}")
    assert response.status_code == 302
    assert reload(user).active is False
    assert is_login_redirect(victim.get("/dashboard"))

    again = log_in(new_client(app), user.email)
    assert again.status_code == 200
    assert "Wrong e-mail or password." in flashed(again)


def test_an_admin_cannot_deactivate_themselves(client):
    admin = make_user(role=Role.ADMIN)
    log_in(client, admin.email)
    post_form(client, f"/users/{admin.id}/active", {}, f"/users/{admin.id}")
    assert reload(admin).active is True


# --- the same answer for every failure, audit of logins ---


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    user = make_user()
    invited = make_user(password_hash=None)
    inactive = make_user(active=False)
    answers = [
        log_in(client, "nobody@example.org"),
        log_in(client, user.email, "wrong password"),
        log_in(client, invited.email, ""),
        log_in(client, invited.email, "anything at all"),
        log_in(client, inactive.email),
    ]
    assert {a.status_code for a in answers} == {200}
    messages = [flashed(a) for a in answers[:2] + answers[3:]]
    assert messages == [["Wrong e-mail or password."]] * 4


def test_logins_and_failed_logins_are_audited(client):
    user = make_user()
    log_in(client, "Nobody@Example.org", ip="10.1.1.1")
    log_in(client, user.email, "wrong password", ip="10.1.1.2")
    log_in(client, user.email, ip="10.1.1.3")

    unknown, wrong = audit(AuditAction.LOGIN_FAILED)
    assert (unknown.user_id, unknown.object_id, unknown.details, unknown.ip) == (
        None,
        None,
        {"email": "nobody@example.org"},
        "10.1.1.1",
    )
    assert (wrong.user_id, wrong.object_id, wrong.ip) == (user.id, user.id, "10.1.1.2")
    [success] = audit(AuditAction.LOGIN)
    assert (success.user_id, success.object_id, success.ip) == (user.id, user.id, "10.1.1.3")
    assert reload(user).last_login_at is not None
    # The login timestamp alone is not a change of the user.
    assert not audit(AuditAction.UPDATE, object_type="user")


# --- throttling ---


def test_throttling_per_account_across_ips(client):
    user = make_user()
    for attempt in range(5):
        response = log_in(client, user.email, "wrong password", ip=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200
    blocked = log_in(client, user.email.upper(), "wrong password", ip="10.9.9.9")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Even the right password waits until the window has passed.
    assert log_in(client, user.email, ip="10.9.9.10").status_code == 429
    with time_machine.travel(utcnow() + timedelta(minutes=6)):
        assert log_in(client, user.email, ip="10.9.9.10").status_code == 302


def test_throttling_of_unknown_accounts_answers_the_same(client):
    for attempt in range(5):
        log_in(client, "nobody@example.org", ip=f"10.0.1.{attempt}")
    assert log_in(client, "nobody@example.org", ip="10.0.1.99").status_code == 429


def test_throttling_per_ip(app, client):
    for attempt in range(20):
        response = log_in(client, f"nobody{attempt}@example.org", ip="10.0.0.7")
        assert response.status_code == 200
    user = make_user()
    assert log_in(client, user.email, ip="10.0.0.7").status_code == 429
    assert log_in(new_client(app), user.email, ip="10.0.0.8").status_code == 302


def test_successful_logins_do_not_use_up_the_limits(app):
    user = make_user()
    for _ in range(8):
        assert log_in(new_client(app), user.email).status_code == 302
    client = new_client(app)
    for _ in range(5):
        assert log_in(client, user.email, "wrong password").status_code == 200
    assert log_in(client, user.email, "wrong password").status_code == 429


# --- password hashes ---


def test_passwords_are_hashed_with_argon2id(client):
    user = services.create_user(
        email="new@example.org", full_name="Новый", role=Role.ADMIN, password=NEW_PASSWORD
    )
    db.session.commit()
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash


def test_an_old_hash_is_replaced_at_login(client):
    old_hash = PasswordHasher(time_cost=1).hash(PASSWORD)
    user = make_user(password_hash=old_hash)
    assert log_in(client, user.email).status_code == 302
    new_hash = reload(user).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(new_hash)
    assert log_in(new_client(client.application), user.email).status_code == 302


def test_a_failed_login_does_not_rehash(client):
    old_hash = PasswordHasher(time_cost=1).hash(PASSWORD)
    user = make_user(password_hash=old_hash)
    log_in(client, user.email, "wrong password")
    assert reload(user).password_hash == old_hash


# --- change own password ---


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"current": "wrong password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "The current password is wrong.",
        ),
        (
            {"current": PASSWORD, "password": "short", "confirm": "short"},
            "The password must have at least 10 characters.",
        ),
        (
            {"current": PASSWORD, "password": "1234567890", "confirm": "1234567890"},
            "This password is easy to guess",
        ),
        (
            {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"},
            "The passwords differ.",
        ),
    ],
)
def test_change_password_refuses_bad_input(client, data, error):
    user = make_user()
    token, password_hash = user.session_token, user.password_hash
    log_in(client, user.email)
    response = post_form(client, "/account/password", data)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    user = reload(user)
    assert (user.session_token, user.password_hash) == (token, password_hash)


def test_change_password_needs_login(client):
    assert is_login_redirect(client.get("/account/password"))


def test_change_password_is_throttled(client):
    user = make_user()
    log_in(client, user.email)
    wrong = {"current": "wrong password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(5):
        assert post_form(client, "/account/password", wrong).status_code == 200
    assert post_form(client, "/account/password", wrong).status_code == 429


# --- user management: admin ---


def new_user_form(**fields) -> dict:
    data = {
        "email": "invitee@example.org",
        "full_name": "Иванова Мария Петровна",
        "role": "school",
        "organization": 0,
        "municipality": 0,
        "access": "invite",
    }
    data.update(fields)
    return data


def test_admin_invites_a_user_who_sets_a_password_once(app, client, outbox):
    admin = make_user(role=Role.ADMIN)
    school = OrganizationFactory()
    db.session.commit()
    log_in(client, admin.email)
    response = post_form(client, "/users/new", new_user_form(organization=school.id))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "invitee@example.org"))
    assert urlsplit(response.location).path == f"/users/{user.id}"
    assert (user.role, user.organization_id, user.password_hash) == (Role.SCHOOL, school.id, None)

    [message] = outbox
    assert message.to == ["invitee@example.org"]
    [mailed_link] = re.findall(r"https?://\S+", message.body)
    page = client.get(f"/users/{user.id}").get_data(as_text=True)
    [shown_link] = re.findall(r'value="(https?://[^"]+/invitation/[^"]+)"', page)
    for link in (mailed_link, shown_link):
        assert urlsplit(link).path.startswith("/invitation/")

    invitee = new_client(app)
    path = urlsplit(shown_link).path
    assert invitee.get(path).status_code == 200
    response = post_form(invitee, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert urlsplit(response.location).path == "/dashboard"
    assert invitee.get("/dashboard").status_code == 200
    assert reload(user).password_hash.startswith("$argon2id$")

    # Used once: both links are dead now, and the password works.
    for link in (mailed_link, shown_link):
        response = new_client(app).get(urlsplit(link).path)
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.get_data(as_text=True)
    assert log_in(new_client(app), user.email, NEW_PASSWORD).status_code == 302


def test_an_invitation_expires(app):
    user = make_user(password_hash=None)
    with app.test_request_context():
        path = urlsplit(
            app.url_for("accounts.accept_invitation", token=services.invitation_token(user))
        ).path
    max_age = app.config["INVITATION_MAX_AGE"]
    with time_machine.travel(utcnow() + timedelta(seconds=max_age - 60)):
        assert new_client(app).get(path).status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=max_age + 60)):
        client = new_client(app)
        assert client.get(path).status_code == 404
    assert reload(user).password_hash is None


def test_an_invitation_refuses_weak_passwords_and_bad_tokens(app, client):
    user = make_user(password_hash=None)
    with app.test_request_context():
        token = services.invitation_token(user)
    response = post_form(client, f"/invitation/{token}", {"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert reload(user).password_hash is None
    assert client.get(f"/invitation/{token}x").status_code == 404
    assert client.get("/invitation/garbage").status_code == 404


def test_an_invitation_of_a_deactivated_user_is_dead(app, client):
    user = make_user(password_hash=None)
    with app.test_request_context():
        token = services.invitation_token(user)
    services.set_active(user, False)
    db.session.commit()
    assert client.get(f"/invitation/{token}").status_code == 404


def test_admin_creates_a_user_with_an_initial_password(app, client, outbox):
    admin = make_user(role=Role.ADMIN)
    municipality = MunicipalityFactory()
    db.session.commit()
    log_in(client, admin.email)
    data = new_user_form(role="coordinator", municipality=municipality.id, access="password")
    response = post_form(client, "/users/new", data)
    assert response.status_code == 200
    assert "Enter the initial password." in response.get_data(as_text=True)
    response = post_form(client, "/users/new", {**data, "password": "123"})
    assert response.status_code == 200

    response = post_form(client, "/users/new", {**data, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert outbox == []
    assert log_in(new_client(app), "invitee@example.org", NEW_PASSWORD).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "invitee@example.org"))
    [created] = audit(AuditAction.CREATE, object_type="user", object_id=user.id)
    assert created.user_id == admin.id
    assert created.details["role"] == "coordinator"
    assert created.details["password_hash"] == "***"
    assert NEW_PASSWORD not in str(created.details)


def test_the_email_is_unique_regardless_of_case(client):
    admin = make_user(role=Role.ADMIN)
    make_user(email="taken@example.org", role=Role.ADMIN)
    log_in(client, admin.email)
    response = post_form(
        client, "/users/new", new_user_form(email="Taken@Example.org", role="admin")
    )
    assert response.status_code == 200
    assert "A user with this e-mail already exists." in flashed(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_a_role_needs_the_right_attachment(client):
    admin = make_user(role=Role.ADMIN)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    db.session.commit()
    log_in(client, admin.email)
    response = post_form(client, "/users/new", new_user_form(organization=employer.id))
    assert response.status_code == 200
    assert "The organization's kind does not fit this role." in flashed(response)
    assert db.session.scalar(sa.select(User).where(User.email == "invitee@example.org")) is None


def test_admin_edits_a_user_and_the_change_is_audited(app, client):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    other_school = OrganizationFactory()
    db.session.commit()
    victim = new_client(app)
    log_in(victim, user.email)
    log_in(client, admin.email)
    data = {
        "email": user.email,
        "full_name": "Новое Имя",
        "role": "school",
        "organization": other_school.id,
        "municipality": 0,
    }
    response = post_form(client, f"/users/{user.id}", data)
    assert response.status_code == 302
    user = reload(user)
    assert (user.full_name, user.organization_id) == ("Новое Имя", other_school.id)
    [entry] = audit(AuditAction.UPDATE, object_type="user", object_id=user.id)
    assert entry.user_id == admin.id
    assert entry.details["full_name"][1] == "Новое Имя"
    # A new scope ends the sessions opened with the old one.
    assert is_login_redirect(victim.get("/dashboard"))


def test_changes_of_organizations_are_audited(client):
    organization = OrganizationFactory(name="Старое имя")
    db.session.commit()
    [created] = audit(AuditAction.CREATE, object_type="organization")
    assert created.object_id == organization.id
    assert created.details["name"] == "Старое имя"
    organization.name = "Новое имя"
    db.session.commit()
    [updated] = audit(AuditAction.UPDATE, object_type="organization")
    assert updated.details["name"] == ["Старое имя", "Новое имя"]


# --- user management: coordinators and other roles ---


@pytest.fixture
def coordinator_setup():
    """A coordinator, a school of their municipality and one of another municipality."""
    coordinator = UserFactory(role=Role.COORDINATOR)
    own_school = OrganizationFactory(municipality=coordinator.municipality)
    foreign_school = OrganizationFactory()
    own_user = UserFactory(organization=own_school)
    foreign_user = UserFactory(organization=foreign_school)
    db.session.commit()
    return coordinator, own_school, foreign_school, own_user, foreign_user


def test_coordinator_creates_users_of_their_municipality(client, coordinator_setup, outbox):
    coordinator, own_school, *_ = coordinator_setup
    log_in(client, coordinator.email)
    form = client.get("/users/new").get_data(as_text=True)
    assert 'value="admin"' not in form
    assert 'value="coordinator"' not in form
    response = post_form(client, "/users/new", new_user_form(organization=own_school.id))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "invitee@example.org"))
    assert user.organization_id == own_school.id
    assert len(outbox) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "admin"},
        {"role": "coordinator", "municipality": "own"},
        {"role": "school", "organization": "foreign"},
        {"role": "employment_center", "organization": "own_center"},
    ],
    ids=["admin", "coordinator", "foreign-school", "region-wide-center"],
)
def test_coordinator_cannot_give_access_outside_their_scope(client, coordinator_setup, fields):
    coordinator, own_school, foreign_school, *_ = coordinator_setup
    own_center = OrganizationFactory(
        kind=OrganizationKind.EMPLOYMENT_CENTER, municipality=coordinator.municipality
    )
    db.session.commit()
    ids = {
        "own": coordinator.municipality_id,
        "foreign": foreign_school.id,
        "own_center": own_center.id,
    }
    data = new_user_form(
        **{k: ids.get(v, v) for k, v in fields.items()}, access="password", password=NEW_PASSWORD
    )
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    log_in(client, coordinator.email)
    assert post_form(client, "/users/new", data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before


def test_coordinator_gives_an_employment_center_their_municipality(client, coordinator_setup):
    coordinator, *_ = coordinator_setup
    center = OrganizationFactory(
        kind=OrganizationKind.EMPLOYMENT_CENTER, municipality=coordinator.municipality
    )
    db.session.commit()
    log_in(client, coordinator.email)
    data = new_user_form(
        role="employment_center", organization=center.id, municipality=coordinator.municipality_id
    )
    assert post_form(client, "/users/new", data).status_code == 302


def test_coordinator_cannot_touch_users_of_another_municipality(client, coordinator_setup):
    coordinator, own_school, foreign_school, own_user, foreign_user = coordinator_setup
    log_in(client, coordinator.email)
    listing = client.get("/users").get_data(as_text=True)
    assert own_user.email in listing
    assert foreign_user.email not in listing

    assert client.get(f"/users/{foreign_user.id}").status_code == 403
    token = csrf_token(client, f"/users/{own_user.id}")
    data = {
        "email": foreign_user.email,
        "full_name": "Взлом",
        "role": "school",
        "organization": foreign_school.id,
        "municipality": 0,
        "csrf_token": token,
    }
    assert client.post(f"/users/{foreign_user.id}", data=data).status_code == 403
    for action in ("active", "invitation"):
        response = client.post(f"/users/{foreign_user.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    foreign_user = reload(foreign_user)
    assert foreign_user.full_name != "Взлом"
    assert foreign_user.active is True

    # Nor move their own user into another municipality, or make them an admin.
    for data in (
        {"role": "school", "organization": foreign_school.id, "municipality": 0},
        {"role": "admin", "organization": 0, "municipality": 0},
    ):
        form = {
            "email": own_user.email,
            "full_name": own_user.full_name,
            **data,
            "csrf_token": token,
        }
        assert client.post(f"/users/{own_user.id}", data=form).status_code == 403
    assert reload(own_user).organization_id == own_school.id
    # The coordinator's own account is the admin's business.
    assert client.get(f"/users/{coordinator.id}").status_code == 403


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER])
def test_other_roles_do_not_manage_users(client, role):
    user = make_user(role=role)
    colleague = make_user(role=role, organization=user.organization)
    log_in(client, user.email)
    for path in ("/users", "/users/new", f"/users/{colleague.id}"):
        response = client.get(path)
        assert response.status_code == 403
        assert "You do not have access to this page." in response.get_data(as_text=True)


def test_a_mail_failure_keeps_the_new_user_and_says_so(make_app):
    # Port 1 on this machine refuses the connection at once.
    app = make_app({"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1})
    admin = make_user(role=Role.ADMIN)
    school = OrganizationFactory()
    db.session.commit()
    client = new_client(app)
    log_in(client, admin.email)
    response = post_form(client, "/users/new", new_user_form(organization=school.id))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "invitee@example.org"))
    page = client.get(response.location)
    assert "The invitation could not be sent. Hand over the link on this page." in flashed(page)


def test_admin_resets_a_forgotten_password_with_a_new_invitation(app, client, outbox):
    admin = make_user(role=Role.ADMIN)
    user = make_user(role=Role.SCHOOL)
    db.session.commit()
    theirs = new_client(app)
    assert log_in(theirs, user.email).status_code == 302
    log_in(client, admin.email)

    response = post_form(client, f"/users/{user.id}/password-reset", {})
    assert urlsplit(response.location).path == f"/users/{user.id}"
    assert reload(user).password_hash is None
    # The old password and the open session both stop working.
    assert log_in(new_client(app), user.email).status_code == 200
    assert theirs.get("/dashboard").status_code == 302
    [message] = outbox
    [link] = re.findall(r"https?://\S+", message.body)
    path = urlsplit(link).path
    response = post_form(new_client(app), path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert urlsplit(response.location).path == "/dashboard"
    assert log_in(new_client(app), user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_is_for_users_in_scope_only(app, client):
    coordinator = make_user(role=Role.COORDINATOR, municipality=MunicipalityFactory())
    outsider = make_user(role=Role.SCHOOL)  # a school of another municipality
    db.session.commit()
    log_in(client, coordinator.email)
    response = post_form(client, f"/users/{outsider.id}/password-reset", {})
    assert response.status_code == 403
    assert reload(outsider).password_hash is not None
