"""Sample data for the security matrix and the stored-XSS tests.

``build_world`` makes three tenants — each a school, an employer, a college, an employment
center, a camp, a user of every role and one object of every kind the app keeps; a and b in two
municipalities, c in a's — plus an administrator. Tests keep only ids (``World``/``Tenant``), so
the data survives app contexts.

``URL_SAMPLES`` says how to fill each URL argument from a tenant's objects; ``fingerprint`` is a
digest of every table, to prove a request changed nothing; ``page_forms`` reads the forms of a
page, to post plausible data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.web.extensions import limiter
from tests import pdfs

PDF = pdfs.pdf("security")
STAFF_ROLES = (
    Role.COORDINATOR,
    Role.SCHOOL,
    Role.COLLEGE,
    Role.EMPLOYER,
    Role.EMPLOYMENT_CENTER,
)


@dataclass
class Tenant:
    """One municipality's organizations, users and objects, by id."""

    key: str
    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[Role, str] = field(default_factory=dict)

    def ids_by_table(self) -> dict[str, set[int]]:
        """The tenant's organizations, municipality, students, users and activities by table."""
        result: dict[str, set[int]] = {}
        for name, table in ID_TABLES.items():
            if name in self.ids:
                result.setdefault(table, set()).add(self.ids[name])
        return result

    def __getattr__(self, name: str) -> int:
        if name.startswith("__") or name == "ids":
            raise AttributeError(name)
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


# The users of the employers awaiting approval (pending, declined) by their organization's name
# in Tenant.ids: identities of their own, beside the roles (their emails: awaiting_email).
AWAITING_APPROVAL = {
    "pending_employer": "pending_employer_user",
    "declined_employer": "declined_employer_user",
}


def awaiting_email(organization: str, key: str) -> str:
    """The e-mail of tenant ``key``'s user of ``organization`` (a key of AWAITING_APPROVAL)."""
    return f"{organization.replace('_', '-')}-{key}@security.test"


# The table of each object a tenant keeps by name (Tenant.ids).
ID_TABLES = {
    "municipality": "municipality",
    "student": "student",
    "invitee": "user",
    "activity": "activity",
    "parent_meeting": "activity",
    "camp_shift": "activity",
    "public_activity": "activity",
    "series": "activity_series",
    "series_session": "activity",
    **dict.fromkeys(("school", "employer", "college", "center", "camp"), "organization"),
    **dict.fromkeys(("pending_employer", "declined_employer"), "organization"),
    **dict.fromkeys(AWAITING_APPROVAL.values(), "user"),
    **{f"user_{role.value}": "user" for role in Role},
}


@dataclass
class World:
    """Tenants a and b are two municipalities; c is other organizations of a's municipality."""

    admin_email: str
    admin_id: int
    a: Tenant
    b: Tenant
    c: Tenant
    ids: dict[str, int] = field(default_factory=dict)  # shared objects (the campaign...)


# --- fixtures: one world per test module ---


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Overrides conftest's in the modules that import it: the world lives across their tests
    and is emptied once, at the end (``world``)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    from tests.conftest import empty_database

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path_factory.mktemp("uploads")))
        with app.app_context():
            built = build_world()
        yield built
        with app.app_context():
            empty_database()
        limiter.reset()


_ips = count(1)


def signed_in(app, email: str):
    """A client of its own, logged in as ``email``, with a CSRF token of its session."""
    from tests.conftest import csrf_token, log_in, request_scoped_client

    client = request_scoped_client(app)
    # A fresh address per login keeps clear of the per-IP login limit.
    number = next(_ips)
    response = log_in(client, email, ip=f"10.9.{number // 250}.{number % 250}")
    assert response.status_code == 302, f"{email} could not log in"
    client.csrf = csrf_token(client, "/account/password")
    return client


@pytest.fixture(scope="module")
def clients(app, world):
    """A logged-in client for the admin and for every role of tenant a."""
    with app.app_context():
        result = {Role.ADMIN: signed_in(app, world.admin_email)}
        result.update({role: signed_in(app, world.a.emails[role]) for role in STAFF_ROLES})
    return result


# --- building ---


def student_name(key: str) -> str:
    """The name of tenant ``key``'s student: unique, so a page that shows it is found."""
    return f"Скрытова Ученица-{key.upper()}"


