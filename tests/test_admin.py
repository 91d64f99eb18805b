"""Flask-Admin at /admin: admins only, the app's CSRF token, validation instead of 500s, audit."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.app import create_app
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection
from tests.conftest import csrf_token, request_scoped_client
from tests.factories import PASSWORD, MunicipalityFactory, OrganizationFactory, UserFactory

MODEL_URLS = [
    "/admin/users/",
    "/admin/organizations/",
    "/admin/municipalities/",
    "/admin/plan-sections/",
    "/admin/plan-items/",
    "/admin/indicators/",
]
PAGES = ["/admin/", *MODEL_URLS, "/admin/users/ajax/lookup/?name=organization&query=a"]
POST_ENDPOINTS = ["new/", "edit/?id=1", "delete/", "action/", "ajax/update/"]
OTHER_ROLES = [role for role in Role if role is not Role.ADMIN]
VALID_INN = "3906000005"  # 10 digits, the check digit fits
INVALID_INN = "3906000002"


@pytest.fixture
def admin(login):
    user = UserFactory(role=Role.ADMIN, email="admin@example.org")
    db.session.commit()
    login(user)
    return user


@pytest.fixture
def english(client, admin):
    """The admin switched to English: messages are their msgids, whatever the Russian catalog."""
    post_form(client, "/language", {"lang": "en"}, "/dashboard")


def logged_in_client(app, user):
    """A second browser, for the sessions an admin's change must end."""
    other = request_scoped_client(app)
    other.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert other.get("/dashboard").status_code == 200
    return other


def post_form(client, url, data, form_page=None):
    """POST ``data`` with a CSRF token from the page that renders the form."""
    token = csrf_token(client, form_page or url)
    return client.post(url, data={**data, "csrf_token": token})


def organization_data(**changes) -> dict:
    if "municipality" not in changes:
        changes["municipality"] = str(MunicipalityFactory().id)
        db.session.commit()
    return {
        "kind": "school",
        "code": "school-1",
        "name": "МАОУ СОШ № 1",
        "short_name": "",
        "inn": "",
        "address": "",
        "email": "",
        "phone": "",
        "website": "",
        "industry": "",
        "approval_state": "__None",
        "decline_reason": "",
        **changes,
    }


def user_data(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
        "organization": str(user.organization_id or "__None"),
        "municipality": str(user.municipality_id or "__None"),
        "active": user.active,
    }
    data.update(changes)
    # An unticked checkbox is not sent at all.
    data["active"] = "y" if data["active"] else None
    return {key: value for key, value in data.items() if value is not None}


def edit_user(client, user, **changes):
    url = f"/admin/users/edit/?id={user.id}"
    return post_form(client, url, user_data(user, **changes))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Access


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=%2Fadmin%2F")


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403_on_every_page_and_post(client, login, role):
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/dashboard")
    for url in MODEL_URLS:
        for endpoint in POST_ENDPOINTS:
            response = client.post(url + endpoint, data={"csrf_token": token, "id": "1"})
            assert response.status_code == 403, url + endpoint


def test_admin_sees_every_view_and_edit_form(client, admin, seeded):
    organization = OrganizationFactory()
    db.session.commit()
    for url in ["/admin/", *MODEL_URLS]:
        assert client.get(url).status_code == 200, url
    rows = {
        "users": admin,
        "organizations": organization,
        "municipalities": organization.municipality,
        "plan-sections": db.session.scalars(sa.select(PlanSection)).first(),
        "plan-items": db.session.scalars(sa.select(PlanItem)).first(),
        "indicators": db.session.scalars(sa.select(Indicator)).first(),
    }
    for view, row in rows.items():
        assert client.get(f"/admin/{view}/edit/?id={row.id}").status_code == 200, view
        # An id from a hand-edited URL is no record, not a database error.
        assert client.get(f"/admin/{view}/edit/?id=x{row.id}").status_code == 302, view


def test_admin_ui_is_russian_local_and_runs_under_the_csp(client, admin):
    response = client.get("/admin/users/")
    page = response.get_data(as_text=True)
    assert "Список" in page  # Flask-Admin's own catalog, in the app's locale
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # no CDN
    assert client.get(re.search(r'src="(/admin/static/[^"]+)"', page).group(1)).status_code == 200


