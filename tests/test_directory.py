"""Directory pages: municipalities, the organizations list, detail, create and edit."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.directory import services
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import (
    ApprovalState,
    OrganizationKind,
    approval_state_for,
    is_valid_inn,
)
from partnercrm.extensions import db
from tests.conftest import csrf_token
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory

K = OrganizationKind


def listed(response) -> list[str]:
    """Names of the organizations linked from a list page, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'href="/organizations/\d+">([^<]+)</a>', html)


def organizations() -> list[Organization]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))


def form_data(municipality, **changes) -> dict:
    data = {
        "code": "NEW-1",
        "kind": "school",
        "name": "Новая школа",
        "short_name": "",
        "municipality_id": str(municipality.id),
        "inn": "",
        "address": "",
        "email": "",
        "phone": "",
        "website": "",
        "industry": "",
    }
    data.update(changes)
    return data


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def edit_data(org: Organization, **changes) -> dict:
    data = {
        "code": org.code,
        "kind": org.kind.value,
        "name": org.name,
        "municipality_id": str(org.municipality_id),
        "industry": org.industry or "",
    }
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def english(client):
    """Assert on the English msgids, whatever the Russian catalogue says."""
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def admin():
    user = UserFactory(role=Role.ADMIN)
    db.session.commit()
    return user


# --- rules ---


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", "3906000118"])
def test_valid_inns(inn):
    assert is_valid_inn(inn)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",
        "500100732258",
        "500100732249",
        "770708389",
        "77070838931",
        "",
        "77070838 3",
        "７７０７０８３８９３",
        "abcdefghij",
    ],
)
def test_invalid_inns(inn):
    assert not is_valid_inn(inn)


def test_only_employers_have_an_approval_state():
    assert approval_state_for(K.SCHOOL, ApprovalState.PENDING) is None
    assert approval_state_for(K.EMPLOYER, None) is ApprovalState.APPROVED
    assert approval_state_for(K.EMPLOYER, ApprovalState.DECLINED) is ApprovalState.DECLINED


# --- list, filters, search, pagination ---


def test_directory_needs_login(client):
    for path in ("/organizations", "/municipalities", "/organizations/new"):
        assert client.get(path).status_code == 302


def test_filters_by_kind_municipality_and_approval(client, login):
    here, there = MunicipalityFactory(name="Гусев"), MunicipalityFactory(name="Зеленоградск")
    OrganizationFactory(name="Школа 1", municipality=here)
    OrganizationFactory(name="Школа 2", municipality=there)
    OrganizationFactory(name="Завод", kind=K.EMPLOYER, municipality=here)
    OrganizationFactory(
        name="Ферма", kind=K.EMPLOYER, municipality=there, approval_state=ApprovalState.PENDING
    )
    user = UserFactory(role=Role.COORDINATOR, municipality=there)
    db.session.commit()
    login(user)

    assert listed(client.get("/organizations?kind=employer")) == ["Завод", "Ферма"]
    assert listed(client.get(f"/organizations?municipality={there.id}")) == [
        "Ферма",
        "Школа 2",
    ]
    assert listed(client.get(f"/organizations?kind=school&municipality={here.id}")) == [
        "Школа 1",
    ]
    assert listed(client.get("/organizations?approval=pending")) == ["Ферма"]
    # Unknown values are ignored rather than failing.
    assert len(listed(client.get("/organizations?kind=zoo&municipality=x&approval=maybe"))) == 4


def test_an_employer_awaiting_approval_is_listed_only_to_those_who_decide_on_it(client, login):
    """Admins and its municipality's coordinator decide on it; nobody else sees it until then
    (docs/portal.md), in the list or on its page."""
    here, there = MunicipalityFactory(name="Гусев"), MunicipalityFactory(name="Зеленоградск")
    plant = OrganizationFactory(name="Завод", kind=K.EMPLOYER, municipality=here)
    farms = [
        OrganizationFactory(
            name=f"Ферма {state.value}", kind=K.EMPLOYER, municipality=here, approval_state=state
        )
        for state in (ApprovalState.PENDING, ApprovalState.DECLINED)
    ]
    viewers = {
        "admin": (UserFactory(role=Role.ADMIN), True),
        "coordinator here": (UserFactory(role=Role.COORDINATOR, municipality=here), True),
        "coordinator there": (UserFactory(role=Role.COORDINATOR, municipality=there), False),
        "school here": (UserFactory(role=Role.SCHOOL, organization__municipality=here), False),
        "employer here": (UserFactory(role=Role.EMPLOYER, organization=plant), False),
    }
    db.session.commit()
    for name, (user, decides) in viewers.items():
        login(user)
        expected = ["Завод", "Ферма declined", "Ферма pending"] if decides else ["Завод"]
        assert listed(client.get("/organizations?kind=employer")) == expected, name
        for farm in farms:
            status = client.get(f"/organizations/{farm.id}").status_code
            assert status == (200 if decides else 404), (name, farm.name)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})