def young_person_name(key: str) -> str:
    return f"Скрытов Подросток-{key.upper()}"


def build_world() -> World:
    """Three tenants and the region's shared objects; committed. Needs an app context and a
    writable ``UPLOAD_FOLDER``."""
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.roadmap.services import seed_roadmap
    from tests.factories import UserFactory

    seed_roadmap()
    seed_municipalities()
    admin = UserFactory(role=Role.ADMIN, email="admin@security.test")
    a, b = _build_tenant("a", admin), _build_tenant("b", admin)
    c = _build_tenant("c", admin, db.session.get(Municipality, a.municipality))
    world = World(admin_email=admin.email, admin_id=admin.id, a=a, b=b, c=c)
    _build_shared(world, admin)
    db.session.commit()
    return world


def _build_tenant(key: str, admin, municipality=None) -> Tenant:
    from partnercrm.directory.rules import ApprovalState, OrganizationKind
    from partnercrm.students.models import Student
    from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory

    t = Tenant(key)
    # A neighbour in an existing municipality keeps that municipality's plan for 2026.
    plan_year = 2026 if municipality is None else 2025
    municipality = municipality or MunicipalityFactory(name=f"Округ {key.upper()}")
    kinds = {
        "school": OrganizationKind.SCHOOL,
        "employer": OrganizationKind.EMPLOYER,
        "college": OrganizationKind.COLLEGE,
        "center": OrganizationKind.EMPLOYMENT_CENTER,
        "camp": OrganizationKind.CAMP,
    }
    orgs = SimpleNamespace(
        **{
            name: OrganizationFactory(
                kind=kind,
                municipality=municipality,
                code=f"{key}-{name}",
                address=f"{key} адрес",
                website="https://example.org",
            )
            for name, kind in kinds.items()
        }
    )
    pending, declined = (
        OrganizationFactory(
            kind=OrganizationKind.EMPLOYER,
            municipality=municipality,
            code=f"{key}-{state.value}",
            approval_state=state,
        )
        for state in (ApprovalState.PENDING, ApprovalState.DECLINED)
    )
    attachments = {
        Role.COORDINATOR: {"municipality": municipality, "organization": None},
        Role.SCHOOL: {"organization": orgs.school},
        Role.COLLEGE: {"organization": orgs.college},
        Role.EMPLOYER: {"organization": orgs.employer},
        Role.EMPLOYMENT_CENTER: {"organization": orgs.center, "municipality": municipality},
    }
    users = {
        role: UserFactory(role=role, email=f"{role.value}-{key}@security.test", **attachment)
        for role, attachment in attachments.items()
    }
    # Their registrations confirmed, the employers awaiting approval have a user each.
    awaiting = {
        user_key: UserFactory(
            role=Role.EMPLOYER, organization=organization, email=awaiting_email(name, key)
        )
        for (name, user_key), organization in zip(
            AWAITING_APPROVAL.items(), (pending, declined), strict=True
        )
    }
    invitee = UserFactory(
        role=Role.SCHOOL,
        organization=orgs.school,
        email=f"invitee-{key}@security.test",
        password_hash=None,
    )
    student = Student(
        school=orgs.school,
        local_id=f"{key}-1",
        full_name=student_name(key),
        grade=8,
        class_letter="А",
    )
    db.session.add(student)
    db.session.flush()
    t.emails = {role: user.email for role, user in users.items()}
    t.ids.update(
        municipality=municipality.id,
        school=orgs.school.id,
        employer=orgs.employer.id,
        college=orgs.college.id,
        center=orgs.center.id,
        camp=orgs.camp.id,
        pending_employer=pending.id,
        declined_employer=declined.id,
        invitee=invitee.id,
        student=student.id,
        **{f"user_{role.value}": user.id for role, user in users.items()},
        **{user_key: user.id for user_key, user in awaiting.items()},
    )
    _build_agreement(t, orgs, users[Role.SCHOOL])
    _build_activities(t, orgs, student, users[Role.SCHOOL])
    _build_series(t, orgs, student, users[Role.SCHOOL])
    _build_offers(t, orgs, users)
    _build_jobs(t, orgs, municipality, student, users[Role.EMPLOYMENT_CENTER])
    _build_registration(t, pending, declined)
    _build_plan(t, municipality, plan_year)
    return t


