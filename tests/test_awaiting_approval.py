"""An employer awaiting approval — pending, or declined — acts for nobody and nobody picks it
(docs/portal.md): the probe's reproductions, the access rules, the pickers, the services behind
every way in (forms, imports, admins), its dashboard and the page where it corrects its sign-up
data. The security matrix walks every route as it (tests/test_security_matrix.py)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from partnercrm.access.activities import (
    activity_involvement,
    can_create_activity,
    can_organize_as,
    can_see_activity,
    creatable_activity_kinds,
)
from partnercrm.access.agreements import (
    agreement_visibility,
    can_create_agreement,
    can_make_agreement_between,
    can_see_agreement,
    can_see_agreements,
    default_party,
)
from partnercrm.access.base import can_act_for
from partnercrm.access.jobs import can_propose_jobs, can_see_jobs
from partnercrm.access.offers import can_create_offer, can_offer_for
from partnercrm.access.portal import can_edit_sign_up_data
from partnercrm.accounts.rules import Role
from partnercrm.activities import services as activity_services
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.agreements import services as agreement_services
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import find_organization, search_organizations
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.errors import UserError
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.offers import services as offer_services
from partnercrm.offers.rules import OfferKind
from tests.activity_factories import build_world, scoped_client, sign_in
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory, UserFactory
from tests.portal_factories import valid_inn

K = OrganizationKind
STATES = (ApprovalState.PENDING, ApprovalState.DECLINED)


@pytest.fixture
def world(seeded):
    """The activities' world, with an employer of each approval state in municipality 1: «Ферма
    Заря» approved, «Ферма Рассвет» pending, «Ферма Закат» declined, each with a user."""
    w = build_world()
    names = {
        ApprovalState.APPROVED: "Ферма Заря",
        ApprovalState.PENDING: "Ферма Рассвет",
        ApprovalState.DECLINED: "Ферма Закат",
    }
    w.farms, w.farm_users = {}, {}
    for number, (state, name) in enumerate(names.items()):
        farm = OrganizationFactory(
            kind=K.EMPLOYER,
            municipality=w.m1,
            name=name,
            inn=valid_inn(700 + number),
            code=valid_inn(700 + number),
            address="г. Калининград, ул. Полевая, 1",
            industry="Сельское хозяйство",
            approval_state=state,
            decline_reason="Нет документов" if state is ApprovalState.DECLINED else None,
        )
        w.farms[state] = farm
        w.farm_users[state] = UserFactory(
            role=Role.EMPLOYER, organization=farm, email=f"{state.value}@farm.example"
        )
    db.session.commit()
    return w


def browser_of(app, user):
    client = scoped_client(app)
    sign_in(client, user)
    return client


def post(client, path: str, data: dict, form_path: str | None = None):
    """POST ``data`` with a CSRF token of the client's session (from a page it may open)."""
    return client.post(
        path, data={**data, "csrf_token": csrf_token(client, form_path or "/account/password")}
    )


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def label(organization: Organization) -> str:
    return f"{organization.name} [{organization.code}]"


# --- the probe's reproductions ---


@pytest.mark.parametrize("state", STATES)
def test_it_cannot_hold_an_open_day_with_participating_schools(app, world, state):
    client = browser_of(app, world.farm_users[state])
    page = client.get("/activities/new/open_day")
    assert page.status_code == 403
    assert "This page opens once your organization is approved" in page.get_data(as_text=True)
    response = post(
        client,
        "/activities/new/open_day",
        {
            "day": "2021-03-20",
            "start": "11:00",
            "status": "planned",
            "plan_items": ["24"],
            "schools": [str(world.school1.id), str(world.school2.id)],
        },
    )
    assert response.status_code == 403
    assert count(Activity) == 0
    assert client.get("/activities/new").status_code == 403


@pytest.mark.parametrize("state", STATES)
def test_it_cannot_open_a_new_agreement(app, world, state):
    client = browser_of(app, world.farm_users[state])
    assert client.get("/agreements/new").status_code == 403
    response = post(
        client,
        "/agreements/new",
        {
            "number": "1",
            "subject": "Сотрудничество",
            "parties-0-organization": label(world.farms[state]),
            "parties-1-organization": label(world.school1),
        },
    )
    assert response.status_code == 403
    assert count(Agreement) == 0
    assert 'href="/agreements/' not in client.get("/dashboard").get_data(as_text=True)