def test_list_shows_kind_municipality_and_approval(client, login, admin):
    OrganizationFactory(
        name="Ферма",
        kind=K.EMPLOYER,
        municipality__name="Гусев",
        approval_state=ApprovalState.PENDING,
    )
    db.session.commit()
    login(admin)
    html = client.get("/organizations").get_data(as_text=True)
    assert "Гусев" in html
    assert "Employer" in html
    assert "Awaiting approval" in html


def test_search_by_name_code_and_inn_is_case_insensitive_for_cyrillic(client, login, admin):
    OrganizationFactory(name="Школа «Ромашка»", short_name="МАОУ Ромашка")
    OrganizationFactory(name="Лицей", code="LYC-77")
    OrganizationFactory(name="Гимназия", inn="7707083893")
    OrganizationFactory(name="100% Кадры", kind=K.EMPLOYER)
    db.session.commit()
    login(admin)

    for query in ("ромашка", "РОМАШКА", "маоу"):
        assert listed(client.get("/organizations", query_string={"q": query})) == [
            "МАОУ Ромашка"
        ], query
    assert listed(client.get("/organizations?q=lyc-7")) == ["Лицей"]
    assert listed(client.get("/organizations?q=0708389")) == ["Гимназия"]
    # LIKE wildcards are searched for literally.
    assert listed(client.get("/organizations", query_string={"q": "100%"})) == ["100% Кадры"]
    assert listed(client.get("/organizations", query_string={"q": "%"})) == ["100% Кадры"]


def test_pagination_keeps_the_filters(client, login, admin):
    for n in range(30):
        OrganizationFactory(name=f"Школа {n:02d}")
    OrganizationFactory(name="Колледж", kind=K.COLLEGE)
    db.session.commit()
    login(admin)

    first = client.get("/organizations?kind=school")
    assert len(listed(first)) == 25
    html = first.get_data(as_text=True)
    assert re.search(r'href="/organizations\?[^"]*page=2', html)
    assert re.search(r'href="/organizations\?[^"]*kind=school[^"]*"', html)
    second = client.get("/organizations?kind=school&page=2")
    assert listed(second) == [f"Школа {n}" for n in range(25, 30)]
    assert listed(client.get("/organizations?kind=school&page=9")) == []


def test_municipalities_link_their_counts_to_the_filtered_list(client, login, admin):
    place = MunicipalityFactory(
        name="Гусев", full_name="Гусевский городской округ", kind="городской округ"
    )
    OrganizationFactory.create_batch(3, municipality=place)
    OrganizationFactory()
    db.session.commit()
    login(admin)

    html = client.get("/municipalities").get_data(as_text=True)
    assert "Гусевский городской округ" in html
    assert "городской округ" in html
    link = re.search(rf'href="(/organizations\?municipality={place.id})">3</a>', html)
    assert link
    assert len(listed(client.get(link.group(1)))) == 3


# --- detail ---


def test_detail_shows_every_field_and_edit_only_to_managers(client, login):
    org = OrganizationFactory(
        kind=K.EMPLOYER,
        code="EMP-1",
        name="ООО «Балтийский завод»",
        short_name="Балтзавод",
        municipality__name="Гусев",
        inn="7707083893",
        address="ул. Морская, 1",
        email="info@baltzavod.example",
        phone="+7 4012 00-00-00",
        website="https://baltzavod.example",
        industry="Судостроение",
        approval_state=ApprovalState.DECLINED,
        decline_reason="Нет документов",
    )
    school_user = UserFactory(role=Role.SCHOOL)
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()

    # A declined employer is seen by those who decide on it only.
    login(school_user)
    assert client.get(f"/organizations/{org.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/organizations")})
    login(admin)
    page = client.get(f"/organizations/{org.id}")
    html = page.get_data(as_text=True)
    for value in (
        "EMP-1",
        "ООО «Балтийский завод»",
        "Балтзавод",
        "Гусев",
        "7707083893",
        "ул. Морская, 1",
        "info@baltzavod.example",
        "+7 4012 00-00-00",
        'href="https://baltzavod.example"',
        "Судостроение",
        "Declined",
        "Нет документов",
        "Employer",
    ):
        assert value in html, value
    assert f"/organizations/{org.id}/edit" in html

    client.post("/logout", data={"csrf_token": csrf_token(client, "/organizations")})
    org.approval_state, org.decline_reason = ApprovalState.APPROVED, None
    db.session.commit()
    login(school_user)
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "ООО «Балтийский завод»" in html
    assert f"/organizations/{org.id}/edit" not in html


