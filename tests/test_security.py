"""Security basics: public routes, redirects, CSRF, headers, cookies, error pages, language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import time_machine
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.web.redirects import safe_next
from tests.conftest import csrf_token, log_in, request_scoped_client
from tests.factories import PASSWORD, UserFactory

STRONG_KEY = "kV3q9-Zt7xWm2LpR8sYb4NcFh6JdGa1Uo0EiTl5XwQ"
HOST = "partnercrm.test"

# Endpoints an anonymous visitor may POST to (with a CSRF token).
PUBLIC_POST = {
    "accounts.login",
    "accounts.accept_invitation",
    "accounts.forgot_password",
    "accounts.reset_password_by_link",
    "web.set_language",
    "portal.sign_up",
    "portal.confirm",
}


def make_user(**kwargs) -> User:
    user = UserFactory(**kwargs)
    db.session.commit()
    return user


def rules(app, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method in rule.methods:
            yield rule


def dummy_url(app, rule) -> str:
    """The rule's URL with every argument filled in; "1" passes int and string converters."""
    with app.test_request_context():
        return app.url_for(rule.endpoint, **dict.fromkeys(rule.arguments, "1"))


def is_layout_page(response) -> bool:
    page = response.get_data(as_text=True)
    return (
        response.mimetype == "text/html"
        and '<nav class="navbar' in page
        and "Traceback" not in page
    )


# --- every state-changing route is public or asks for a login ---
# (Anonymous GETs are walked with real ids by tests/test_security_matrix.py.)


def test_every_post_route_is_public_or_redirects_to_login(app, client):
    token = csrf_token(client)
    for rule in rules(app, "POST"):
        if rule.endpoint in PUBLIC_POST:
            continue
        url = dummy_url(app, rule)
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (url, response.status_code)
        assert urlsplit(response.location).path == "/login", url


def test_public_pages_answer(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    response = client.get("/invitation/not-a-token")
    assert response.status_code == 404
    assert is_layout_page(response)


# --- next redirects ---


BAD_TARGETS = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "HTTPS://evil.example/",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\x00",
    " /dashboard",
    "evil.example",
    "dashboard",
    "",
    None,
]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_safe_next_refuses(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target", ["/", "/dashboard", "/users?q=%D0%B8&page=2", "/organizations/5#map", "/a/b/../c"]
)
def test_safe_next_accepts_paths_of_this_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [t for t in BAD_TARGETS if t])
def test_the_language_switch_refuses_open_redirects(client, target):
    response = client.post(
        "/language", data={"lang": "en", "next": target, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_the_language_switch_returns_to_the_page(client):
    response = client.post(
        "/language",
        data={"lang": "en", "next": "/login?next=%2Fusers", "csrf_token": csrf_token(client)},
    )
    assert response.location == "/login?next=%2Fusers"


# --- Russian by default, English on request ---


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_russian_by_default_and_english_on_switch(client):
    assert page_language(client.get("/login")) == "ru"

    def switch(lang):
        return client.post(
            "/language",
            data={"lang": lang, "next": "/login", "csrf_token": csrf_token(client)},
        )

    assert switch("en").location == "/login"
    assert page_language(client.get("/login")) == "en"
    switch("de")  # not offered: nothing changes
    assert page_language(client.get("/login")) == "en"
    switch("ru")
    assert page_language(client.get("/login")) == "ru"


# --- CSRF ---


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(client):
    admin = make_user(role=Role.ADMIN)
    other = make_user()
    log_in(client, admin.email)
    client.post(
        "/language",
        data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/dashboard")},
    )
    posts = [
        ("/login", {"email": admin.email, "password": "x"}),
        ("/language", {"lang": "ru", "next": "/"}),
        (
            "/users/new",
            {
                "email": "new@example.org",
                "full_name": "Новый",
                "role": "admin",
                "organization": 0,
                "municipality": 0,
                "access": "invite",
            },
        ),
        (f"/users/{other.id}/active", {}),
        ("/logout", {}),
    ]
    for path, data in posts:
        for token in (None, "forged"):
            form = data if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=form)
            assert response.status_code == 400, path
            assert is_layout_page(response), path
    # Still logged in, still in English, and nothing was written.
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert page_language(dashboard) == "en"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    assert db.session.get(User, other.id).active is True
    assert not db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == AuditAction.LOGIN_FAILED)
    )


# --- headers ---