def _build_agreement(t: Tenant, orgs, author) -> None:
    from partnercrm.agreements.models import (
        Agreement,
        AgreementDocument,
        AgreementKind,
        AgreementParty,
        AgreementReminder,
    )
    from partnercrm.agreements.rules import CooperationKind
    from partnercrm.agreements.views import UPLOAD_AREA
    from partnercrm.uploads import store_bytes

    agreement = Agreement(
        number=f"{t.key}-1",
        subject="Сотрудничество",
        signed_on=date(2026, 1, 10),
        valid_from=date(2026, 1, 10),
        valid_to=date(2026, 12, 31),
        contact_persons="Контакты",
        notes="Заметки",
        created_by=author,
        parties=[
            AgreementParty(organization=orgs.school, role="Школа"),
            AgreementParty(organization=orgs.employer, role="Предприятие"),
        ],
        kinds=[AgreementKind(kind=CooperationKind.EXCURSIONS)],
    )
    document = AgreementDocument(
        stored_name=store_bytes(PDF, UPLOAD_AREA),
        original_name="договор.pdf",
        size=len(PDF),
        uploaded_by=author,
    )
    agreement.documents.append(document)
    db.session.add(agreement)
    db.session.flush()
    db.session.add(
        AgreementReminder(
            agreement_id=agreement.id,
            days_before=30,
            valid_to=agreement.valid_to,
            organization_id=orgs.school.id,
        )
    )
    t.ids.update(agreement=agreement.id, document=document.id)


def _build_activities(t: Tenant, orgs, student, author) -> None:
    from partnercrm.activities.models import (
        Activity,
        CampShift,
        Headcount,
        ParentMeeting,
        Participation,
        TripEscort,
    )
    from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
    from partnercrm.localtime import to_utc
    from partnercrm.roadmap.models import PlanItem

    def activity(kind, title, organizer, host, *, public=False, **extra):
        item = Activity(
            kind=kind,
            title=title,
            description="Описание",
            location="Место",
            host=host,
            organizer=organizer,
            status=ActivityStatus.HELD,
            public=public,
            created_by=author,
            plan_items=[db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 5))],
            **extra,
        )
        item.set_time(to_utc(datetime(2026, 10, 15, 10, 0)))
        db.session.add(item)
        return item

    excursion = activity(
        ActivityKind.EXCURSION,
        "Экскурсия",
        orgs.school,
        orgs.employer,
        schools=[orgs.school],
        agreement_id=t.agreement,
    )
    excursion.participations.append(Participation(student=student))
    excursion.headcounts.append(Headcount(school=orgs.school, grade=9, count=5, ovz_count=1))
    excursion.escorts.append(TripEscort(school=orgs.school, staff="Учитель Сопровождающий"))
    meeting = activity(ActivityKind.PARENT_MEETING, "Собрание", orgs.school, orgs.school)
    meeting.parent_meeting = ParentMeeting(
        parents_count=20, professions="Сварщик", presenters=[orgs.employer]
    )
    camp = activity(ActivityKind.CAMP_SHIFT, "Смена", orgs.school, orgs.camp)
    camp.set_days(date(2026, 7, 1), date(2026, 7, 10))
    camp.camp_shift = CampShift(camp_type=CampType.COUNTRY, theme="Тема", capacity=30)
    open_day = activity(
        ActivityKind.OPEN_DAY, "День открытых дверей", orgs.college, orgs.college, public=True
    )
    db.session.flush()
    t.ids.update(
        activity=excursion.id,
        parent_meeting=meeting.id,
        camp_shift=camp.id,
        public_activity=open_day.id,
    )


