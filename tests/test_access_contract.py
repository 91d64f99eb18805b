"""The access contract: each predicate and its SQL form say the same.

``partnercrm/access/<domain>.py`` answers "may this user see (manage, decide) this row?" twice:
once for one object (``can_*``) and once for a query (``*_scope``, ``*_visibility``, the
feeds' ``*_condition``). For every pair in :data:`CONTRACTS` and every user of the security
matrix's world (tests/security_samples.py: with a pending and a declined employer's user) plus
the users it lacks — an employment center for the region and one for a municipality, a coordinator
without a municipality, staff attached to the wrong kind of organization, anonymous — the SQL
returns exactly the rows the predicate says yes to, over a world of rows that takes every
branch of both.

A few SQL forms are not the whole of one predicate (a list or a feed shows part of what its
user may see): their contract is a pair of bounds, ``at_least ⊆ SQL ⊆ predicate``, each bound
made of the access modules' own predicates.

Every public ``*_scope``/``*_visibility``/``*_condition`` function of ``partnercrm.access``
must have a contract here (or a reason in :data:`NO_PREDICATE`): a new scope without one fails
:func:`test_every_sql_form_has_a_contract`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

import partnercrm.access
from partnercrm.access.accounts import can_give_access, can_manage_user, grantable_roles
from partnercrm.access.activities import can_see_activity
from partnercrm.access.agreements import can_link_activity, can_see_agreement
from partnercrm.access.base import coordinator_municipality_id
from partnercrm.access.directory import can_manage_organization, can_see_organization
from partnercrm.access.jobs import can_see_applicant, can_see_job, handles_jobs, job_employer_id
from partnercrm.access.monitoring import (
    can_manage_municipal_plan,
    can_manage_plans_of,
    can_see_municipal_report,
)
from partnercrm.access.offers import (
    can_book,
    can_request_speaker,
    can_see_offer,
    can_see_offer_bookings,
    can_see_offer_record,
)
from partnercrm.access.portal import can_decide_registration
from partnercrm.access.profminimum import can_see_hours_by_name, can_see_school_hours
from partnercrm.access.reports import can_report_on_municipality, can_report_on_school
from partnercrm.access.series import can_manage_series
from partnercrm.access.students import can_see_student
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity
from partnercrm.agreements.models import Agreement
from partnercrm.directory.models import Municipality, Organization
from partnercrm.extensions import db
from partnercrm.indicators.models import MunicipalPlan
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.monitoring.models import MunicipalReport
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.portal.models import Registration
from partnercrm.series.models import ActivitySeries
from partnercrm.students.models import Student
from tests import security_samples

# The security matrix's world (one per module) and its database handling.
_clean_database = security_samples._clean_database
world = security_samples.world

ANONYMOUS = "anonymous"


def anonymous(user) -> bool:
    return not user.is_authenticated


# --- the contracts ---


@dataclass(frozen=True)
class Contract:
    """``sql`` (``"module.function"`` in ``partnercrm.access``) returns exactly the ``rows``
    for which ``says(user, row)`` is true — or, with ``at_least``, at least those for which
    ``at_least(user, row)`` is and at most those for which ``says`` is (``why`` says why).

    ``select(function, user)`` makes the query (default: the scope itself, or the rows WHERE
    the visibility); with ``per``, the contract holds for each object of that model, passed
    to ``select`` and the predicates as a third argument. ``anonymous`` False: the SQL form is
    not for anonymous visitors (``why`` says why)."""

    sql: str
    rows: type
    says: Callable[..., bool]
    select: Callable[..., sa.Select] | None = None
    name: str = ""
    at_least: Callable[..., bool] | None = None
    per: type | None = None
    anonymous: bool = True
    why: str = ""

    @property
    def id(self) -> str:
        return f"{self.sql}[{self.name}]" if self.name else self.sql

    def function(self) -> Callable | None:
        module, name = self.sql.split(".")
        return getattr(importlib.import_module(f"partnercrm.access.{module}"), name, None)

    def query(self, user, *context) -> sa.Select:
        function = self.function()
        if self.select is not None:
            return self.select(function, user, *context)
        if self.sql.endswith("_scope"):
            return function(user, *context)
        return sa.select(self.rows).where(function(user, *context))


def _where(condition) -> Callable[..., sa.Select]:
    """The query ``condition`` makes of a feed's WHERE clause; a feed's user is None for the
    public feed, which anonymous visitors see."""

    def select(function, user, *context):
        return condition(function(None if anonymous(user) else user, *context))

    return select


def assignable_organization(user, organization) -> bool:
    """An organization the user may attach a user to, with one of the roles they may give."""
    return any(
        can_give_access(user, role, organization, organization.municipality_id)
        for role in grantable_roles(user)
    )


def assignable_municipality(user, municipality) -> bool:
    """A municipality the user may limit a user to, with one of the roles they may give."""
    return any(can_give_access(user, role, None, municipality.id) for role in grantable_roles(user))


LOGIN_ONLY = (
    "behind login_required only: the predicate and the scope read user.role, which an "
    "anonymous visitor has not"
)

CONTRACTS: tuple[Contract, ...] = (
    # students: names of minors
    Contract("students.students_scope", Student, can_see_student),
    # activities
    Contract("activities.activities_scope", Activity, can_see_activity),
    Contract("activities.activity_visibility", Activity, can_see_activity),
    # weekly series: the organizing school's
    Contract("series.series_scope", ActivitySeries, can_manage_series),
    # agreements
    Contract("agreements.agreements_scope", Agreement, can_see_agreement),
    Contract("agreements.agreement_visibility", Agreement, can_see_agreement),
    Contract(
        "agreements.linkable_activity_condition",
        Activity,
        lambda user, activity, agreement: can_link_activity(user, agreement, activity),
        per=Agreement,
    ),
    # accounts
    Contract("accounts.users_scope", User, can_manage_user, anonymous=False, why=LOGIN_ONLY),
    Contract(
        "accounts.assignable_organizations_scope",
        Organization,
        assignable_organization,
        anonymous=False,
        why=LOGIN_ONLY,
    ),
    Contract(
        "accounts.assignable_municipalities_scope",
        Municipality,
        assignable_municipality,
        anonymous=False,
        why=LOGIN_ONLY,
    ),
    # directory
    Contract("directory.organization_visibility", Organization, can_see_organization),
    Contract(
        "directory.managed_organizations_scope",
        Organization,
        can_manage_organization,
        anonymous=False,
        why=LOGIN_ONLY,
    ),
    # reports
    Contract("reports.reportable_schools_scope", Organization, can_report_on_school),
    Contract(
        "reports.reportable_municipalities_scope",
        Municipality,
        lambda user, municipality: can_report_on_municipality(user, municipality.id),
    ),
    # профминимум hours
    Contract("profminimum.hours_schools_scope", Organization, can_see_school_hours),
    Contract(
        "profminimum.named_hours_schools_scope",
        Organization,
        lambda user, school: can_see_hours_by_name(user, school.id),
    ),
    # monitoring
    Contract("monitoring.municipal_plans_scope", MunicipalPlan, can_manage_municipal_plan),
    Contract(
        "monitoring.plan_municipalities_scope",
        Municipality,
        lambda user, municipality: can_manage_plans_of(user, municipality.id),
    ),
    Contract(
        "monitoring.municipal_reports_scope",
        MunicipalReport,
        lambda user, report: can_see_municipal_report(user, report.municipality_id),
    ),
    # portal
    Contract("portal.registrations_scope", Registration, can_decide_registration),
    Contract("portal.registration_visibility", Registration, can_decide_registration),
    # offers
    Contract("offers.offer_visibility", Offer, can_see_offer),
    Contract("offers.offers_visible_scope", Offer, can_see_offer),
    Contract(
        "offers.offers_scope",
        Offer,
        can_see_offer,
        at_least=lambda user, offer: (
            can_see_offer_bookings(user, offer)
            or can_book(user, offer)
            or can_request_speaker(user, offer)
        ),
        anonymous=False,
        why=(
            "the staff list: every offer the user answers for, and the published ones for "
            "those who answer for none (a school books from it) — never an offer out of sight. "
            "Behind login_required: the scope reads user.role, which an anonymous visitor has "
            "not (the public list is offers.public's)"
        ),
    ),
    Contract(
        "offers.offer_records_visibility",
        Booking,
        lambda user, booking: can_see_offer_record(user, booking, booking.slot.offer),
        select=lambda function, user: (
            sa.select(Booking)
            .join(OfferSlot, OfferSlot.id == Booking.slot_id)
            .where(function(user, Booking.school_id, OfferSlot.offer_id))
        ),
        name="bookings",
    ),
    Contract(
        "offers.offer_records_visibility",
        SpeakerRequest,
        lambda user, request: can_see_offer_record(user, request, request.offer),
        select=lambda function, user: sa.select(SpeakerRequest).where(
            function(user, SpeakerRequest.school_id, SpeakerRequest.offer_id)
        ),
        name="speaker requests",
    ),
    # jobs
    Contract("jobs.jobs_scope", HolidayJob, can_see_job),
    Contract("jobs.job_visibility", HolidayJob, can_see_job),
    Contract("jobs.application_visibility", JobApplication, can_see_applicant),
    # calendar feeds: the user's own (or None, the public feed's, for anonymous)
    Contract(
        "feeds.feed_activity_condition",
        Activity,
        can_see_activity,
        select=_where(lambda condition: sa.select(Activity).where(condition)),
        at_least=lambda user, activity: (
            can_see_activity(user, activity) and (anonymous(user) or not activity.public)
        ),
        why=(
            "the public feed is what anonymous visitors see; a private feed what the user's "
            "work involves — every non-public activity they see, and of the public ones their "
            "own"
        ),
    ),
    Contract(
        "feeds.feed_agreement_condition",
        Agreement,
        can_see_agreement,
        select=_where(lambda condition: sa.select(Agreement).where(condition)),
    ),
    Contract(
        "feeds.feed_booking_condition",
        Booking,
        lambda user, booking: can_see_offer_record(user, booking, booking.slot.offer),
        select=_where(
            lambda condition: (
                sa.select(Booking).join(OfferSlot, OfferSlot.id == Booking.slot_id).where(condition)
            )
        ),
    ),
    Contract(
        "feeds.feed_speaker_request_condition",
        SpeakerRequest,
        lambda user, request: can_see_offer_record(user, request, request.offer),
        select=_where(lambda condition: sa.select(SpeakerRequest).where(condition)),
    ),
    Contract(
        "feeds.feed_holiday_job_condition",
        HolidayJob,
        can_see_job,
        select=_where(lambda condition: sa.select(HolidayJob).where(condition)),
        at_least=lambda user, job: (
            can_see_job(user, job)
            and (
                handles_jobs(user)
                or job_employer_id(user) is not None
                or coordinator_municipality_id(user) is not None
            )
        ),
        anonymous=False,
        why=(
            "the center's, the employer's and the coordinator's jobs; school staff find the "
            "published ones in the public feed, which is the public job board's (it has no "
            "predicate: can_see_job is the staff pages' rule, so anonymous is left out)"
        ),
    ),
    Contract(
        "feeds.feed_offer_slot_condition",
        OfferSlot,
        lambda user, slot: can_see_offer(user, slot.offer),
        select=_where(
            lambda condition: (
                sa.select(OfferSlot).join(Offer, Offer.id == OfferSlot.offer_id).where(condition)
            )
        ),
        at_least=lambda user, slot: anonymous(user) and can_see_offer(user, slot.offer),
        why="the public feed holds every slot anonymous visitors see; a private feed none",
    ),
)

# SQL forms without a predicate to hold them to, each with the reason ("module.function": why).
# Empty: every SQL form of partnercrm/access has a contract above.
NO_PREDICATE: dict[str, str] = {}

# --- the users and rows they lack in the security world ---


@dataclass
class Cast:
    """The users of the contracts by name (ids: the data outlives the app contexts)."""

    users: dict[str, int]

    def load(self, name: str):
        if name == ANONYMOUS:
            return AnonymousUserMixin()
        return db.session.get(User, self.users[name])


@pytest.fixture(scope="module")
def cast(app, world) -> Cast:
    with app.app_context():
        users = {"admin": world.admin_id}
        for tenant in (world.a, world.b, world.c):
            for role in security_samples.STAFF_ROLES:
                users[f"{role.value}-{tenant.key}"] = tenant.ids[f"user_{role.value}"]
            users[f"invitee-{tenant.key}"] = tenant.invitee
            # The employers awaiting approval: a pending and a declined one.
            users[f"employer-pending-{tenant.key}"] = tenant.pending_employer_user
            users[f"employer-declined-{tenant.key}"] = tenant.declined_employer_user
        users.update(_build_the_rest(world))
        db.session.commit()
    return Cast(users)


def _build_the_rest(world) -> dict[str, int]:
    """What the security world lacks for these contracts: users at the edges of each rule and
    rows across municipalities, of every state the rules look at. Returns the new users."""
    from partnercrm.activities.models import ParentMeeting
    from partnercrm.activities.rules import ActivityKind, ActivityStatus
    from partnercrm.agreements.models import AgreementParty
    from partnercrm.directory.rules import OrganizationKind
    from partnercrm.jobs.models import YoungPerson
    from partnercrm.jobs.rules import ApplicationStatus, JobStatus
    from partnercrm.localtime import to_utc
    from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus
    from tests.factories import OrganizationFactory, UserFactory, password_hash

    a, b, c = world.a, world.b, world.c

    def org(id_: int) -> Organization:
        return db.session.get(Organization, id_)

    def municipality(id_: int) -> Municipality:
        return db.session.get(Municipality, id_)

    university = OrganizationFactory(
        kind=OrganizationKind.UNIVERSITY, municipality=municipality(b.municipality), code="b-uni"
    )
    # Users at the edges: (name, role, organization, municipality).
    edges = {
        "employment_center-region": (Role.EMPLOYMENT_CENTER, org(a.center), None),
        "employment_center-without-org": (
            Role.EMPLOYMENT_CENTER,
            None,
            municipality(a.municipality),
        ),
        "coordinator-without-municipality": (Role.COORDINATOR, None, None),
        "coordinator-at-a-school": (
            Role.COORDINATOR,
            org(a.school),
            municipality(a.municipality),
        ),
        "school-at-a-college": (Role.SCHOOL, org(a.college), None),
        "school-a-limited-to-b": (Role.SCHOOL, org(a.school), municipality(b.municipality)),
        "college-university-b": (Role.COLLEGE, university, None),
        "employer-a-limited-to-a": (Role.EMPLOYER, org(a.employer), municipality(a.municipality)),
    }
    users = {
        name: UserFactory(
            role=role,
            organization=organization,
            municipality=place,
            email=f"{name}@contract.test",
        )
        for name, (role, organization, place) in edges.items()
    }

    # Activities across municipalities: a school of a visits b; a of a presents in b; a
    # university of b runs an event at a college of a for a school of c.
    def activity(kind, organizer, host, schools=(), public=False):
        item = Activity(
            kind=kind,
            title=f"{kind.value} {organizer.code}",
            organizer=organizer,
            host=host,
            status=ActivityStatus.PLANNED,
            public=public,
            schools=list(schools),
        )
        item.set_time(to_utc(datetime(2026, 11, 5, 10, 0)))
        db.session.add(item)
        return item

    activity(ActivityKind.EXCURSION, org(b.college), org(b.employer), [org(a.school)])
    meeting = activity(ActivityKind.PARENT_MEETING, org(b.school), org(b.school))
    meeting.parent_meeting = ParentMeeting(presenters=[org(a.employer), org(a.center)])
    activity(ActivityKind.CAREER_EVENT, university, org(a.college), [org(c.school)])
    activity(ActivityKind.OPEN_DAY, university, university, public=True)

    # Agreements across municipalities, and one of a pending employer.
    for number, parties in (
        ("cross", [org(a.college), org(b.employer)]),
        ("pending", [org(a.pending_employer), org(c.center)]),
        ("university", [university, org(a.school)]),
    ):
        db.session.add(
            Agreement(
                number=number,
                subject="Сотрудничество",
                parties=[AgreementParty(organization=party) for party in parties],
            )
        )

    # Registrations: join requests (decided by the employer's own approved staff), and
    # unconfirmed ones nobody sees.
    for email, organization, joins, confirmed in (
        ("join-a", org(a.employer), True, True),
        ("join-b-unconfirmed", org(b.employer), True, False),
        ("signup-a-unconfirmed", org(a.pending_employer), False, False),
        ("join-pending-a", org(a.pending_employer), True, True),
    ):
        db.session.add(
            Registration(
                email=f"{email}@contract.test",
                full_name="Заявитель",
                password_hash=password_hash(),
                organization=organization,
                joins_existing=joins,
                confirmed_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC) if confirmed else None,
            )
        )

    # Offers: of a college taking place in another municipality, of a university, closed,
    # draft, of a pending employer; bookings and requests across municipalities.
    starts = to_utc(datetime(2027, 3, 17, 10, 0))

    def offer(organization, kind, status, place):
        item = Offer(
            kind=kind,
            organization=organization,
            municipality=place,
            status=status,
            topic=f"{kind.value} {organization.code} {status.value}",
        )
        db.session.add(item)
        return item

    def slot(item):
        new = OfferSlot(offer=item, starts_at=starts, starts_on=date(2027, 3, 17), capacity=30)
        db.session.add(new)
        return new

    keys = iter(range(1000))

    def booking(on, school):
        db.session.add(
            Booking(
                slot=on,
                school=school,
                seats=1,
                status=BookingStatus.REQUESTED,
                request_key=f"contract-{next(keys)}",
            )
        )

    def speaker_request(item, school):
        db.session.add(
            SpeakerRequest(
                offer=item,
                school=school,
                starts_at=starts,
                request_key=f"contract-{next(keys)}",
            )
        )

    college_offer = offer(
        org(a.college), OfferKind.EXCURSION, OfferStatus.DRAFT, municipality(b.municipality)
    )
    booking(slot(college_offer), org(b.school))
    university_offer = offer(
        university, OfferKind.SPEAKER, OfferStatus.PUBLISHED, municipality(b.municipality)
    )
    speaker_request(university_offer, org(a.school))
    closed = offer(
        org(b.employer), OfferKind.EXCURSION, OfferStatus.CLOSED, municipality(a.municipality)
    )
    booking(slot(closed), org(c.school))
    offer(
        org(a.pending_employer),
        OfferKind.EXCURSION,
        OfferStatus.DRAFT,
        municipality(a.municipality),
    )
    booking(db.session.get(OfferSlot, a.slot), org(b.school))
    speaker_request(db.session.get(Offer, b.speaker_offer), org(c.school))

    # Holiday jobs in every state; an employer's job in another municipality; a closed job
    # with a hired student of another municipality; a completed young person.
    def job(employer, place, status, center=None):
        item = HolidayJob(
            employer=employer,
            center=center,
            municipality=place,
            status=status,
            title=f"Работа {employer.code} {status.value}",
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
        )
        db.session.add(item)
        return item

    job(org(a.employer), municipality(a.municipality), JobStatus.PROPOSED)
    job(org(b.employer), municipality(b.municipality), JobStatus.DRAFT, org(b.center))
    closed_job = job(org(b.employer), municipality(b.municipality), JobStatus.CLOSED, org(b.center))
    elsewhere = job(
        org(a.employer), municipality(b.municipality), JobStatus.PUBLISHED, org(b.center)
    )
    person = YoungPerson(full_name="Подросток Контрактов", municipality_id=b.municipality)
    student_a, student_c = db.session.get(Student, a.student), db.session.get(Student, c.student)
    job_b = db.session.get(HolidayJob, b.job)
    db.session.add_all(
        [
            JobApplication(job=closed_job, student=student_a, status=ApplicationStatus.HIRED),
            JobApplication(job=elsewhere, young_person=person, status=ApplicationStatus.COMPLETED),
            JobApplication(job=job_b, student=student_c, status=ApplicationStatus.REJECTED),
        ]
    )
    db.session.flush()
    return {name: user.id for name, user in users.items()}


# --- the checks ---


def _ids(rows) -> set:
    return {row.id for row in rows}


def _describe(row) -> str:
    for attribute in ("email", "title", "topic", "number", "name", "code", "full_name"):
        value = getattr(row, attribute, None)
        if value:
            return f"{type(row).__name__} {row.id} ({value})"
    return f"{type(row).__name__} {row.id}"


def _disagreements(contract: Contract, cast: Cast) -> list[str]:
    rows = db.session.scalars(sa.select(contract.rows)).all()
    by_id = {row.id: row for row in rows}
    contexts = db.session.scalars(sa.select(contract.per)).all() if contract.per else [None]
    problems = []
    for name in [*cast.users, ANONYMOUS]:
        if name == ANONYMOUS and not contract.anonymous:
            continue
        user = cast.load(name)
        for context in contexts:
            extra = () if context is None else (context,)
            where = f"{name}" if context is None else f"{name}, {_describe(context)}"
            try:
                sql = _ids(db.session.scalars(contract.query(user, *extra)).unique())
            except Exception as error:  # noqa: BLE001 — reported with the user
                problems.append(f"{where}: the SQL form raised {error!r}")
                db.session.rollback()
                continue
            try:
                most = {id_ for id_, row in by_id.items() if contract.says(user, row, *extra)}
                least = (
                    most
                    if contract.at_least is None
                    else {id_ for id_, row in by_id.items() if contract.at_least(user, row, *extra)}
                )
            except Exception as error:  # noqa: BLE001 — reported with the user
                problems.append(f"{where}: the predicate raised {error!r}")
                continue
            only_sql = sorted(sql - most)
            only_predicate = sorted(least - sql)
            if only_sql:
                problems.append(
                    f"{where}: the SQL returns what the predicate refuses: "
                    + ", ".join(_describe(by_id[id_]) for id_ in only_sql)
                )
            if only_predicate:
                problems.append(
                    f"{where}: the predicate allows what the SQL leaves out: "
                    + ", ".join(_describe(by_id[id_]) for id_ in only_predicate)
                )
    return problems


@pytest.mark.parametrize(
    "contract",
    [pytest.param(contract, id=contract.id) for contract in CONTRACTS],
)
def test_predicate_and_sql_agree(contract: Contract, cast: Cast):
    assert contract.function() is not None, f"partnercrm.access.{contract.sql} is missing"
    problems = _disagreements(contract, cast)
    assert not problems, f"{contract.id} and its predicate disagree:\n" + "\n".join(problems)


def test_the_world_tells_the_sides_apart(cast: Cast):
    """The contracts mean something only if each SQL form gives some user rows and users
    different rows (a form that returns nothing for everyone agrees with a predicate that
    refuses everything)."""
    hollow = []
    for contract in CONTRACTS:
        if contract.function() is None:
            continue
        contexts = db.session.scalars(sa.select(contract.per)).all() if contract.per else [None]
        names = [*cast.users, ANONYMOUS] if contract.anonymous else list(cast.users)
        sizes = set()
        for name in names:
            user = cast.load(name)
            for context in contexts:
                extra = () if context is None else (context,)
                sizes.add(len(_ids(db.session.scalars(contract.query(user, *extra)).unique())))
        if len(sizes) < 2 or max(sizes) == 0:
            hollow.append(f"{contract.id}: row counts per user {sorted(sizes)}")
    assert not hollow, "rows or users missing to tell the sides apart:\n" + "\n".join(hollow)


def _sql_forms() -> dict[str, Callable]:
    """Every public ``*_scope``, ``*_visibility`` and ``*_condition`` function defined in a
    module of ``partnercrm.access``, by ``"module.function"``."""
    found = {}
    for module_info in pkgutil.iter_modules(partnercrm.access.__path__):
        module = importlib.import_module(f"partnercrm.access.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and name.endswith(("_scope", "_visibility", "_condition"))
            ):
                found[f"{module_info.name}.{name}"] = value
    return found


def test_every_sql_form_has_a_contract():
    declared = {contract.sql for contract in CONTRACTS} | NO_PREDICATE.keys()
    missing = sorted(_sql_forms().keys() - declared)
    assert not missing, (
        "SQL forms in partnercrm/access without a contract: add a Contract pairing each with "
        "its predicate to tests/test_access_contract.py (a predicate too, if it has none): "
        + ", ".join(missing)
    )


def test_every_contract_is_of_the_access_package():
    """A contract of a removed or renamed SQL form is stale (offer_visibility aside, which is
    on its way)."""
    forms = _sql_forms()
    stale = sorted(
        contract.sql
        for contract in CONTRACTS
        if contract.sql not in forms and contract.sql != "offers.offer_visibility"
    )
    assert not stale, f"contracts of SQL forms that are gone: {stale}"
    unexplained = [
        contract.id
        for contract in CONTRACTS
        if (contract.at_least or not contract.anonymous) and not contract.why
    ]
    assert not unexplained, f"bounds and exceptions need their why: {unexplained}"
