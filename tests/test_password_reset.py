"""A forgotten password: the e-mailed one-time link of the login page (issue #15, item 11)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import time_machine

from partnercrm.audit.models import AuditAction
from partnercrm.database import utcnow
from tests.conftest import csrf_token
from tests.test_accounts import (
    NEW_PASSWORD,
    REMEMBER_COOKIE,
    SESSION_COOKIE,
    audit,
    copy_cookies,
    is_login_redirect,
    log_in,
    make_user,
    new_client,
    post_form,
    reload,
)

SAME_ANSWER = (
    "If an account with this e-mail exists, a link to set a new password has been sent to it."
)


def ask_for_link(client, email: str, ip: str = "127.0.0.1"):
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")},
        environ_base={"REMOTE_ADDR": ip},
    )


def mailed_path(message) -> str:
    [link] = re.findall(r"https?://\S+", message.body)
    path = urlsplit(link).path
    assert path.startswith("/password/reset/")
    return path


def test_the_login_page_links_to_the_forgotten_password_form(app):
    page = new_client(app).get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page


def test_a_mailed_link_sets_a_new_password_once_and_ends_every_session(app, outbox):
    user = make_user()
    # The user is still logged in elsewhere, remembered.
    elsewhere = new_client(app)
    log_in(elsewhere, user.email, remember=True)
    assert elsewhere.get("/dashboard").status_code == 200
    remembered = new_client(app)
    copy_cookies(elsewhere, remembered, REMEMBER_COOKIE)

    client = new_client(app)
    response = ask_for_link(client, user.email.upper())
    assert is_login_redirect(response)
    assert SAME_ANSWER in client.get("/login").get_data(as_text=True)
    [message] = outbox
    assert message.to == [user.email]
    assert "60 минут" in message.body  # in Russian, with its validity
    path = mailed_path(message)

    assert client.get(path).status_code == 200
    response = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert urlsplit(response.location).path == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    # Every other session ended, remember-me cookies included; the new password works.
    assert is_login_redirect(elsewhere.get("/dashboard"))
    assert is_login_redirect(remembered.get("/dashboard"))
    assert log_in(new_client(app), user.email, NEW_PASSWORD).status_code == 302
    # Used once: the link is dead.
    response = new_client(app).get(path)
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    # The request and the reset are in the audit trail.
    assert [entry.details for entry in audit(AuditAction.PASSWORD_RESET_REQUEST)] == [
        {"email": user.email}
    ]
    [reset] = audit(AuditAction.PASSWORD_RESET)
    assert (reset.object_id, reset.user_id) == (user.id, user.id)


def test_an_unknown_or_inactive_address_gets_the_same_answer_and_no_mail(app, outbox):
    inactive = make_user(active=False)
    answers = []
    for email in ("nobody@example.org", inactive.email):
        client = new_client(app)
        response = ask_for_link(client, email)
        assert is_login_redirect(response)
        answers.append(SAME_ANSWER in client.get("/login").get_data(as_text=True))
    assert answers == [True, True]
    assert outbox == []
    entries = audit(AuditAction.PASSWORD_RESET_REQUEST)
    assert [(entry.object_id, entry.details) for entry in entries] == [
        (None, {"email": "nobody@example.org"}),
        (None, {"email": inactive.email}),
    ]


def test_the_link_expires(app, outbox):
    user = make_user()
    ask_for_link(new_client(app), user.email)
    path = mailed_path(outbox[0])
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    with time_machine.travel(utcnow() + timedelta(seconds=max_age - 60)):
        assert new_client(app).get(path).status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=max_age + 60)):
        client = new_client(app)
        assert client.get(path).status_code == 404
    old_hash = reload(user).password_hash
    assert reload(user).password_hash == old_hash


def test_a_login_with_the_old_password_retires_the_link(app, outbox):
    user = make_user()
    ask_for_link(new_client(app), user.email)
    path = mailed_path(outbox[0])
    # The user remembered the password after all.
    log_in(new_client(app), user.email)
    assert new_client(app).get(path).status_code == 404


def test_a_forged_or_tampered_link_is_refused(app, outbox):
    user = make_user()
    ask_for_link(new_client(app), user.email)
    path = mailed_path(outbox[0])
    assert new_client(app).get(path[:-3] + "xyz").status_code == 404
    assert new_client(app).get("/password/reset/nonsense").status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, outbox):
    user = make_user()
    ask_for_link(new_client(app), user.email)
    path = mailed_path(outbox[0])
    client = new_client(app)
    response = post_form(client, path, {"password": "qwerty", "confirm": "qwerty"})
    assert response.status_code == 200
    assert client.get(path).status_code == 200


def test_asking_for_links_is_rate_limited(app, outbox):
    user = make_user()
    # Per address, from any IP: three an hour.
    for attempt in range(3):
        assert is_login_redirect(ask_for_link(new_client(app), user.email, ip=f"10.1.0.{attempt}"))
    assert ask_for_link(new_client(app), user.email, ip="10.1.0.9").status_code == 429
    assert len(outbox) == 3
    # Per IP, whatever the address: ten an hour.
    for attempt in range(10):
        ask_for_link(new_client(app), f"nobody{attempt}@example.org", ip="10.2.0.1")
    assert ask_for_link(new_client(app), "other@example.org", ip="10.2.0.1").status_code == 429
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        assert is_login_redirect(ask_for_link(new_client(app), user.email, ip="10.1.0.9"))


def test_a_logged_in_user_changes_the_password_instead(app):
    user = make_user()
    client = new_client(app)
    log_in(client, user.email)
    response = client.get("/password/forgot")
    assert urlsplit(response.location).path == "/account/password"


def test_the_session_cookie_of_the_resetting_browser_is_new(app, outbox):
    user = make_user()
    client = new_client(app)
    ask_for_link(client, user.email)
    path = mailed_path(outbox[0])
    post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get_cookie(SESSION_COOKIE, domain="partnercrm.test") is not None
    assert client.get("/dashboard").status_code == 200