def _build_series(t: Tenant, orgs, student, author) -> None:
    """A weekly series of the school's class 8А with one session, the student taking part."""
    from partnercrm.activities.models import Activity, Participation
    from partnercrm.activities.rules import ActivityKind, ActivityStatus
    from partnercrm.localtime import to_utc
    from partnercrm.series.models import ActivitySeries, SeriesClass

    series = ActivitySeries(
        title="Россия — мои горизонты",
        kind=ActivityKind.CAREER_EVENT,
        school=orgs.school,
        host=orgs.school,
        location="каб. 21",
        weekday=4,
        first_date=date(2026, 10, 15),
        session_count=1,
        starts_at=time(13, 30),
        length_minutes=45,
        hours=Decimal(1),
        created_by=author,
        classes=[SeriesClass(grade=8, letter="А")],
    )
    db.session.add(series)
    db.session.flush()
    session = Activity(
        kind=ActivityKind.CAREER_EVENT,
        title=series.title,
        host=orgs.school,
        organizer=orgs.school,
        status=ActivityStatus.PLANNED,
        schools=[orgs.school],
        hours=Decimal(1),
        series_id=series.id,
        created_by=author,
    )
    session.set_time(to_utc(datetime(2026, 10, 15, 13, 30)), to_utc(datetime(2026, 10, 15, 14, 15)))
    session.participations.append(Participation(student=student))
    db.session.add(session)
    db.session.flush()
    t.ids.update(series=series.id, series_session=session.id)


def _build_offers(t: Tenant, orgs, users) -> None:
    from partnercrm.localtime import to_utc
    from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
    from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus

    def offer(kind, topic):
        item = Offer(
            kind=kind,
            organization=orgs.employer,
            municipality_id=orgs.employer.municipality_id,
            status=OfferStatus.PUBLISHED,
            topic=topic,
            profession="Сварщик",
            description="Описание",
            address="Адрес",
            grade_min=7,
            grade_max=11,
            safety_notes="Каска",
            availability="По вторникам",
            created_by=users[Role.EMPLOYER],
        )
        db.session.add(item)
        return item

    excursion = offer(OfferKind.EXCURSION, "Экскурсия на завод")
    starts = to_utc(datetime(2027, 3, 16, 10, 0))
    slot = OfferSlot(starts_at=starts, starts_on=date(2027, 3, 16), capacity=20, booked_seats=5)
    excursion.slots.append(slot)
    booking = Booking(
        slot=slot,
        school=orgs.school,
        seats=5,
        grade=8,
        class_letter="А",
        contact="Контакт",
        comment="Комментарий",
        status=BookingStatus.REQUESTED,
        request_key=f"{t.key}-booking",
        booked_by=users[Role.SCHOOL],
    )
    speaker = offer(OfferKind.SPEAKER, "Выступление")
    request = SpeakerRequest(
        offer=speaker,
        school=orgs.school,
        starts_at=starts,
        location="Актовый зал",
        topic="Профессии",
        message="Приходите",
        request_key=f"{t.key}-speaker",
        requested_by=users[Role.SCHOOL],
    )
    db.session.add_all([booking, request])
    db.session.flush()
    t.ids.update(
        offer=excursion.id,
        slot=slot.id,
        booking=booking.id,
        speaker_offer=speaker.id,
        speaker_request=request.id,
    )


def _build_jobs(t: Tenant, orgs, municipality, student, center_user) -> None:
    from partnercrm.jobs.models import (
        ApplicationStatusChange,
        HolidayJob,
        JobApplication,
        YoungPerson,
    )
    from partnercrm.jobs.rules import ApplicationStatus, JobStatus

    job = HolidayJob(
        employer=orgs.employer,
        center=orgs.center,
        municipality=municipality,
        status=JobStatus.PUBLISHED,
        title="Благоустройство",
        duties="Уборка",
        address="Парк",
        places=5,
        min_age=16,
        hours_per_day=Decimal(4),
        hours_per_week=Decimal(20),
        shift_starts=time(9, 0),
        shift_ends=time(13, 0),
        first_day=date(2027, 7, 1),
        last_day=date(2027, 7, 14),
        pay="20000 ₽",
        not_prohibited_attested=True,
        created_by=center_user,
    )
    person = YoungPerson(
        full_name=young_person_name(t.key),
        birth_date=date(2010, 3, 15),
        contact="+7 900 000-00-00",
        parent_contact="+7 900 000-00-01",
        municipality=municipality,
        registered_by_id=orgs.center.id,
    )
    application = JobApplication(job=job, young_person=person, created_by=center_user)
    application.history.append(
        ApplicationStatusChange(
            to_status=ApplicationStatus.APPLIED, note="Заявление", changed_by=center_user
        )
    )
    student_application = JobApplication(job=job, student=student, created_by=center_user)
    db.session.add_all([job, person, application, student_application])
    db.session.flush()
    t.ids.update(
        job=job.id,
        young_person=person.id,
        application=application.id,
        student_application=student_application.id,
    )


