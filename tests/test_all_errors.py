"""A submitted form shows every problem at once, not one per submit (issue #15, item 16)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from flask import get_flashed_messages
from wtforms import Form, StringField

from partnercrm.activities import services as activities
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import Refusals, UserError
from partnercrm.jobs import services as jobs
from partnercrm.localtime import to_utc
from partnercrm.web.unit_of_work import show_refusal
from tests.factories import OrganizationFactory


def test_refusals_raise_the_first_of_its_own_class_with_the_others():
    refusals = Refusals()
    refusals.raise_any()  # nothing found: nothing raised
    refusals.add(activities.ActivityError("The title is required.", "title"))
    with refusals.check():
        raise UserError("The end must not be before the start.", "end")
    with pytest.raises(activities.ActivityError) as refused:
        refusals.raise_any()
    assert [error.field for error in refused.value.all()] == ["title", "end"]


def test_every_refusal_lands_on_its_field_or_as_a_message(app):
    class TwoFields(Form):
        title = StringField()
        end = StringField()

    error = UserError("The title is required.", "title")
    error.more = [UserError("The end must not be before the start.", "end"), UserError("Oops.")]
    with app.test_request_context("/"):  # in Russian, the default
        form = TwoFields()
        show_refusal(error, form)
        assert form.title.errors == ["Укажите название."]
        assert form.end.errors == ["Время окончания не может быть раньше времени начала."]
        assert get_flashed_messages() == ["Oops."]


def test_an_activity_is_refused_for_every_problem_at_once(app):
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    start = to_utc(datetime(2021, 3, 15, 10, 0))
    data = activities.ActivityData(
        kind=ActivityKind.EXCURSION,
        title=" ",
        host=employer,
        organizer=school,
        starts_at=start,
        ends_at=start - timedelta(hours=1),
        schools=[employer],
    )
    with pytest.raises(activities.ActivityError) as refused:
        activities.check_activity(data)
    assert [error.field for error in refused.value.all()] == ["title", "end", "schools"]


def test_a_job_is_refused_for_every_problem_at_once(app):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    data = jobs.JobData(
        employer=employer,
        title="",
        duties="Сортировка",
        municipality_id=employer.municipality_id,
        address="ул. Портовая, 1",
        places=0,
        min_age=12,
        hours_per_day=Decimal(4),
        hours_per_week=Decimal(200),
        shift_starts=time(9),
        shift_ends=time(13),
        first_day=date(2026, 7, 10),
        last_day=date(2026, 7, 1),
    )
    with pytest.raises(jobs.JobError) as refused:
        jobs.check_job(data)
    assert [error.field for error in refused.value.all()] == [
        "title",
        "places",
        "min_age",
        "hours_per_week",
        "last_day",
    ]