def test_two_apps_each_get_their_own_admin(app, admin):
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SERVER_NAME": "partnercrm.test",
        }
    )
    try:
        assert other.extensions["admin"][0] is not app.extensions["admin"][0]
        with other.app_context():
            assert logged_in_client(other, admin).get("/admin/").status_code == 200
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


# Personal data


def test_users_pages_never_show_password_hash_or_session_token(client, admin):
    user = UserFactory()
    db.session.commit()
    for url in ("/admin/users/", f"/admin/users/edit/?id={user.id}", "/admin/users/details/"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        for secret in (user.password_hash, user.session_token, admin.session_token):
            assert secret not in page
        assert "password_hash" not in page
        assert "session_token" not in page


def test_nothing_can_be_exported_or_created_as_a_user(client, admin):
    for url in MODEL_URLS:
        assert "/export/" not in client.get(url).get_data(as_text=True)
        response = client.get(url + "export/csv/")
        assert response.status_code == 302
        assert response.mimetype != "text/csv"
    assert client.get("/admin/users/new/").status_code == 302


def test_users_are_not_deleted(client, admin):
    user = UserFactory()
    db.session.commit()
    response = post_form(client, "/admin/users/delete/", {"id": user.id}, "/dashboard")
    assert response.status_code == 302
    assert db.session.get(User, user.id) is not None


# CSRF


def test_a_post_with_the_forms_token_works(client, admin):
    response = post_form(client, "/admin/organizations/new/", organization_data())
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Organization.code)) == "school-1"


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_a_post_without_a_token_is_refused(client, admin, endpoint):
    organization = OrganizationFactory(name="Старое имя")
    db.session.commit()
    data = organization_data(name="Новое имя", code="new")
    url = "/admin/organizations/" + endpoint.replace("id=1", f"id={organization.id}")
    response = client.post(url, data={**data, "id": organization.id})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalars(sa.select(Organization.name)).all() == ["Старое имя"]


# Edits, audit and sessions


def test_an_organization_edit_is_audited_with_the_admin(client, admin):
    organization = OrganizationFactory(name="Старое имя")
    db.session.commit()
    data = organization_data(
        name="Новое имя",
        code=organization.code,
        municipality=str(organization.municipality_id),
        inn=VALID_INN,
    )
    response = post_form(client, f"/admin/organizations/edit/?id={organization.id}", data)
    assert response.status_code == 302
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == AuditAction.UPDATE,
            AuditEntry.object_type == "organization",
            AuditEntry.object_id == organization.id,
        )
    ).one()
    assert entry.user_id == admin.id
    assert entry.details["name"] == ["Старое имя", "Новое имя"]
    assert entry.details["inn"] == [None, VALID_INN]


def test_deactivation_ends_the_users_sessions(app, client, admin):
    user = UserFactory()
    db.session.commit()
    browser = logged_in_client(app, user)
    response = edit_user(client, user, active=False)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.active is False
    assert browser.get("/dashboard").location.startswith("/login")


def test_a_new_organization_ends_the_users_sessions(app, client, admin):
    user = UserFactory()
    school = OrganizationFactory()
    db.session.commit()
    browser = logged_in_client(app, user)
    assert edit_user(client, user, organization=str(school.id)).status_code == 302
    db.session.refresh(user)
    assert user.organization_id == school.id
    assert browser.get("/dashboard").location.startswith("/login")


def test_a_new_name_keeps_the_users_sessions(app, client, admin):
    user = UserFactory()
    db.session.commit()
    browser = logged_in_client(app, user)
    assert edit_user(client, user, full_name="Иванова Мария Петровна").status_code == 302
    db.session.refresh(user)
    assert user.full_name == "Иванова Мария Петровна"
    assert browser.get("/dashboard").status_code == 200


# Validation: a form error, never a 500, and nothing changes


def assert_form_error(response, message: str) -> None:
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_a_duplicate_email_is_a_form_error(client, admin, english):
    UserFactory(email="taken@example.org")
    user = UserFactory(email="free@example.org")
    db.session.commit()
    assert_form_error(edit_user(client, user, email="Taken@Example.org"), "Already exists.")
    db.session.refresh(user)
    assert user.email == "free@example.org"