def _build_registration(t: Tenant, pending, declined) -> None:
    """A sign-up awaiting a decision, and a declined one (its page shows the reason)."""
    from partnercrm.portal.models import Registration
    from partnercrm.portal.rules import RegistrationStatus
    from tests.factories import password_hash

    confirmed = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    registrations = [
        Registration(
            email=f"{name}-{t.key}@security.test",
            full_name="Заявитель",
            position="Директор",
            phone="+7 900 000-00-02",
            password_hash=password_hash(),
            organization=organization,
            confirmed_at=confirmed,
            status=status,
            decline_reason="Не работодатель" if status is RegistrationStatus.DECLINED else None,
        )
        for name, organization, status in (
            ("signup", pending, RegistrationStatus.PENDING),
            ("declined", declined, RegistrationStatus.DECLINED),
        )
    ]
    db.session.add_all(registrations)
    db.session.flush()
    t.ids.update(registration=registrations[0].id, declined_registration=registrations[1].id)


def _build_plan(t: Tenant, municipality, year: int) -> None:
    from partnercrm.indicators.models import MunicipalPlan
    from partnercrm.monitoring.services import PLAN_DOCUMENTS
    from partnercrm.uploads import store_bytes

    plan = MunicipalPlan(
        municipality=municipality,
        year=year,
        approved_on=date(2026, 1, 20),
        title="План профориентации",
        document=store_bytes(PDF, PLAN_DOCUMENTS),
    )
    db.session.add(plan)
    db.session.flush()
    t.ids.update(plan=plan.id)


def _build_shared(world: World, admin) -> None:
    from partnercrm.indicators.models import IndicatorValue
    from partnercrm.jobs.models import SchoolHoliday
    from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
    from partnercrm.monitoring.rules import ReportStatus
    from partnercrm.roadmap.models import Indicator, Programme

    roadmap = db.session.scalar(sa.select(Programme).where(Programme.code == "kgd-2020-2022"))
    campaign = MonitoringCampaign(
        year=2026, deadline=date(2027, 2, 1), opened_by_id=admin.id, programme=roadmap
    )
    campaign.reports.append(
        MunicipalReport(
            municipality_id=world.a.municipality,
            status=ReportStatus.SUBMITTED,
            frozen_values={},
            comment="Отчёт",
            submitted_by_id=world.a.ids[f"user_{Role.COORDINATOR.value}"],
            submitted_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
        )
    )
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.number == 5))
    value = IndicatorValue(indicator=indicator, year=2026, value=3, comment="Комментарий")
    holiday = SchoolHoliday(
        school_year="2026/2027",
        name="Летние каникулы",
        first_day=date(2027, 6, 1),
        last_day=date(2027, 8, 31),
    )
    db.session.add_all([campaign, value, holiday])
    db.session.flush()
    world.ids.update(campaign=campaign.id, indicator_value=value.id, school_holiday=holiday.id)


# --- URL arguments ---


@dataclass
class SampleContext:
    """What a sample function may use: the world, the tenant whose object is wanted, the
    endpoint, and the arguments filled so far (in the rule's order)."""

    world: World
    tenant: Tenant
    rule: object  # werkzeug's Rule
    args: dict

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def _static_file(c: SampleContext) -> str:
    """The first file of the endpoint's static folder (the app's or a blueprint's)."""
    app = current_app
    blueprint = c.endpoint.rpartition(".")[0]
    folder = app.blueprints[blueprint].static_folder if blueprint else app.static_folder
    first = min(p for p in Path(folder).rglob("*") if p.is_file())
    return first.relative_to(folder).as_posix()


def _invitation_token(c: SampleContext) -> str:
    from partnercrm.accounts.models import User
    from partnercrm.accounts.services import invitation_token

    return invitation_token(db.session.get(User, c.tenant.invitee))


def _password_reset_token(c: SampleContext) -> str:
    from partnercrm.accounts.models import User
    from partnercrm.accounts.services import password_reset_token

    return password_reset_token(db.session.get(User, c.tenant.invitee))


