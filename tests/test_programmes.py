"""Programmes (DESIGN §7): the roadmap pages show one programme at a time; the command line
lists and exports them."""

from __future__ import annotations

import pytest

from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from tests.factories import UserFactory
from tests.programme_factories import add_next_programme


@pytest.fixture
def two_programmes(seeded):
    return add_next_programme()


def test_the_roadmap_pages_show_one_programme(two_programmes, client, login):
    user = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    login(user)
    # Today (after both) the latest programme that started; the roadmap on request.
    page = client.get("/roadmap/").get_data(as_text=True)
    assert "Программа профориентации на 2023–2025 годы" in page
    assert "Экскурсии" in page and "Сопровождение профессионального" not in page
    old = client.get("/roadmap/?programme=kgd-2020-2022").get_data(as_text=True)
    assert "kgd-2020-2022" in old and "Сопровождение профессионального" in old
    assert "/roadmap/items/5?programme=kgd-2020-2022" in old
    assert client.get("/roadmap/?programme=nothing").status_code == 404

    item = client.get("/roadmap/items/1?programme=kgd-2023-2025").get_data(as_text=True)
    assert "Экскурсии" in item and "/roadmap/?programme=kgd-2023-2025" in item
    assert "Разработка и утверждение" in client.get(
        "/roadmap/items/1?programme=kgd-2020-2022"
    ).get_data(as_text=True)
    assert client.get("/roadmap/items/5").status_code == 404  # not in the new programme

    indicators = client.get("/roadmap/indicators").get_data(as_text=True)
    assert "Новый показатель 4" in indicators and "мониторинге профессиональных" not in indicators
    old = client.get("/roadmap/indicators?programme=kgd-2020-2022").get_data(as_text=True)
    assert "мониторинге профессиональных" in old and "Новый показатель" not in old
