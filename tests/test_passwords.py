"""New passwords: long enough and not easy to guess (zxcvbn's lists and patterns, also for what a
Russian keyboard layout types)."""

from __future__ import annotations

import pytest

from partnercrm.accounts.rules import password_problem
from partnercrm.extensions import db
from tests.conftest import csrf_token, log_in
from tests.factories import PASSWORD, UserFactory

EASY = "This password is easy to guess"


@pytest.mark.parametrize(
    "password",
    [
        # What the security probe got accepted.
        "qwertyuiop",
        "password12",
        "1q2w3e4r5t",
        # Russian: a keyboard walk and common words typed on either layout.
        "йцукенгшщз",
        "пароль12345",
        "gfhjkm12345",
        "фыва123456",
        "1234567890",
        "aaaaaaaaaaaa",
    ],
)
def test_common_passwords_and_keyboard_patterns_are_refused(password):
    assert password_problem(password).startswith(EASY)


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "ЯнтарныйКрай1945", "школа№5партнер", "amber window 1945 lighthouse"],
)
def test_unrelated_words_are_accepted(password):
    assert password_problem(password) is None


def test_too_short_comes_first():
    assert password_problem("йцукен") == "The password must have at least 10 characters."


def test_a_user_changing_to_a_common_password_is_told_in_russian(client):
    user = UserFactory()
    db.session.commit()
    log_in(client, user.email)
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "qwertyuiop",
            "confirm": "qwertyuiop",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 200
    assert "Этот пароль легко подобрать" in response.get_data(as_text=True)