def test_detail_links_only_web_addresses(client, login, admin):
    org = OrganizationFactory(website="javascript:alert(1)")
    db.session.commit()
    login(admin)
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert 'href="javascript' not in html


def test_unknown_organization_is_404(client, login, admin):
    login(admin)
    assert client.get("/organizations/999").status_code == 404
    assert client.get("/organizations/999/edit").status_code == 404


# --- create and edit ---


def test_admin_creates_an_employer_approved(client, login, admin):
    place = MunicipalityFactory()
    db.session.commit()
    login(admin)
    response = post(
        client,
        "/organizations/new",
        form_data(
            place,
            kind="employer",
            code=" EMP-9 ",
            name="Завод",
            inn="7707083893",
            email="hr@zavod.example",
            website="zavod.example",
            industry="Машиностроение",
        ),
    )
    [org] = [o for o in organizations() if o.code == "EMP-9"]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organizations/{org.id}")
    assert (org.kind, org.approval_state, org.municipality_id) == (
        K.EMPLOYER,
        ApprovalState.APPROVED,
        place.id,
    )
    assert (org.inn, org.website, org.industry, org.short_name) == (
        "7707083893",
        "https://zavod.example",
        "Машиностроение",
        None,
    )


def test_admin_edits_any_organization(client, login, admin):
    org = OrganizationFactory()
    elsewhere = MunicipalityFactory()
    db.session.commit()
    login(admin)
    response = post(
        client,
        f"/organizations/{org.id}/edit",
        edit_data(
            org,
            name="Переименованная школа",
            municipality_id=str(elsewhere.id),
            phone="123",
        ),
    )
    assert response.status_code == 302
    [saved] = organizations()
    assert (saved.name, saved.municipality_id, saved.phone) == (
        "Переименованная школа",
        elsewhere.id,
        "123",
    )


def test_edit_form_is_filled_with_the_organization(client, login, admin):
    org = OrganizationFactory(code="SCH-5", name="Школа № 5")
    db.session.commit()
    login(admin)
    html = client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    assert "<title>Edit: Школа № 5" in html
    assert 'value="SCH-5"' in html
    assert 'value="Школа № 5"' in html


def test_changing_kind_away_from_employer_clears_the_approval(client, login, admin):
    org = OrganizationFactory(
        kind=K.EMPLOYER,
        industry="IT",
        approval_state=ApprovalState.DECLINED,
        decline_reason="Дубликат",
    )
    db.session.commit()
    login(admin)
    post(client, f"/organizations/{org.id}/edit", edit_data(org, kind="college"))
    [saved] = organizations()
    assert (saved.kind, saved.approval_state, saved.decline_reason, saved.industry) == (
        K.COLLEGE,
        None,
        None,
        None,
    )
    post(client, f"/organizations/{org.id}/edit", edit_data(saved, kind="employer"))
    assert organizations()[0].approval_state is ApprovalState.APPROVED


def test_editing_an_employer_keeps_its_approval_state(client, login, admin):
    org = OrganizationFactory(kind=K.EMPLOYER, approval_state=ApprovalState.PENDING)
    db.session.commit()
    login(admin)
    post(client, f"/organizations/{org.id}/edit", edit_data(org, name="Новое имя"))
    [saved] = organizations()
    assert (saved.name, saved.approval_state) == ("Новое имя", ApprovalState.PENDING)


def test_kind_change_that_no_longer_fits_its_users_is_refused(client, login, admin):
    staff = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    login(admin)
    org = staff.organization
    response = post(client, f"/organizations/{org.id}/edit", edit_data(org, kind="employer"))
    assert response.status_code == 200
    assert "does not fit this kind" in response.get_data(as_text=True)
    assert organizations()[0].kind is K.SCHOOL


