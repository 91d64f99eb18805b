"""The main menu: links grouped by task into dropdowns; a group with one link for the user shows
as that link, a group with none is left out (dashboard/navigation.py)."""

from __future__ import annotations

import re

from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from tests.conftest import log_in, request_scoped_client
from tests.factories import OrganizationFactory, UserFactory

TOGGLE = re.compile(r'data-bs-toggle="dropdown"[^>]*>([^<]+)</button>')


def menu_of(app, user) -> str:
    db.session.commit()
    client = request_scoped_client(app)
    log_in(client, user.email)
    page = client.get("/dashboard").get_data(as_text=True)
    return re.search(r'<ul class="navbar-nav me-auto">.*?</ul>\s*<div', page, re.S).group(0)


def test_the_admin_menu_is_a_few_groups_by_task(app):
    menu = menu_of(app, UserFactory(role=Role.ADMIN))
    assert TOGGLE.findall(menu) == ["Работа", "Партнёры", "Отчёты", "Управление"]
    items = re.findall(r'class="dropdown-item[^"]*"\s+href="([^"]+)"', menu)
    assert {"/activities/", "/agreements/", "/reports/", "/users", "/admin/"} <= set(items)


def test_a_group_of_one_link_is_that_link_and_an_empty_group_is_left_out(app):
    farm = OrganizationFactory(kind=OrganizationKind.EMPLOYER, approval_state=ApprovalState.PENDING)
    menu = menu_of(app, UserFactory(role=Role.EMPLOYER, organization=farm))
    assert TOGGLE.findall(menu) == []
    assert re.findall(r'class="nav-link[^"]*"\s+href="([^"]+)"', menu) == [
        "/dashboard",
        "/sign-up/organization",
    ]
