"""``partnercrm remind``: 60 and 14 days before the last valid day, once each however often it
runs, to the active users and the e-mail of every party; none for indefinite, terminated, draft
or expired agreements. Each party's reminder is claimed before it is mailed, so a refused
message is retried for that party alone and overlapping runs never mail a party twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.agreements import reminders
from partnercrm.agreements.models import AgreementReminder
from partnercrm.extensions import db
from partnercrm.localtime import REGION_TZ
from partnercrm.mail import send_mail
from tests.factories import UserFactory
from tests.test_agreement_support import (
    make_agreement,
    world_fixture,  # noqa: F401 (the world fixture)
)

END = date(2021, 12, 31)


@pytest.fixture
def outbox(app, monkeypatch):
    """Messages go to Flask-Mailman's memory outbox during the test."""
    mailman = app.extensions["mailman"]
    monkeypatch.setattr(mailman, "backend", "locmem")
    monkeypatch.setattr(mailman, "outbox", [], raising=False)
    return mailman.outbox


def run_on(runner, day: date, hour: int = 6, exit_code: int = 0):
    """Run ``partnercrm remind`` as cron would at ``hour`` local time on ``day``."""
    with time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=REGION_TZ), tick=False
    ):
        result = runner.invoke(args=["remind"])
    assert result.exit_code == exit_code, result.output
    return result


