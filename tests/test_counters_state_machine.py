"""The indicator counters stay exact under any sequence of changes (issue #18, point 3): a
hypothesis state machine changes the rows as the app does — through the ORM, the services,
the import engine and the programme import — and commits each step; after every step the
counters equal a recount of the rows (``counters.differences``), and every report that reads
them (``compute``, ``by_school``, ``by_grade_band``, ``reports.monthly``) gives the figures
the raw queries give, for calendar years and a run of months across a year's end, for the
region, a municipality and a school; so do the dashboards' "students who took part" (the
admin's and coordinators', ``activities/counters.py``) against the rows of the activities the
dashboard's access rule selects, for calendar and school years up to several days. Runs on
PostgreSQL too under TEST_DATABASE_URL.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities import changes, services
from partnercrm.activities import counters as participants
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus
from partnercrm.dashboard import queries as dashboard
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.readers import read_table
from partnercrm.imports.services import ImportRefused, import_table
from partnercrm.indicators import queries, reports
from partnercrm.indicators.compiler import REGION, Scope
from partnercrm.indicators.programme_import import import_programme, read_file
from partnercrm.indicators.programmes import programme_document, to_json
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Indicator
from partnercrm.roadmap.queries import programme_by_code
from partnercrm.students.models import Student
from tests.conftest import empty_database

PROGRAMME = "kgd-2020-2022"
STUDENT_INDICATORS = (2, 3, 4, 6)
# Calendar years (their school summaries) and a run of months across a year's end.
PERIODS = (Period.year(2021), Period.year(2022), Period(date(2021, 11, 1), date(2022, 2, 28)))
KINDS = list(OrganizationKind)
# Schools 0–1 in one municipality, 2 in another, 3 a college (its "students" never count).
SCHOOLS = [OrganizationKind.SCHOOL] * 3 + [OrganizationKind.COLLEGE]
SCHOOL_MUNICIPALITY = [0, 0, 1, 0]
STUDENTS = 10
# What the imports name, by ref (their kinds fixed: an import cannot change a kind).
BREAKDOWNS = (queries.by_school, queries.by_grade_band, reports.monthly)
IMPORT_REFS = {"IMP-1": "excursion", "IMP-2": "profproba", "IMP-3": "career_event"}
# The "today" of a dashboard: a year's or a school year's first and last day, and days between.
DASHBOARD_DAYS = (
    date(2021, 1, 1),
    date(2021, 8, 31),
    date(2021, 9, 1),
    date(2021, 12, 31),
    date(2022, 3, 15),
    date(2022, 8, 31),
    date(2022, 10, 20),
)

# Month and year ends as well as any day of the two years.
days = st.sampled_from(
    [date(2021, 1, 1), date(2021, 1, 31), date(2021, 2, 1), date(2021, 12, 31)]
    + [date(2022, 1, 1), date(2022, 2, 28), date(2022, 3, 1), date(2022, 12, 31)]
) | st.integers(0, 729).map(lambda n: date(2021, 1, 1) + timedelta(days=n))
# Held mostly: only held activities count.
statuses = st.sampled_from([ActivityStatus.HELD, ActivityStatus.HELD, *ActivityStatus])
picks = st.integers(0, 10_000)
grades = st.sampled_from([NO_GRADE, *range(1, 12)])
activities = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(list(ActivityKind)),
            "host": picks,
            "organizer": picks,
            "day": days,
            "status": statuses,
            "named": st.lists(picks, max_size=4),
            "heads": st.lists(
                st.tuples(st.integers(0, len(SCHOOLS) - 1), grades, st.integers(1, 30)),
                max_size=3,
            ),
        }
    ),
    min_size=2,
    max_size=5,
)
kind_lists = st.lists(st.sampled_from([kind.value for kind in KINDS]), min_size=1, unique=True)
student_rules = st.fixed_dictionaries(
    {"count": st.just("students")},
    optional={
        "activity_kinds": st.lists(
            st.sampled_from(
                [kind.value for kind in ActivityKind if kind is not ActivityKind.PARENT_MEETING]
            ),
            min_size=1,
            unique=True,
        ),
        "host_kinds": kind_lists,
        "organizer_kinds": kind_lists,
        "organizer_or_host_kinds": kind_lists,
        "ovz_only": st.booleans(),
        "grades": st.tuples(st.integers(1, 11), st.integers(0, 10)).map(
            lambda t: [t[0], min(11, t[0] + t[1])]
        ),
    },
)


def _pick(model, index: int, *where):
    """The ``index``-th row of ``model`` (modulo their number), or None if there is none."""
    ids = db.session.scalars(sa.select(model.id).where(*where).order_by(model.id)).all()
    return db.session.get(model, ids[index % len(ids)]) if ids else None


def _organization(index: int) -> Organization:
    return _pick(Organization, index)


def _set_kind(organization: Organization, kind: OrganizationKind) -> None:
    organization.kind = kind
    # An employer, and only one, has an approval state (a CHECK constraint).
    organization.approval_state = (
        ApprovalState.APPROVED if kind is OrganizationKind.EMPLOYER else None
    )


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


class CountersMachine(RuleBasedStateMachine):
    @initialize(activities=activities)
    def world(self, activities) -> None:
        """Schools with students, an organization of every kind, and a few activities with
        named participants and headcounts."""
        from partnercrm.directory.services import seed_municipalities
        from partnercrm.roadmap.services import seed_roadmap

        empty_database()
        seed_roadmap()
        seed_municipalities()
        municipalities = db.session.scalars(
            sa.select(Municipality).order_by(Municipality.id).limit(3)
        ).all()
        schools = []
        for i, kind in enumerate(SCHOOLS):
            schools.append(
                Organization(
                    kind=kind,
                    code=f"S{i}",
                    name=f"Школа {i}",
                    municipality=municipalities[SCHOOL_MUNICIPALITY[i]],
                )
            )
        for i, kind in enumerate(KINDS):
            host = Organization(code=f"H{i}", name=f"Организация {i}", kind=kind)
            host.municipality = municipalities[2]
            _set_kind(host, kind)
            db.session.add(host)
        db.session.add_all(schools)
        db.session.add_all(
            Student(
                school=schools[i % len(SCHOOLS)],
                local_id=f"{i:03d}",
                full_name=f"Ученик {i}",
                grade=1 + i % 11,
                ovz=i % 3 == 0,
            )
            for i in range(STUDENTS)
        )
        db.session.commit()
        for spec in activities:
            heads = spec.pop("heads")
            self.create_activity(**spec)
            for school, grade, count in heads:
                self.set_headcount(-1, school, grade, count, count // 4)
        self.municipality_id = municipalities[0].id
        self.hosts_municipality_id = municipalities[2].id
        self.school_id = schools[0].id
        self.step = 0

    # --- activities ---

    @rule(
        kind=st.sampled_from(list(ActivityKind)),
        host=picks,
        organizer=picks,
        day=days,
        status=statuses,
        named=st.lists(picks, max_size=4),
    )
    def create_activity(self, kind, host, organizer, day, status, named) -> None:
        activity = Activity(
            kind=kind,
            title="Мероприятие",
            status=status,
            host=_organization(host),
            organizer=_organization(organizer),
        )
        activity.set_days(day, day)
        db.session.add(activity)
        for student in {_pick(Student, index) for index in named}:
            activity.participations.append(Participation(student=student))
        db.session.commit()

    @rule(activity=picks, student=picks)
    def add_participant(self, activity, student) -> None:
        target, who = _pick(Activity, activity), _pick(Student, student)
        if target is None or any(p.student_id == who.id for p in target.participations):
            return
        db.session.add(Participation(activity=target, student=who))
        db.session.commit()

    @rule(participation=picks)
    def remove_participant(self, participation) -> None:
        row = _pick(Participation, participation)
        if row is not None:
            db.session.delete(row)
            db.session.commit()

    @rule(
        activity=picks,
        school=st.integers(0, len(SCHOOLS) - 1),
        grade=grades,
        count=st.integers(0, 30),
        ovz=st.integers(0, 30),
    )
    def set_headcount(self, activity, school, grade, count, ovz) -> None:
        """Add, change or (a count of 0) remove a headcount row."""
        target = _pick(Activity, activity)
        if target is None:
            return
        organization = db.session.scalar(sa.select(Organization).filter_by(code=f"S{school}"))
        row = db.session.scalar(
            sa.select(Headcount).filter_by(
                activity_id=target.id, school_id=organization.id, grade=grade
            )
        )
        if count == 0:
            if row is not None:
                db.session.delete(row)
        else:
            if row is None:
                row = Headcount(activity=target, school=organization, grade=grade)
                db.session.add(row)
            row.count, row.ovz_count = count, min(ovz, count)
        db.session.commit()

    @rule(activity=picks, status=statuses)
    def set_status(self, activity, status) -> None:
        """Cancel, hold or plan an activity (as an admin may, any way round)."""
        target = _pick(Activity, activity)
        if target is not None:
            target.status = status
            db.session.commit()

    @rule(activity=picks, day=days)
    def move_date(self, activity, day) -> None:
        target = _pick(Activity, activity)
        if target is not None:
            target.set_days(day, day)
            db.session.commit()

    @rule(activity=picks, hours=st.sampled_from(["0.5", "1", "2.25", "6"]))
    def change_hours(self, activity, hours) -> None:
        """The профминимум hours an activity gives (the hours counters follow)."""
        target = _pick(Activity, activity)
        if target is not None:
            target.hours = Decimal(hours)
            db.session.commit()

    @rule(activity=picks, kind=st.sampled_from(list(ActivityKind)))
    def change_kind(self, activity, kind) -> None:
        target = _pick(Activity, activity)
        if target is not None:
            target.kind = kind
            db.session.commit()

    @rule(activity=picks, organization=picks, role=st.sampled_from(["host", "organizer"]))
    def change_host(self, activity, organization, role) -> None:
        target = _pick(Activity, activity)
        if target is not None:
            setattr(target, role, _organization(organization))
            db.session.commit()

    @rule(activity=picks, schools=st.lists(st.integers(0, len(SCHOOLS) - 1), unique=True))
    def change_visiting_schools(self, activity, schools) -> None:
        """The municipalities a dashboard counts the activity in move with its schools."""
        target = _pick(Activity, activity)
        if target is not None:
            target.schools = [
                db.session.scalar(sa.select(Organization).filter_by(code=f"S{school}"))
                for school in schools
            ]
            db.session.commit()

    @rule(activity=picks, through_service=st.booleans())
    def delete_activity(self, activity, through_service) -> None:
        """Deleted as Flask-Admin or a script would (its rows go by ON DELETE CASCADE), or
        by the service, once its participants are removed."""
        target = _pick(Activity, activity)
        if target is None:
            return
        if through_service:
            target.participations.clear()
            target.headcounts.clear()
            db.session.flush()
            services.delete_activity(target)
        else:
            db.session.delete(target)
            db.session.flush()
            # SQLite enforces no foreign keys (the app turns them on nowhere): do its cascade,
            # or a new activity given the same id would take the orphans over.
            for model in (Participation, Headcount):
                db.session.execute(
                    sa.delete(model).where(~model.activity_id.in_(sa.select(Activity.id)))
                )
        db.session.commit()

    # --- organizations and students ---

    @rule(organization=picks, kind=st.sampled_from(KINDS))
    def change_organization_kind(self, organization, kind) -> None:
        _set_kind(_organization(organization), kind)
        db.session.commit()

    @rule(organization=picks, municipality=st.integers(0, 2), by_id=st.booleans())
    def move_organization(self, organization, municipality, by_id) -> None:
        """Another municipality: the activities it hosts, organizes or visits move along."""
        target = _organization(organization)
        moved_to = _pick(Municipality, municipality)
        if by_id:
            target.municipality_id = moved_to.id
        else:
            target.municipality = moved_to
        db.session.commit()

    @rule(student=picks, school=st.integers(0, len(SCHOOLS) - 1), by_id=st.booleans())
    def move_student(self, student, school, by_id) -> None:
        who = _pick(Student, student)
        organization = db.session.scalar(sa.select(Organization).filter_by(code=f"S{school}"))
        if by_id:
            who.school_id = organization.id
        else:
            who.school = organization
        db.session.commit()

    @rule(student=picks, grade=st.integers(1, 11), ovz=st.booleans())
    def change_student(self, student, grade, ovz) -> None:
        who = _pick(Student, student)
        who.grade, who.ovz = grade, ovz
        db.session.commit()

    # --- imports ---

    @rule(
        rows=st.lists(
            st.tuples(st.sampled_from(sorted(IMPORT_REFS)), days, picks, picks, statuses),
            min_size=1,
            max_size=3,
            unique_by=lambda row: row[0],
        ),
        named=st.lists(st.tuples(st.sampled_from(sorted(IMPORT_REFS)), picks), max_size=4),
        heads=st.lists(
            st.tuples(
                st.sampled_from(sorted(IMPORT_REFS)),
                st.integers(0, len(SCHOOLS) - 1),
                grades,
                st.integers(0, 20),
            ),
            max_size=3,
            unique_by=lambda row: row[:3],
        ),
    )
    def import_activities(self, rows, named, heads) -> None:
        """Activities by ref (created, or re-imported with another date, host, organizer or
        status), then their participants and headcounts, each file in its own unit of work
        as ``partnercrm import`` runs it; a refused file keeps nothing."""
        lines = []
        for ref, day, host, organizer, status in rows:
            lines.append(
                f"{ref},{IMPORT_REFS[ref]},Импорт,{day.isoformat()} 10:00,"
                f"{_organization(host).code},{_organization(organizer).code},{status.value}"
            )
        self._import(
            "activities",
            _csv("ref,kind,title,starts_at,host_code,organizer_code,status", lines),
        )
        participants = []
        for ref, index in named:
            who = _pick(Student, index)
            participants.append(f"{ref},{who.school.code},{who.local_id}")
        self._import(
            "participants", _csv("activity_ref,school_code,local_id", sorted(set(participants)))
        )
        headcounts = [
            f"{ref},S{school},{'' if grade == NO_GRADE else grade},{count},{count // 3}"
            for ref, school, grade, count in heads
        ]
        self._import(
            "headcounts", _csv("activity_ref,school_code,grade,count,ovz_count", headcounts)
        )

    def _import(self, kind: str, content: bytes) -> None:
        if content.count(b"\n") < 2:
            return
        try:
            import_table(kind, read_table(content))
        except ImportRefused:
            db.session.rollback()
        else:
            db.session.commit()

    # --- the programme's rules ---

    @rule(number=st.sampled_from(STUDENT_INDICATORS), data=student_rules)
    def reimport_programme(self, number, data) -> None:
        """``partnercrm programme import`` of the programme with one indicator's rule changed."""
        document = programme_document(db.session, programme_by_code(db.session, PROGRAMME))
        for indicator in document["indicators"]:
            if indicator["number"] == number:
                indicator["rule"] = data
        import_programme(read_file(to_json(document)))
        db.session.commit()

    @rule(number=st.sampled_from(STUDENT_INDICATORS), data=student_rules)
    def change_rule(self, number, data) -> None:
        indicator = db.session.scalar(sa.select(Indicator).filter_by(number=number))
        indicator.rule = data
        db.session.commit()

    # --- after every step ---

    @invariant()
    def counters_are_a_recount(self) -> None:
        # Every counter kept (the indicators', the профминимум hours').
        for kept in changes.kept_counters():
            assert kept.differences(db.session()) == [], kept.name
        # The readers, for one period, indicator and drill-down per step in turn: a counter
        # that went wrong stays wrong, so a later step finds it as well.
        period = PERIODS[self.step % len(PERIODS)]
        number = STUDENT_INDICATORS[self.step % len(STUDENT_INDICATORS)]
        breakdown = BREAKDOWNS[self.step // len(PERIODS) % len(BREAKDOWNS)]
        self.step += 1
        municipality = Scope(municipality_id=self.municipality_id)
        for scope in (REGION, municipality, Scope(school_id=self.school_id)):
            counted = queries.compute(db.session, period, scope)
            assert counted == queries.compute(db.session, period, scope, counted=False)
        for scope in (REGION, municipality):
            counted = breakdown(db.session, number, period, scope)
            assert counted == breakdown(db.session, number, period, scope, counted=False)
        # The admin's and two coordinators' "students who took part" up to a day.
        day = DASHBOARD_DAYS[self.step % len(DASHBOARD_DAYS)]
        for user, scope_id in (
            (User(role=Role.ADMIN, active=True), participants.REGION),
            *(
                (User(role=Role.COORDINATOR, municipality_id=m, active=True), m)
                for m in (self.municipality_id, self.hosts_municipality_id)
            ),
        ):
            for school_year in (False, True):
                held = dashboard.held_this_year(user, school_year, day)
                assert participants.took_part(
                    db.session, scope_id, school_year, day
                ) == dashboard.took_part_at(held), (user.role, scope_id, school_year, day)
        db.session.rollback()


CountersMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_counters_stay_exact_under_every_change(app):
    CountersMachine.TestCase().runTest()