def test_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script[^>]*>", response.get_data(as_text=True))
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers
    # A fresh nonce for every response.
    assert client.get("/login").headers["Content-Security-Policy"] != csp


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_of_a_logged_in_user_are_not_cached(client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    user = make_user()
    log_in(client, user.email)
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


# --- cookies ---


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name, lower-cased for attribute checks."""
    return {
        header.split("=", 1)[0]: header.lower() for header in response.headers.getlist("Set-Cookie")
    }


def test_cookie_flags(app, client):
    user = make_user()
    response = log_in(client, user.email, remember=True)
    cookies = set_cookies(response)
    for name in ("session", REMEMBER_COOKIE):
        assert "httponly" in cookies[name], name
        assert "samesite=lax" in cookies[name], name
        assert "secure" not in cookies[name].split("; "), name
    # Remember-me is bounded.
    duration = app.config["REMEMBER_COOKIE_DURATION"]
    assert timedelta(days=1) <= duration <= timedelta(days=30)
    remember = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER_COOKIE)
    )
    expires = datetime.strptime(
        re.search(r"Expires=([^;]+)", remember).group(1), "%a, %d %b %Y %H:%M:%S GMT"
    ).replace(tzinfo=UTC)
    assert abs(expires - (utcnow() + duration)) < timedelta(minutes=5)


def test_a_session_ends_after_twelve_hours_without_remember_me(client):
    user = make_user()
    log_in(client, user.email)
    with time_machine.travel(utcnow() + timedelta(hours=11)):
        assert client.get("/dashboard").status_code == 200
    with time_machine.travel(utcnow() + timedelta(hours=13)):
        assert urlsplit(client.get("/dashboard").location).path == "/login"


@pytest.fixture
def production_app(make_app, monkeypatch):
    """Production behind nginx on this host (the test client's requests come from 127.0.0.1)."""
    monkeypatch.setenv("PARTNERCRM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("TRUSTED_PROXY_IPS", "127.0.0.1")
    return make_app({"SERVER_NAME": HOST})


def https(client, method: str, path: str, **kwargs):
    """A request as nginx passes it on: https, with the client's address forwarded."""
    headers = {
        "Referer": f"https://{HOST}/login",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
    }
    return client.open(path, method=method, headers=headers, **kwargs)


def test_production_cookies_headers_and_proxy(production_app):
    user = make_user()
    client = request_scoped_client(production_app)
    page = https(client, "GET", "/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    response = https(
        client,
        "POST",
        "/login",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "remember": "y",
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302
    cookies = set_cookies(response)
    for name in ("session", REMEMBER_COOKIE):
        assert "secure" in cookies[name].split("; "), name
        assert "httponly" in cookies[name], name
        assert "samesite=lax" in cookies[name], name
    # Behind the proxy, the audit trail and the throttling see the client's address.
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == AuditAction.LOGIN))
    assert entry.ip == "203.0.113.7"


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    user = make_user()
    log_in(client, user.email)  # log_in sends REMOTE_ADDR 127.0.0.1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == AuditAction.LOGIN))
    assert entry.ip == "127.0.0.1"


def test_production_believes_forwarded_headers_only_from_the_named_proxies(make_app, monkeypatch):
    """By default production trusts no proxy; with TRUSTED_PROXY_IPS set, a request from any
    other address cannot choose the address the audit trail records (or the throttling sees)."""
    monkeypatch.setenv("PARTNERCRM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    user = make_user()

    def login_ip(app, peer: str) -> str:
        client = request_scoped_client(app)
        page = https(client, "GET", "/login", environ_base={"REMOTE_ADDR": peer})
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
        https(
            client,
            "POST",
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)},
            environ_base={"REMOTE_ADDR": peer},
        )
        return db.session.scalars(
            sa.select(AuditEntry.ip)
            .where(AuditEntry.action == AuditAction.LOGIN)
            .order_by(AuditEntry.id.desc())
        ).first()

    assert login_ip(make_app({"SERVER_NAME": HOST}), "198.51.100.9") == "198.51.100.9"
    monkeypatch.setenv("TRUSTED_PROXY_IPS", "10.0.0.0/24, 127.0.0.1")
    behind_proxy = make_app({"SERVER_NAME": HOST})
    assert login_ip(behind_proxy, "10.0.0.5") == "203.0.113.7"
    assert login_ip(behind_proxy, "198.51.100.9") == "198.51.100.9"


# --- error pages ---


def test_error_pages_use_the_layout(client):
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    assert is_layout_page(not_found)
    not_allowed = client.get("/logout")
    assert not_allowed.status_code == 405
    assert is_layout_page(not_allowed)
    user = make_user(role=Role.SCHOOL)
    log_in(client, user.email)
    forbidden = client.get("/users")
    assert forbidden.status_code == 403
    assert is_layout_page(forbidden)
    assert user.full_name in forbidden.get_data(as_text=True)


def test_throttling_answers_429_with_the_layout(client):
    for _ in range(5):
        log_in(client, "nobody@example.org", "wrong")
    response = log_in(client, "nobody@example.org", "wrong")
    assert response.status_code == 429
    assert is_layout_page(response)


def test_a_server_error_rolls_back_and_renders_the_layout(make_app):
    app = make_app({"PROPAGATE_EXCEPTIONS": False})
    user = make_user(role=Role.ADMIN)

    @app.route("/test-only/fail")
    def fail():
        db.session.add(Municipality(name="Атлантида", full_name="Атлантида", kind="округ"))
        db.session.flush()
        # A duplicate e-mail: the flush fails and leaves the transaction broken.
        db.session.add(User(email=user.email, full_name="Двойник", role=Role.ADMIN))
        db.session.flush()
        return "unreachable"

    client = request_scoped_client(app)
    log_in(client, user.email)
    response = client.get("/test-only/fail")
    assert response.status_code == 500
    assert is_layout_page(response)
    page = response.get_data(as_text=True)
    # The layout could load the user again: the handler rolled the broken transaction back.
    assert user.full_name in page
    assert "IntegrityError" not in page
    atlantis = sa.select(Municipality).where(Municipality.name == "Атлантида")
    assert db.session.scalar(atlantis) is None