def _feed_signature(c: SampleContext) -> str:
    from partnercrm.accounts.models import User
    from partnercrm.feeds.signing import feed_signature

    user = db.session.get(User, c.args["user_id"])
    return feed_signature(current_app.secret_key, user.feed_secret, user.id)


def _confirmation_token(c: SampleContext) -> str:
    from partnercrm.portal.models import Registration
    from partnercrm.portal.services import confirmation_token

    return confirmation_token(db.session.get(Registration, c.tenant.registration))


# URL argument name → how to get a value of the tenant's own. A new URL argument needs an
# entry here; tests/test_security_matrix.py fails, naming the endpoint, until it has one.
URL_SAMPLES = {
    "activity_id": lambda c: c.tenant.activity,
    "series_id": lambda c: c.tenant.series,
    "agreement_id": lambda c: c.tenant.agreement,
    "document_id": lambda c: c.tenant.document,
    "student_id": lambda c: c.tenant.student,
    "user_id": lambda c: c.tenant.ids[f"user_{Role.SCHOOL.value}"],
    "organization_id": lambda c: c.tenant.school,
    "school_id": lambda c: c.tenant.school,
    "municipality_id": lambda c: c.tenant.municipality,
    "plan_id": lambda c: c.tenant.plan,
    "campaign_id": lambda c: c.world.ids["campaign"],
    "offer_id": lambda c: c.tenant.offer,
    "slot_id": lambda c: c.tenant.slot,
    "booking_id": lambda c: c.tenant.booking,
    "request_id": lambda c: c.tenant.speaker_request,
    "job_id": lambda c: c.tenant.job,
    "application_id": lambda c: c.tenant.application,
    "registration_id": lambda c: c.tenant.registration,
    "number": lambda c: 5,  # a plan item
    "programme": lambda c: "kgd-2020-2022",  # the seeded roadmap's code
    "kind": lambda c: "excursion",
    "fmt": lambda c: "csv",
    "export_type": lambda c: "csv",
    "filename": _static_file,
    "token": _invitation_token,
    "signature": _feed_signature,
}

# Endpoints whose argument means something else than URL_SAMPLES says.
ENDPOINT_SAMPLES: dict[str, dict] = {
    "portal.confirm": {"token": _confirmation_token},
    "accounts.reset_password_by_link": {"token": _password_reset_token},
    "offers.request_speaker": {"offer_id": lambda c: c.tenant.speaker_offer},
    "offers.end_booking": {"action": lambda c: "cancel"},
    "offers.answer_speaker_request": {"action": lambda c: "decline"},
    "imports.template": {"kind": lambda c: "students"},
    "programmes.export": {"fmt": lambda c: "json"},
    **{
        f"series.{endpoint}": {"activity_id": lambda c: c.tenant.series_session}
        for endpoint in ("attendance", "mark_held", "cancel_session")
    },
}


class MissingSample(LookupError):
    pass


def url_arguments(world: World, tenant: Tenant, rule) -> dict:
    """The rule's arguments filled from ``tenant``'s objects; MissingSample names the first
    argument without a sample."""
    args: dict = {}
    overrides = ENDPOINT_SAMPLES.get(rule.endpoint, {})
    for name in rule_arguments(rule):
        sample = overrides.get(name) or URL_SAMPLES.get(name)
        if sample is None:
            raise MissingSample(
                f"add a sample for endpoint {rule.endpoint} ({rule.rule}): URL argument "
                f"{name!r} has none in tests/security_samples.py URL_SAMPLES"
            )
        args[name] = sample(SampleContext(world, tenant, rule, args))
    return args


def rule_arguments(rule) -> list[str]:
    """The rule's argument names in the order they appear in the URL."""
    return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)


def walked_rules(app, methods):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.methods & set(methods):
            yield rule


def admin_model_view(app, endpoint: str):
    """The Flask-Admin model view behind ``endpoint``, or None."""
    blueprint = endpoint.split(".", 1)[0]
    for view in app.extensions["admin"][0]._views:
        if view.endpoint == blueprint and hasattr(view, "model"):
            return view
    return None