def test_a_schools_host_search_leaves_out_employers_awaiting_approval(app, world):
    client = browser_of(app, world.school1_user)
    for query in ("/organizations/search?q=Ферма", "/organizations/search?q=Ферма&kind=employer"):
        found = [item["name"] for item in client.get(query).get_json()]
        assert found == ["Ферма Заря"], query
    # Typed in full, the host is not found either: the form refuses it and makes nothing.
    response = post(
        client,
        "/activities/new/excursion",
        {
            "host": label(world.farms[ApprovalState.PENDING]),
            "day": "2021-03-15",
            "start": "10:00",
            "status": "planned",
            "plan_items": ["5", "23"],
        },
        "/activities/new/excursion",
    )
    assert response.status_code == 200
    assert "No such organization" in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_the_presenters_picker_leaves_out_employers_awaiting_approval(app, world):
    client = browser_of(app, world.school1_user)
    page = client.get("/activities/new/parent_meeting").get_data(as_text=True)
    search = re.search(r'id="presenters-0-organization"[^>]*data-org-search="([^"]+)"', page)
    if search is None:
        search = re.search(r'data-org-search="([^"]+)"[^>]*id="presenters-0-organization"', page)
    url = search.group(1).replace("&amp;", "&")
    found = client.get(url + ("&" if "?" in url else "?") + "q=Ферма").get_json()
    assert [item["name"] for item in found] == ["Ферма Заря"]
    for state in STATES:
        farm = world.farms[state]
        response = post(
            client,
            "/activities/new/parent_meeting",
            {
                "host": f"{world.school1.name} [{world.school1.code}]",
                "day": "2021-02-10",
                "start": "18:00",
                "presenters-0-organization": f"{farm.name} [{farm.code}]",
                "status": "held",
                "plan_items": ["6", "17"],
            },
            "/activities/new/parent_meeting",
        )
        assert response.status_code == 200
        assert "No such organization" in response.get_data(as_text=True)
    assert count(Activity) == 0


def test_the_recent_hosts_leave_out_an_employer_set_back_to_pending(app, world):
    farm = world.farms[ApprovalState.APPROVED]
    activity_services.create_activity(
        activity_services.ActivityData(
            kind=ActivityKind.EXCURSION,
            title="Экскурсия",
            host=farm,
            organizer=world.school1,
            starts_at=to_utc(datetime(2021, 3, 15, 10, 0)),
        )
    )
    db.session.commit()
    client = browser_of(app, world.school1_user)
    assert "Ферма Заря" in client.get("/activities/new/excursion").get_data(as_text=True)
    farm.approval_state = ApprovalState.PENDING
    db.session.commit()
    assert "Ферма Заря" not in client.get("/activities/new/excursion").get_data(as_text=True)


def test_no_picker_offers_it(app, world):
    """Agreement parties, job employers, offering organizations, hosts: every picker resolves
    names through the same query, which never offers an employer awaiting approval."""
    approved = world.farms[ApprovalState.APPROVED]
    for kinds in (None, [K.EMPLOYER], [K.EMPLOYER, K.COLLEGE, K.UNIVERSITY]):
        assert [o.name for o in search_organizations("Ферма", kinds)] == ["Ферма Заря"]
        assert find_organization(label(approved), kinds) == approved
        for state in STATES:
            farm = world.farms[state]
            for text in (label(farm), farm.code, farm.name):
                assert find_organization(text, kinds) is None, (state, text)
    # An admin typing it as an agreement's party is refused as for an unknown organization.
    admin = browser_of(app, world.admin)
    response = post(
        admin,
        "/agreements/new",
        {
            "number": "1",
            "subject": "Сотрудничество",
            "parties-0-organization": label(world.farms[ApprovalState.PENDING]),
            "parties-1-organization": label(world.school1),
        },
        "/agreements/new",
    )
    assert response.status_code == 200
    assert "No such organization" in response.get_data(as_text=True)
    assert count(Agreement) == 0


# --- the access rules and their SQL ---


