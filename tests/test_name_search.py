"""Names are found whatever the case and «ё» or «е» (issue #15 item 6): students, organizations,
users — in SQL, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.database import fold, folded
from partnercrm.directory.queries import find_organization, search_organizations
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from tests.activity_factories import StudentFactory, build_world, scoped_client, sign_in
from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def world(seeded):
    return build_world()


@pytest.fixture
def browser(app):
    return scoped_client(app)


def test_folded_reads_yo_as_e_in_any_case(seeded):
    for stored, typed in (
        ("Воробьёв", "воробьев"),
        ("ВОРОБЬЁВ", "Воробьев"),
        ("Воробьев", "ВОРОБЬЁВ"),
    ):
        assert db.session.scalar(sa.select(folded(sa.literal(stored)) == fold(typed)))


def test_student_search_ignores_yo_and_case(world, browser):
    StudentFactory(school=world.school1, full_name="Воробьёв Семён", local_id="Ё-17")
    StudentFactory(school=world.school1, full_name="Воробьева Алёна")
    db.session.commit()
    sign_in(browser, world.school1_user)
    for query in ("Воробьев", "воробьёв", "ВОРОБЬЕВ СЕМЕН"):
        text = browser.get("/students/", query_string={"q": query}).get_data(as_text=True)
        assert "Воробьёв Семён" in text, query
    text = browser.get("/students/", query_string={"q": "е-17"}).get_data(as_text=True)
    assert "Воробьёв Семён" in text and "Воробьева Алёна" not in text  # by local id


def test_organization_search_ignores_yo_and_case(world):
    OrganizationFactory(kind=OrganizationKind.EMPLOYER, name="ООО «Берёзка»", short_name="Берёзка")
    db.session.commit()
    assert [o.name for o in search_organizations("березк")] == ["ООО «Берёзка»"]
    assert [o.name for o in search_organizations("БЕРЁЗК")] == ["ООО «Берёзка»"]
    assert find_organization("березка") is not None  # the exact short name, ё typed as е


def test_user_search_ignores_yo_and_case(world, browser):
    UserFactory(role=Role.SCHOOL, organization=world.school1, full_name="Ковалёва Пётр")
    db.session.commit()
    sign_in(browser, world.admin)
    text = browser.get("/users", query_string={"q": "ковалева"}).get_data(as_text=True)
    assert "Ковалёва Пётр" in text