def test_a_malformed_email_is_a_form_error(client, english):
    user = UserFactory()
    db.session.commit()
    assert_form_error(edit_user(client, user, email="not an address"), "Enter a valid e-mail.")


def test_a_changed_email_is_stored_lower_case(client, admin):
    user = UserFactory()
    db.session.commit()
    assert edit_user(client, user, email="New.Address@Example.org").status_code == 302
    db.session.refresh(user)
    assert user.email == "new.address@example.org"


def test_an_inconsistent_role_attachment_is_a_form_error(client, admin, english):
    user = UserFactory()
    db.session.commit()
    response = edit_user(client, user, role="coordinator")
    assert_form_error(response, "A coordinator needs a municipality.")
    db.session.refresh(user)
    assert user.role is Role.SCHOOL


def test_a_coordinator_gets_a_municipality(client, admin):
    user = UserFactory()
    municipality = MunicipalityFactory()
    db.session.commit()
    response = edit_user(
        client, user, role="coordinator", organization="__None", municipality=str(municipality.id)
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.role, user.organization_id, user.municipality_id) == (
        Role.COORDINATOR,
        None,
        municipality.id,
    )


def test_an_admin_cannot_lock_themselves_out(client, admin, english):
    response = edit_user(client, admin, active=False)
    assert_form_error(response, "You cannot deactivate your own account.")
    municipality = MunicipalityFactory()
    db.session.commit()
    response = edit_user(client, admin, role="coordinator", municipality=str(municipality.id))
    assert_form_error(response, "You cannot take away your own administrator role.")
    db.session.refresh(admin)
    assert (admin.active, admin.role) == (True, Role.ADMIN)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"inn": INVALID_INN}, "The INN must have 10 or 12 digits with valid check digits."),
        ({"inn": "12345"}, "The INN must have 10 or 12 digits with valid check digits."),
        ({"code": "taken"}, "Already exists."),
        ({"kind": "employer"}, "An employer needs an approval state."),
        ({"approval_state": "approved"}, "Only employers have an approval state."),
        # plausible: no control characters in any text field, the admin's included.
        ({"name": "МАОУ\x00 СОШ № 1"}, "invisible control character (U+0000)"),
        ({"address": "ул. Ленина,\r\n1"}, "Line breaks and tabs are not allowed"),
    ],
)
def test_an_invalid_organization_is_a_form_error(client, admin, english, changes, message):
    OrganizationFactory(code="taken")
    db.session.commit()
    response = post_form(client, "/admin/organizations/new/", organization_data(**changes))
    assert_form_error(response, message)
    assert count(Organization) == 1


def test_an_employer_is_created_with_its_approval_state(client, admin):
    data = organization_data(kind="employer", approval_state="pending", inn=VALID_INN)
    assert post_form(client, "/admin/organizations/new/", data).status_code == 302
    organization = db.session.scalars(sa.select(Organization)).one()
    assert (organization.kind, organization.approval_state, organization.inn) == (
        OrganizationKind.EMPLOYER,
        ApprovalState.PENDING,
        VALID_INN,
    )


# Lists


def test_lists_search_and_filter(client, admin):
    UserFactory(full_name="Сидорова Анна", role=Role.COLLEGE)
    UserFactory(full_name="Петров Иван")
    db.session.commit()
    page = client.get("/admin/users/?search=сидорова").get_data(as_text=True)
    assert "Сидорова Анна" in page and "Петров Иван" not in page
    page = client.get("/admin/users/?flt0_0=school").get_data(as_text=True)
    assert "Петров Иван" in page and "Сидорова Анна" not in page
    assert client.get("/admin/organizations/?flt0_0=employer").status_code == 200


def test_the_roadmap_keeps_its_numbers(client, admin, seeded):
    # Plan items and indicators are found by number (activity kinds, indicator queries).
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.number == 5))
    url = f"/admin/indicators/edit/?id={indicator.id}"
    data = {"number": "-1", "goal": indicator.goal, "name": "Исправлено", "unit": indicator.unit}
    assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    assert (indicator.number, indicator.name) == (5, "Исправлено")