def admin_query(app, endpoint: str) -> dict:
    """Flask-Admin takes the record in the query string: the first row of the view's model."""
    view = admin_model_view(app, endpoint)
    if view is None:
        return {}
    name = endpoint.split(".", 1)[1]
    if name in ("details_view", "edit_view", "delete_view"):
        model = view.model
        return {"id": str(db.session.scalar(sa.select(sa.func.min(model.id))))}
    if name == "ajax_lookup" and view.form_ajax_refs:
        return {"name": next(iter(view.form_ajax_refs)), "query": "a"}
    return {}


def build_url(app, world, tenant, rule, **overrides) -> str:
    """The rule's URL with ``tenant``'s objects; ``overrides`` replace arguments or add to the
    query string."""
    values = {**url_arguments(world, tenant, rule), **admin_query(app, rule.endpoint), **overrides}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# --- the database's fingerprint ---

# Rows a read may write by design. An audit entry of an export: reading personal data is
# recorded (DESIGN §2).
NOT_A_CHANGE = {"audit_entry": sa.text("action != 'export'")}


def fingerprint() -> dict[str, tuple[int, str]]:
    """(row count, digest of the rows) of every table, read on a connection of its own."""
    result = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            if table.name in NOT_A_CHANGE:
                query = query.where(NOT_A_CHANGE[table.name])
            rows = connection.execute(query).all()
            digest = hashlib.blake2b(repr(rows).encode(), digest_size=12).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def quick_fingerprint() -> dict[str, tuple]:
    """Every table's row count and latest ``updated_at``, in one query: cheap enough for every
    request. Audited changes add audit entries, so it sees them too; :func:`fingerprint`
    sees everything."""
    columns = []
    for table in db.metadata.sorted_tables:
        rows = sa.select(sa.func.count()).select_from(table)
        if table.name in NOT_A_CHANGE:
            rows = rows.where(NOT_A_CHANGE[table.name])
        columns.append(rows.scalar_subquery().label(f"{table.name}__rows"))
        if "updated_at" in table.c:
            latest = sa.select(sa.func.max(table.c.updated_at)).scalar_subquery()
            columns.append(latest.label(f"{table.name}__updated"))
    with db.engine.connect() as connection:
        row = connection.execute(sa.select(*columns)).one()
    result: dict[str, tuple] = {}
    for label, value in row._mapping.items():
        name = label.rsplit("__", 1)[0]
        result[name] = (*result.get(name, ()), value)
    return result


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


# --- forms on a page ---


@dataclass
class Form:
    action: str  # a path
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Fields that carry a number: number inputs, inputs and boxes holding one, selects of
    # numbers (ids of organizations, municipalities, students…).
    numbers: set[str] = field(default_factory=set)

    def data(self) -> dict:
        """What a browser would send (file inputs get a small PDF)."""
        import io

        data: dict = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        for name in self.files:
            data[name] = (io.BytesIO(PDF), "document.pdf")
        return data


_NUMBER = re.compile(r"-?\d+")


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._button_taken = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self._form = Form(action=action, method=(attrs.get("method") or "get").lower())
            self.forms.append(self._form)
            self._button_taken = False
            return
        form, name = self._form, attrs.get("name")
        if form is None or not name:
            if tag == "option" and self._select is not None:
                self._option(attrs)
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind == "number" or (kind != "file" and _NUMBER.fullmatch(attrs.get("value", ""))):
                form.numbers.add(name)
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    form.fields.append((name, attrs.get("value", "on")))
            elif kind in ("submit", "button", "image"):
                self._take_button(name, attrs)
            else:
                form.fields.append((name, attrs.get("value", "")))
        elif tag == "button":
            self._take_button(name, attrs)
        elif tag == "select":
            self._select, self._select_value = name, None
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def _take_button(self, name, attrs):
        # The first named button: the action a user would most likely press.
        if not self._button_taken:
            self._form.fields.append((name, attrs.get("value", "")))
            self._button_taken = True

    def _option(self, attrs):
        if self._form is not None and _NUMBER.fullmatch(attrs.get("value", "")):
            self._form.numbers.add(self._select)
        if self._select_value is None or "selected" in attrs:
            self._select_value = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None and self._select_value is not None:
                self._form.fields.append((self._select, self._select_value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def page_forms(page: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(page)
    return parser.forms
