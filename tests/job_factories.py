"""Factories for holiday jobs (shared by the tests of jobs, labour rules and the report)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import factory

from partnercrm.directory.rules import OrganizationKind
from partnercrm.jobs.models import HolidayJob, JobApplication, SchoolHoliday, YoungPerson
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from tests.factories import BaseFactory, MunicipalityFactory, OrganizationFactory


class SchoolHolidayFactory(BaseFactory):
    """The summer holidays of 2025/2026."""

    class Meta:
        model = SchoolHoliday

    school_year = "2025/2026"
    name = "Летние каникулы"
    first_day = date(2026, 6, 1)
    last_day = date(2026, 8, 31)


class HolidayJobFactory(BaseFactory):
    """A published job for 16-year-olds, two weeks in July 2026 within the rules."""

    class Meta:
        model = HolidayJob

    employer = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.EMPLOYER)
    center = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.EMPLOYMENT_CENTER)
    municipality = factory.SelfAttribute("employer.municipality")
    status = JobStatus.PUBLISHED
    title = factory.Sequence(lambda n: f"Благоустройство парка {n}")
    duties = "Уборка листвы, покраска скамеек"
    address = "Калининград, ул. Парковая, 1"
    places = 5
    min_age = 16
    hours_per_day = Decimal(4)
    hours_per_week = Decimal(20)
    shift_starts = time(9, 0)
    shift_ends = time(13, 0)
    first_day = date(2026, 7, 1)
    last_day = date(2026, 7, 14)
    not_prohibited_attested = True


class YoungPersonFactory(BaseFactory):
    """A school student who is 16 in July 2026."""

    class Meta:
        model = YoungPerson

    full_name = factory.Sequence(lambda n: f"Подросток Тестовый {n}")
    birth_date = date(2010, 3, 15)
    contact = "+7 900 000-00-00"
    parent_contact = "+7 900 000-00-01"
    is_school_student = True
    municipality = factory.SubFactory(MunicipalityFactory)


class JobApplicationFactory(BaseFactory):
    """An application of a registered young person (pass ``student=...`` and
    ``young_person=None`` for a student)."""

    class Meta:
        model = JobApplication

    job = factory.SubFactory(HolidayJobFactory)
    young_person = factory.SubFactory(YoungPersonFactory)
    status = ApplicationStatus.APPLIED