def test_the_access_rules_give_it_nothing_of_its_organization(app, world):
    """Its own organization's activity and agreement (made before it was set back, or by
    hand) are out of its sight, and it may make none; the approved employer is the control."""
    for state, farm in world.farms.items():
        activity = Activity(
            kind=ActivityKind.EXCURSION,
            title=f"Экскурсия {farm.name}",
            host=farm,
            organizer=farm,
            status=ActivityStatus.PLANNED,
            schools=[world.school1],
        )
        activity.set_time(to_utc(datetime(2021, 3, 15, 10, 0)))
        agreement = Agreement(
            number=f"Ф-{state.value}",
            subject="Сотрудничество",
            parties=[AgreementParty(organization=farm), AgreementParty(organization=world.school1)],
        )
        db.session.add_all([activity, agreement])
    db.session.commit()

    for state, user in world.farm_users.items():
        farm, acts = user.organization, state is ApprovalState.APPROVED
        own_activity = db.session.scalars(sa.select(Activity).where(Activity.host == farm)).one()
        own_agreement = db.session.scalars(
            sa.select(Agreement).where(Agreement.number == f"Ф-{state.value}")
        ).one()
        assert can_act_for(user, farm) is acts, state
        assert can_organize_as(user, farm) is acts, state
        assert can_create_activity(user, ActivityKind.OPEN_DAY) is acts, state
        assert (creatable_activity_kinds(user) != []) is acts, state
        assert can_see_activity(user, own_activity) is acts, state
        assert can_see_agreements(user) is acts and can_create_agreement(user) is acts, state
        assert (default_party(user) == farm) is acts, state
        assert can_make_agreement_between(user, [farm, world.school1]) is acts, state
        assert can_see_agreement(user, own_agreement) is acts, state
        assert can_create_offer(user) is acts and can_offer_for(user, farm) is acts, state
        assert can_propose_jobs(user) is acts and can_see_jobs(user) is acts, state
        assert can_edit_sign_up_data(user) is not acts, state
        # The SQL forms say the same.
        involved = db.session.scalars(sa.select(Activity.id).where(activity_involvement(user)))
        assert (own_activity.id in set(involved)) is acts, state
        visible = db.session.scalars(sa.select(Agreement.id).where(agreement_visibility(user)))
        assert (own_agreement.id in set(visible)) is acts, state


# --- the services: whoever asks (a form, an import, an admin) ---


@pytest.mark.parametrize("state", STATES)
def test_the_services_refuse_it_as_host_organizer_presenter_party_and_offerer(world, state):
    farm = world.farms[state]

    def activity(**changes):
        values = {
            "kind": ActivityKind.EXCURSION,
            "title": "Экскурсия",
            "host": world.farms[ApprovalState.APPROVED],
            "organizer": world.school1,
            "starts_at": to_utc(datetime(2021, 3, 15, 10, 0)),
            **changes,
        }
        return activity_services.ActivityData(**values)

    for field in ("host", "organizer"):
        with pytest.raises(UserError) as refused:
            activity_services.create_activity(activity(**{field: farm}))
        assert refused.value.field == field
        assert refused.value.message == "%(name)s is not an approved employer yet."
    meeting = activity_services.create_activity(
        activity(kind=ActivityKind.PARENT_MEETING, host=world.school1)
    )
    with pytest.raises(UserError) as refused:
        activity_services.set_parent_meeting_details(
            meeting, parents_count=None, professions=None, presenters=[farm]
        )
    assert refused.value.field == "presenters"
    with pytest.raises(UserError) as refused:
        agreement_services.create_agreement(
            agreement_services.AgreementData(
                number="1", subject="Сотрудничество", parties=[(farm, None), (world.school1, None)]
            )
        )
    assert refused.value.field == "parties"
    with pytest.raises(UserError) as refused:
        offer_services.create_offer(
            farm,
            OfferKind.SPEAKER,
            offer_services.OfferData(topic="Профессии", municipality=world.m1),
            None,
            to_utc(datetime(2021, 3, 1, 10, 0)),
        )
    assert refused.value.field == "organization"


