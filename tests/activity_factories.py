"""Factories for students and activities (kept apart from tests/factories.py while the
foundation's factories are being extended)."""

from __future__ import annotations

from datetime import date, datetime

import factory

from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.rules import OrganizationKind
from partnercrm.localtime import to_utc
from partnercrm.students.models import Student
from tests.factories import BaseFactory, OrganizationFactory


class StudentFactory(BaseFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    local_id = factory.Sequence(lambda n: f"{n:05d}")
    full_name = factory.Sequence(lambda n: f"Ученик Тестовый {n}")
    grade = 8
    class_letter = "А"
    ovz = False


class ActivityFactory(BaseFactory):
    """A held excursion to an employer, at 10:00 local time on 15 March 2021."""

    class Meta:
        model = Activity

    kind = ActivityKind.EXCURSION
    title = factory.Sequence(lambda n: f"Экскурсия {n}")
    host = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.EMPLOYER)
    organizer = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    status = ActivityStatus.HELD
    starts_at = factory.LazyFunction(lambda: to_utc(datetime(2021, 3, 15, 10, 0)))
    starts_on = date(2021, 3, 15)
    all_day = False