def test_duplicate_code_is_a_form_error(client, login, admin):
    existing = OrganizationFactory(code="DUP-1")
    other = OrganizationFactory(code="OTHER")
    db.session.commit()
    login(admin)
    response = post(client, "/organizations/new", form_data(existing.municipality, code="DUP-1"))
    assert response.status_code == 200
    assert "An organization with this code already exists." in response.get_data(as_text=True)
    response = post(client, f"/organizations/{other.id}/edit", edit_data(other, code="DUP-1"))
    assert "An organization with this code already exists." in response.get_data(as_text=True)
    assert [o.code for o in organizations()] == ["DUP-1", "OTHER"]


def test_a_code_saved_by_someone_else_meanwhile_is_a_form_error(client, login, admin, monkeypatch):
    """Two people save the same code at once: the loser's check passed, the database refuses."""
    existing = OrganizationFactory(code="RACE-1")
    db.session.commit()
    login(admin)
    monkeypatch.setattr(services, "code_taken", lambda code, organization: False)
    response = post(client, "/organizations/new", form_data(existing.municipality, code="RACE-1"))
    assert response.status_code == 200
    assert "An organization with this code already exists." in response.get_data(as_text=True)
    assert [o.code for o in organizations()] == ["RACE-1"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"inn": "7707083894"}, "The INN must have 10 or 12 digits"),
        ({"email": "not-an-email"}, "Enter a valid e-mail."),
        ({"code": "  "}, "This field is required."),
        ({"kind": "zoo"}, "Not a valid choice"),
        ({"municipality_id": "0"}, "This field is required."),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(client, login, admin, changes, message):
    place = MunicipalityFactory()
    MunicipalityFactory()
    db.session.commit()
    login(admin)
    response = post(client, "/organizations/new", form_data(place, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert organizations() == []


def test_coordinator_manages_their_municipality_only(client, login):
    coordinator = UserFactory(role=Role.COORDINATOR)
    own = OrganizationFactory(municipality=coordinator.municipality, name="Своя школа")
    foreign = OrganizationFactory(name="Чужая школа")
    db.session.commit()
    login(coordinator)

    html = client.get("/organizations/new").get_data(as_text=True)
    choices = html.split('id="municipality_id"')[1].split("</select>")[0]
    assert coordinator.municipality.name in choices
    assert foreign.municipality.name not in choices
    assert (
        post(
            client, "/organizations/new", form_data(coordinator.municipality, code="C-1")
        ).status_code
        == 302
    )
    assert (
        post(
            client, f"/organizations/{own.id}/edit", edit_data(own, name="Своя школа № 1")
        ).status_code
        == 302
    )
    assert {o.name for o in organizations()} == {"Своя школа № 1", "Чужая школа", "Новая школа"}

    assert client.get(f"/organizations/{foreign.id}/edit").status_code == 403
    assert (
        post(
            client, f"/organizations/{foreign.id}/edit", edit_data(foreign, name="Захвачено")
        ).status_code
        == 403
    )
    # Moving an own organization to, or creating one in, a foreign municipality.
    post(
        client,
        f"/organizations/{own.id}/edit",
        edit_data(own, municipality_id=str(foreign.municipality_id)),
    )
    post(client, "/organizations/new", form_data(foreign.municipality, code="C-2"))
    assert {(o.name, o.municipality_id) for o in organizations()} == {
        ("Своя школа № 1", coordinator.municipality_id),
        ("Новая школа", coordinator.municipality_id),
        ("Чужая школа", foreign.municipality_id),
    }
    assert f"/organizations/{foreign.id}/edit" not in client.get(
        f"/organizations/{foreign.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.EMPLOYER, Role.COLLEGE, Role.EMPLOYMENT_CENTER])
def test_other_roles_cannot_create_or_edit(client, login, role):
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    org = user.organization
    assert "/organizations/new" not in client.get("/organizations").get_data(as_text=True)
    assert client.get("/organizations/new").status_code == 403
    assert client.get(f"/organizations/{org.id}/edit").status_code == 403
    token = csrf_token(client, "/organizations")
    assert (
        client.post(
            "/organizations/new",
            data={
                **form_data(org.municipality, code="X"),
                "csrf_token": token,
            },
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/organizations/{org.id}/edit",
            data={
                **edit_data(org, name="Чужое имя"),
                "csrf_token": token,
            },
        ).status_code
        == 403
    )
    assert [(o.code, o.name) for o in organizations()] == [(org.code, org.name)]


def test_changes_are_audited(client, login, admin):
    from partnercrm.audit.models import AuditAction, AuditEntry

    place = MunicipalityFactory()
    db.session.commit()
    login(admin)
    post(client, "/organizations/new", form_data(place))
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "organization"))
    assert (entry.action, entry.user_id) == (AuditAction.CREATE, admin.id)