def claims() -> list[tuple[int, int]]:
    """The reminders claimed: (days before, party)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(AgreementReminder.days_before, AgreementReminder.organization_id).order_by(
                AgreementReminder.days_before, AgreementReminder.organization_id
            )
        )
    ]


SCHOOL_MESSAGE = ("teacher@school1.example.org", "school1@example.org")
EMPLOYER_MESSAGE = ("boss@yantar.example.org", "hr@yantar.example.org")


def before(days: int) -> date:
    return END - timedelta(days=days)


def sent(outbox) -> list[tuple[str, ...]]:
    return [tuple(message.to) for message in outbox]


def test_reminded_at_60_and_14_days_once_each(app, world, runner, outbox):
    agreement = make_agreement([world.school, world.employer], number="5/2021", valid_to=END)
    run_on(runner, before(61))
    assert outbox == []

    result = run_on(runner, before(60))
    assert "5/2021: 60-day reminder sent" in result.output
    # one message per party: its active users and its own e-mail
    assert sorted(sent(outbox)) == [
        ("boss@yantar.example.org", "hr@yantar.example.org"),
        ("teacher@school1.example.org", "school1@example.org"),
    ]
    message = outbox[0]
    assert "5/2021" in message.subject and "31.12.2021" in message.subject
    assert "5/2021" in message.body and "60" in message.body
    assert f"/agreements/{agreement.id}" in message.body

    # however often it runs, the same reminder is not sent again
    for day in (before(60), before(60), before(59), before(30), before(15)):
        run_on(runner, day)
    assert len(outbox) == 2

    run_on(runner, before(14))
    assert len(outbox) == 4
    assert "14" in outbox[-1].body
    for day in (before(14), before(13), before(1), END, END + timedelta(days=1)):
        run_on(runner, day)
    assert len(outbox) == 4
    parties = sorted([world.school.id, world.employer.id])
    assert claims() == [(days, party) for days in (14, 60) for party in parties]
    assert set(db.session.scalars(sa.select(AgreementReminder.valid_to))) == {END}


def test_a_missed_run_sends_only_the_most_urgent_reminder(app, world, runner, outbox):
    make_agreement([world.school, world.employer], valid_to=END)
    # the first run is 20 days before the end: the 60-day reminder is still sent
    run_on(runner, before(20))
    assert len(outbox) == 2
    assert {days for days, _party in claims()} == {60}

    # nothing until 14 days before; then the 14-day one
    run_on(runner, before(15))
    assert len(outbox) == 2
    run_on(runner, before(10))
    assert len(outbox) == 4


def test_first_run_within_14_days_sends_the_14_day_reminder_only(app, world, runner, outbox):
    make_agreement([world.school, world.employer], valid_to=END)
    run_on(runner, before(5))
    run_on(runner, before(4))
    assert len(outbox) == 2
    assert {days for days, _party in claims()} == {14}


def test_prolonging_starts_new_reminders(app, world, runner, outbox):
    agreement = make_agreement([world.school, world.employer], valid_to=END)
    run_on(runner, before(60))
    assert len(outbox) == 2
    agreement.valid_to = END + timedelta(days=365)
    db.session.commit()
    run_on(runner, END + timedelta(days=365 - 60))
    assert len(outbox) == 4


@pytest.mark.parametrize(
    "fields",
    [
        {"valid_to": None},  # indefinite
        {"signed_on": None},  # draft
        {"terminated_on": date(2021, 6, 1), "termination_reason": "x"},  # terminated
        # terminated in the future: it ends by termination, not by expiry
        {"terminated_on": date(2021, 12, 1), "termination_reason": "x"},
        {"valid_to": date(2021, 1, 31)},  # expired long ago
    ],
)
def test_no_reminders_for(app, world, runner, outbox, fields):
    make_agreement([world.school, world.employer], **{"valid_to": END, **fields})
    for days in (60, 30, 14, 1, 0):
        run_on(runner, before(days))
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementReminder)) == 0


def test_recipients_are_the_parties_active_users_and_emails(app, world, runner, outbox):
    make_agreement([world.school, world.college], valid_to=END)
    UserFactory(
        role=Role.SCHOOL, organization=world.school, email="gone@school1.example.org", active=False
    )
    UserFactory(role=Role.SCHOOL, organization=world.school, email="Second@School1.example.org")
    run_on(runner, before(60))
    assert sorted(sent(outbox)) == [
        ("dean@college.example.org",),  # the college has no e-mail of its own
        (
            "second@school1.example.org",
            "teacher@school1.example.org",
            "school1@example.org",
        ),
    ]
    everyone = {address for message in outbox for address in message.to}
    assert "gone@school1.example.org" not in everyone
    assert not everyone & {
        "boss@yantar.example.org",
        "teacher@school2.example.org",
        "admin@example.org",
        "coord.north@example.org",
    }


def test_a_refused_message_is_retried_on_the_next_run(app, world, runner, outbox, monkeypatch):
    make_agreement([world.school, world.employer], valid_to=END)
    monkeypatch.setattr(reminders, "send_mail", lambda to, subject, body: False)
    with time_machine.travel(datetime(2021, 11, 1, 6, tzinfo=REGION_TZ), tick=False):
        result = runner.invoke(args=["remind"])
    assert result.exit_code == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementReminder)) == 0
    monkeypatch.setattr(reminders, "send_mail", send_mail)
    run_on(runner, date(2021, 11, 2))
    assert len(outbox) == 2


def test_a_refused_message_is_retried_for_that_party_alone(app, world, runner, outbox, monkeypatch):
    make_agreement([world.school, world.employer], number="7/2021", valid_to=END)

    def employer_refused(to, subject, body):
        return False if "boss@yantar.example.org" in to else send_mail(to, subject, body)

    monkeypatch.setattr(reminders, "send_mail", employer_refused)
    result = run_on(runner, before(60), exit_code=1)
    assert "7/2021: 60-day reminder sent to" in result.output
    assert "not sent, will retry on the next run" in result.output
    assert sent(outbox) == [SCHOOL_MESSAGE]
    # the school's claim stays; the employer's was released
    assert claims() == [(60, world.school.id)]

    monkeypatch.setattr(reminders, "send_mail", send_mail)
    run_on(runner, before(59))
    assert sent(outbox) == [SCHOOL_MESSAGE, EMPLOYER_MESSAGE]
    run_on(runner, before(58))
    assert len(outbox) == 2
    assert claims() == sorted([(60, world.school.id), (60, world.employer.id)])


def test_an_overlapping_run_never_mails_a_party_twice(
    app, world, runner, outbox, monkeypatch, make_app
):
    """A second run starts while the first is mailing its first party: the second mails the
    others, and the first finds their reminders claimed when it comes to them."""
    make_agreement([world.school, world.employer], valid_to=END)
    other = make_app({"MAIL_BACKEND": "locmem", "SERVER_NAME": "partnercrm.test"})
    other.extensions["mailman"].outbox = outbox
    runs = {}

    def send_while_another_run_starts(to, subject, body):
        if "second" not in runs:
            runs["second"] = None
            with other.app_context():
                runs["second"] = other.test_cli_runner().invoke(args=["remind"])
        return send_mail(to, subject, body)

    monkeypatch.setattr(reminders, "send_mail", send_while_another_run_starts)
    first = run_on(runner, before(60))
    second = runs["second"]
    assert second.exit_code == 0, second.output
    assert sorted(sent(outbox)) == [EMPLOYER_MESSAGE, SCHOOL_MESSAGE]
    assert first.output.count("reminder sent to") == 1
    assert second.output.count("reminder sent to") == 1
    assert len(claims()) == 2

    run_on(runner, before(60))
    assert len(outbox) == 2


def test_an_agreement_without_any_address_is_reported(app, world, runner, outbox):
    from tests.factories import OrganizationFactory

    lonely = [OrganizationFactory(), OrganizationFactory()]
    make_agreement(lonely, number="NO-MAIL", valid_to=END)
    result = run_on(runner, before(60))
    assert "NO-MAIL" in result.output
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementReminder)) == 0


def test_several_agreements_in_one_run(app, world, runner, outbox):
    make_agreement([world.school, world.employer], number="A", valid_to=END)
    make_agreement([world.school, world.college], number="B", valid_to=END - timedelta(days=46))
    result = run_on(runner, before(60))
    assert "A: 60-day" in result.output and "B: 14-day" in result.output
    assert len(outbox) == 4