def test_what_it_already_is_stays_when_its_approval_is_set_back(world):
    """An admin may set an approved employer back to pending: its activities stay editable,
    but it becomes nothing new."""
    farm = world.farms[ApprovalState.APPROVED]
    data = activity_services.ActivityData(
        kind=ActivityKind.EXCURSION,
        title="Экскурсия",
        host=farm,
        organizer=world.school1,
        starts_at=to_utc(datetime(2021, 3, 15, 10, 0)),
    )
    activity = activity_services.create_activity(data)
    farm.approval_state = ApprovalState.PENDING
    data.title = "Экскурсия на ферму"
    activity_services.update_activity(activity, data)
    assert activity.title == "Экскурсия на ферму"
    data.organizer = farm
    with pytest.raises(UserError):
        activity_services.update_activity(activity, data)


def test_an_import_refuses_it(runner, world, tmp_path):
    pending = world.farms[ApprovalState.PENDING]
    path = tmp_path / "activities.csv"
    path.write_text(
        "ref,kind,title,starts_at,host_code,organizer_code\n"
        f"E-1,excursion,Экскурсия,2021-03-15 10:00,{pending.code},{world.school1.code}\n"
        f"E-2,open_day,День открытых дверей,2021-03-16 10:00,{pending.code},{pending.code}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", "activities", str(path)])
    assert result.exit_code != 0, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert len(errors) == 2 and all("Ферма Рассвет" in line for line in errors), errors
    assert count(Activity) == 0


# --- what it may do: its dashboard, its menu, its sign-up data ---

CLOSED_MENU = (
    "/activities/",
    "/agreements/",
    "/calendar/",
    'href="/offers/"',
    "/roadmap/",
    'href="/organizations"',
    "/municipalities",
)


@pytest.mark.parametrize("state", STATES)
def test_its_dashboard_says_it_awaits_approval_and_what_it_may_do(app, world, state):
    page = browser_of(app, world.farm_users[state]).get("/dashboard").get_data(as_text=True)
    assert f'data-approval="{state.value}"' in page
    for link in ('href="/sign-up/organization"', 'href="/offers/public"', 'href="/jobs/board"'):
        assert link in page
    for closed in CLOSED_MENU:
        assert closed not in page, closed
    if state is ApprovalState.DECLINED:
        assert "Нет документов" in page
    approved = browser_of(app, world.farm_users[ApprovalState.APPROVED]).get("/dashboard")
    page = approved.get_data(as_text=True)
    assert "data-approval" not in page and "/sign-up/organization" not in page
    for shown in CLOSED_MENU:
        assert shown in page, shown


@pytest.mark.parametrize("state", STATES)
def test_it_corrects_its_sign_up_data_but_not_its_inn(app, world, state):
    farm = world.farms[state]
    inn, municipality_id = farm.inn, farm.municipality_id
    client = browser_of(app, world.farm_users[state])
    page = client.get("/sign-up/organization").get_data(as_text=True)
    assert inn in page and 'name="inn"' not in page
    assert 'value="Ферма' in page  # the form holds what it entered
    changes = {
        "name": "ООО «Ферма»",
        "short_name": "Ферма",
        "industry": "Молочное хозяйство",
        "address": "пос. Полевой, 2",
        "email": "info@farm.example",
        "phone": "+7 900 111-22-33",
        "website": "farm.example",
    }
    response = post(
        client,
        "/sign-up/organization",
        {**changes, "inn": valid_inn(9), "municipality_id": str(world.m2.id)},
        "/sign-up/organization",
    )
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    db.session.expire_all()
    farm = db.session.get(Organization, farm.id)
    assert {name: getattr(farm, name) for name in changes} == {
        **changes,
        "website": "https://farm.example",
    }
    assert (farm.inn, farm.municipality_id, farm.approval_state) == (inn, municipality_id, state)
    # A blank name is refused and changes nothing.
    response = post(
        client, "/sign-up/organization", {**changes, "name": ""}, "/sign-up/organization"
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Organization, farm.id).name == "ООО «Ферма»"


def test_only_an_employer_awaiting_approval_has_the_sign_up_data_page(app, world):
    for user in (world.farm_users[ApprovalState.APPROVED], world.school1_user, world.admin):
        client = browser_of(app, user)
        assert client.get("/sign-up/organization").status_code == 403, user.email
        response = post(client, "/sign-up/organization", {"name": "Чужое имя"})
        assert response.status_code == 403, user.email
    anonymous = scoped_client(app)
    assert anonymous.get("/sign-up/organization").status_code == 302
    db.session.expire_all()
    assert "Чужое имя" not in {o.name for o in db.session.scalars(sa.select(Organization))}
