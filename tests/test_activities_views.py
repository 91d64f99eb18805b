"""The activity pages as users work with them: logging, participants, lists, details."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from partnercrm.activities import services
from partnercrm.activities.models import Activity, CampShift, Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from tests.activity_factories import (
    ActivityFactory,
    StudentFactory,
    build_world,
    scoped_client,
    sign_in,
)
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory
from tests.offer_factories import BookingFactory, OfferFactory, SlotFactory


@pytest.fixture
def world(seeded):
    return build_world()


@pytest.fixture
def browser(app):
    return scoped_client(app)


def label(organization) -> str:
    return f"{organization.name} [{organization.code}]"


def post(client, path: str, data: dict, form_path: str | None = None):
    """POST ``data`` with a CSRF token taken from the page the form is on."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_path or path)})


def page_text(response) -> str:
    return response.get_data(as_text=True)


def activity_id_from(response) -> int:
    match = re.search(r"/activities/(\d+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def only_activity() -> Activity:
    db.session.expire_all()
    return db.session.scalars(sa.select(Activity)).one()


def participant_ids(activity_id: int) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            sa.select(Participation.student_id).where(Participation.activity_id == activity_id)
        )
    )


def make(
    host,
    organizer,
    *,
    kind=ActivityKind.EXCURSION,
    schools=(),
    public=False,
    status=ActivityStatus.HELD,
    when=datetime(2021, 3, 15, 10, 0),
    title=None,
    plan_items=None,
):
    activity = services.create_activity(
        services.ActivityData(
            kind=kind,
            title=title or f"{kind.value} at {host.name}",
            host=host,
            organizer=organizer,
            starts_at=to_utc(when),
            schools=list(schools),
            public=public,
            status=status,
            plan_items=plan_items,
        )
    )
    db.session.commit()
    return activity


# --- logging an excursion ---


def test_school_logs_a_held_excursion_with_a_whole_class(world, browser):
    sign_in(browser, world.school1_user)
    form = browser.get("/activities/new/excursion")
    assert form.status_code == 200
    assert "8А" in page_text(form)  # the class choice comes from the roster
    response = post(
        browser,
        "/activities/new/excursion",
        {
            "host": label(world.employer),
            "day": "2021-03-15",
            "start": "10:00",
            "end": "12:30",
            "classes": "8А",
            "status": "held",
            "plan_items": ["5", "23"],
        },
    )
    assert response.status_code == 302
    assert "/participants" in response.headers["Location"]
    activity = only_activity()
    assert activity.kind is ActivityKind.EXCURSION
    assert (activity.host, activity.organizer) == (world.employer, world.school1)
    assert activity.status is ActivityStatus.HELD
    assert activity.schools == [world.school1]
    assert [i.number for i in activity.plan_items] == [5, 23]
    assert activity.starts_on == date(2021, 3, 15)
    assert activity.starts_at == to_utc(datetime(2021, 3, 15, 10, 0))
    assert activity.ends_at == to_utc(datetime(2021, 3, 15, 12, 30))
    assert activity.title.endswith(world.employer.name)

    # The class went: its students take part at once; the page opens on its tab.
    assert participant_ids(activity.id) == {s.id for s in world.class_8a}
    assert response.headers["Location"].endswith("/participants?class=8%D0%90")
    roster = browser.get(response.headers["Location"])
    text = page_text(roster)
    assert all(s.full_name in text for s in world.class_8a + world.class_8b)  # one screen
    path = f"/activities/{activity.id}/participants"
    shown = [str(s.id) for s in world.class_8a]
    saved = post(browser, path, {"whole_class": "8А", "shown": shown, "class": "8А"}, path)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("?class=8%D0%90")  # no jump to all classes
    assert participant_ids(activity.id) == {s.id for s in world.class_8a}

    # Later: one student did not go after all, and one of 8Б did.
    dropped = world.class_8a[0]
    everybody = [str(s.id) for s in world.class_8a + world.class_8b]
    ticked = [str(s.id) for s in world.class_8a[1:]] + [str(world.class_8b[0].id)]
    post(browser, path, {"shown": everybody, "student": ticked})
    assert participant_ids(activity.id) == {
        world.class_8a[1].id,
        world.class_8a[2].id,
        world.class_8b[0].id,
    }
    assert dropped.id not in participant_ids(activity.id)
    detail = page_text(browser.get(f"/activities/{activity.id}"))
    assert world.class_8b[0].full_name in detail and dropped.full_name not in detail


def test_showing_one_class_leaves_the_other_classes_participants_alone(world, browser):
    activity = make(world.employer, world.school1, schools=[world.school1])
    services.set_named_participants(activity, world.school1, world.class_8b)
    db.session.commit()
    sign_in(browser, world.school1_user)
    path = f"/activities/{activity.id}/participants"
    shown = [str(s.id) for s in world.class_8a]
    post(browser, path, {"shown": shown, "student": shown[:1]}, path + "?class=8А")
    assert participant_ids(activity.id) == {world.class_8a[0].id} | {s.id for s in world.class_8b}


def test_school_logs_an_excursion_with_a_headcount(world, browser):
    sign_in(browser, world.school1_user)
    response = post(
        browser,
        "/activities/new/excursion",
        {
            "host": world.employer.code,  # an exact code is enough without the suggestions
            "day": "2021-04-01",
            "start": "09:00",
            "status": "held",
            "plan_items": ["5", "23"],
        },
    )
    assert response.status_code == 302
    activity = only_activity()
    path = f"/activities/{activity.id}/headcount"
    saved = post(
        browser,
        path,
        {"grade": "9", "count": "24", "ovz_count": "2"},
        f"/activities/{activity.id}/participants",
    )
    assert saved.status_code == 302
    db.session.expire_all()
    row = db.session.scalars(sa.select(Headcount)).one()
    assert (row.school_id, row.grade, row.count, row.ovz_count) == (world.school1.id, 9, 24, 2)
    assert "24" in page_text(browser.get(f"/activities/{activity.id}"))
    # A count of 0 removes the row.
    post(browser, path, {"grade": "9", "count": "0"}, f"/activities/{activity.id}/participants")
    db.session.expire_all()
    assert db.session.scalars(sa.select(Headcount)).all() == []


def test_host_search_suggests_organizations(world, browser):
    sign_in(browser, world.school1_user)
    found = browser.get("/organizations/search?q=янтар").get_json()
    assert [item["value"] for item in found] == [label(world.employer)]
    camps = browser.get("/organizations/search?q=а&kind=camp").get_json()
    assert camps == []  # two letters at least
    camps = browser.get("/organizations/search?q=Дю&kind=camp").get_json()
    assert [item["id"] for item in camps] == [world.camp.id]
    assert browser.get("/organizations/search?q=Дю&kind=school").get_json() == []


# --- parent meetings and camp shifts ---


def test_school_logs_a_parent_meeting_with_presenters(world, browser):
    sign_in(browser, world.school1_user)
    page = page_text(browser.get("/activities/new/parent_meeting"))
    assert 'id="presenters-0-organization"' in page  # a searchable picker, not every organization
    assert world.employer.name not in page
    response = post(
        browser,
        "/activities/new/parent_meeting",
        {
            "host": label(world.school1),
            "day": "2021-02-10",
            "start": "18:00",
            "presenters-0-organization": label(world.employer),
            "presenters-0-name": "Иванов Иван",
            "presenters-0-position": "главный инженер",
            "presenters-1-organization": label(world.college),
            "parents_count": "42",
            "professions": "сварщик, технолог",
            "status": "held",
            "plan_items": ["6", "17"],
        },
    )
    assert response.status_code == 302
    activity = only_activity()
    assert activity.kind is ActivityKind.PARENT_MEETING
    assert activity.host == activity.organizer == world.school1
    details = activity.parent_meeting
    assert details.parents_count == 42 and details.professions == "сварщик, технолог"
    assert {p.id for p in details.presenters} == {world.employer.id, world.college.id}
    people = {(r.organization_id, r.name, r.position) for r in details.presenter_rows}
    assert people == {
        (world.employer.id, "Иванов Иван", "главный инженер"),
        (world.college.id, None, None),
    }
    detail = page_text(browser.get(f"/activities/{activity.id}"))
    assert f"{world.employer.name} — Иванов Иван, главный инженер" in detail
    # The presenting employer sees the meeting.
    employer = scoped_client(browser.application)
    sign_in(employer, world.employer_user)
    assert employer.get(f"/activities/{activity.id}").status_code == 200


def test_school_logs_camp_shifts_at_a_camp_and_at_the_school(world, browser):
    sign_in(browser, world.school1_user)
    common = {
        "first_day": "2021-06-01",
        "last_day": "2021-06-21",
        "status": "planned",
        "plan_items": ["10"],
    }
    response = post(
        browser,
        "/activities/new/camp_shift",
        {
            **common,
            "camp_type": "country",
            "host": label(world.camp),
            "theme": "Инженеры",
            "capacity": "60",
        },
    )
    assert response.status_code == 302
    response = post(
        browser,
        "/activities/new/camp_shift",
        {**common, "camp_type": "school", "theme": "Профи"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    country, own = db.session.scalars(sa.select(Activity).order_by(Activity.id)).all()
    assert country.host == world.camp and country.all_day
    assert (country.starts_on, country.ends_on) == (date(2021, 6, 1), date(2021, 6, 21))
    assert country.camp_shift.camp_type is CampType.COUNTRY
    assert (country.camp_shift.theme, country.camp_shift.capacity) == ("Инженеры", 60)
    assert own.host == world.school1 and own.camp_shift.camp_type is CampType.SCHOOL
    # A country camp must be a camp.
    bad = post(
        browser,
        "/activities/new/camp_shift",
        {**common, "camp_type": "country", "host": label(world.employer)},
    )
    assert bad.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampShift)) == 2
    # A school may host a camp shift, but not a country camp: the service's camp rule refuses
    # it, on the host field.
    bad = post(
        browser,
        "/activities/new/camp_shift",
        {**common, "camp_type": "country", "host": label(world.school2)},
    )
    assert bad.status_code == 200
    host_field = re.search(r'id="host-field".*?</datalist>', page_text(bad), re.S).group(0)
    assert "Pick a camp (an organization of the kind camp)." in host_field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampShift)) == 2


def test_each_school_adds_its_own_students_to_a_camp_shift(world, browser):
    sign_in(browser, world.coordinator)
    response = post(
        browser,
        "/activities/new/camp_shift",
        {
            "camp_type": "country",
            "host": label(world.camp),
            "first_day": "2021-07-01",
            "last_day": "2021-07-14",
            "status": "planned",
            "plan_items": ["10"],
            "schools": [str(world.school1.id), str(world.school2.id)],
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    activity = only_activity()
    assert activity.organizer == world.camp  # the host organizes when no organizer is given
    for user, students in (
        (world.school1_user, world.class_8b),
        (world.school2_user, world.school2_students),
    ):
        client = scoped_client(browser.application)
        sign_in(client, user)
        path = f"/activities/{activity.id}/participants"
        ids = [str(s.id) for s in students]
        saved = post(client, path, {"shown": ids, "student": ids})
        assert saved.status_code == 302
    assert participant_ids(activity.id) == {s.id for s in world.class_8b + world.school2_students}
    # Four participants for three places: saved, with a warning.
    warned = client.get(saved.headers["Location"])
    assert "3" in page_text(warned)


# --- open days run by a college ---


def test_college_runs_an_open_day_with_headcounts_and_named_students(world, browser):
    sign_in(browser, world.college_user)
    response = post(
        browser,
        "/activities/new/open_day",
        {
            "day": "2021-03-20",
            "start": "11:00",
            "status": "held",
            "plan_items": ["24"],
            "schools": [str(world.school1.id), str(world.school3.id)],
        },
    )
    assert response.status_code == 302
    activity = only_activity()
    assert activity.host == activity.organizer == world.college
    assert set(activity.schools) == {world.school1, world.school3}
    path = f"/activities/{activity.id}/headcount"
    form = f"/activities/{activity.id}/participants"
    for school, count in ((world.school1, "30"), (world.school2, "12")):
        saved = post(browser, path, {"school": label(school), "grade": "", "count": count}, form)
        assert saved.status_code == 302
    db.session.expire_all()
    rows = {h.school_id: h.count for h in db.session.scalars(sa.select(Headcount))}
    assert rows == {world.school1.id: 30, world.school2.id: 12}
    assert world.school2 in only_activity().schools  # recorded schools become visiting

    # School 1 names its students: its headcount no longer counts.
    school = scoped_client(browser.application)
    sign_in(school, world.school1_user)
    ids = [str(s.id) for s in world.class_8a]
    assert post(school, form, {"shown": ids, "student": ids}).status_code == 302
    detail = page_text(browser.get(f"/activities/{activity.id}"))
    assert "Participants: 15</h2>" in detail  # 3 named + 12 counted
    assert "named: 3, without names: 12" in detail
    assert not any(s.full_name in detail for s in world.class_8a)  # the college sees counts


# --- lists ---


def titles(response) -> set[str]:
    return set(re.findall(r'<a href="/activities/\d+">([^<]+)</a>', page_text(response)))


def test_list_filters_each_narrow_the_list(world, browser):
    w = world
    a = make(
        w.employer,
        w.school1,
        schools=[w.school1],
        title="A excursion",
        when=datetime(2021, 3, 1, 10),
    )
    b = make(
        w.college,
        w.college,
        kind=ActivityKind.OPEN_DAY,
        schools=[w.school3],
        title="B open day",
        status=ActivityStatus.PLANNED,
        when=datetime(2021, 5, 1, 10),
    )
    c = make(
        w.school2,
        w.school2,
        kind=ActivityKind.PARENT_MEETING,
        schools=[w.school2],
        title="C meeting",
        when=datetime(2021, 9, 1, 18),
        plan_items=[17],
    )
    services.set_status(b, ActivityStatus.CANCELLED)
    db.session.commit()
    sign_in(browser, w.admin)
    everything = {"A excursion", "B open day", "C meeting"}
    cases = {
        "": everything,
        "kind=open_day": {"B open day"},
        "status=held": {"A excursion", "C meeting"},
        "status=cancelled": {"B open day"},
        f"municipality={w.m2.id}": {"B open day"},
        f"municipality={w.m1.id}": {"A excursion", "C meeting"},
        f"school={w.school3.code}": {"B open day"},
        f"school={w.school2.code}": {"C meeting"},
        f"host={w.employer.code}": {"A excursion"},
        f"organizer={w.college.code}": {"B open day"},
        "from=2021-04-01": {"B open day", "C meeting"},
        "to=2021-04-01": {"A excursion"},
        "from=2021-04-01&to=2021-06-30": {"B open day"},
        # By the item's id: numbers repeat across programmes.
        f"plan_item={c.plan_items[0].id}": {"C meeting"},
        f"plan_item={a.plan_items[0].id}": {"A excursion"},
        "q=meet": {"C meeting"},
        "host=no-such-code": set(),
        "from=yesterday": set(),
    }
    for query, expected in cases.items():
        assert titles(browser.get(f"/activities/?{query}")) == expected, query
    assert a.id and c.id


def test_list_is_paginated(world, browser):
    for day in range(1, 31):
        ActivityFactory(
            host=world.employer,
            organizer=world.school1,
            starts_at=to_utc(datetime(2021, 1, day, 10)),
            starts_on=date(2021, 1, day),
        )
    db.session.commit()
    sign_in(browser, world.admin)
    first, second = browser.get("/activities/"), browser.get("/activities/?page=2")
    assert len(titles(first)) == 25 and len(titles(second)) == 5
    assert not titles(first) & titles(second)


def count_queries(app, action) -> int:
    statements = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        response = action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("user", ["admin", "school1_user", "coordinator"])
def test_list_queries_do_not_grow_with_rows(world, browser, app, user):
    def add(count):
        for i in range(count):
            activity = ActivityFactory(
                host=OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=world.m1),
                organizer=world.school1,
            )
            activity.schools.append(world.school1)
            services.set_headcount(activity, world.school1, grade=8, count=i + 1)
        StudentFactory(school=world.school1)
        db.session.commit()

    sign_in(browser, getattr(world, user))
    add(10)
    few = count_queries(app, lambda: browser.get("/activities/"))
    plan_few = count_queries(app, lambda: browser.get("/roadmap/items/5"))
    assert len(titles(browser.get("/activities/"))) == 10
    add(20)
    many = count_queries(app, lambda: browser.get("/activities/"))
    plan_many = count_queries(app, lambda: browser.get("/roadmap/items/5"))
    assert len(titles(browser.get("/activities/"))) == 25
    assert few == many
    assert plan_few == plan_many


# --- details: names only for the student's own school ---


def test_names_only_for_the_own_school(world, browser, app):
    activity = make(world.employer, world.school1, schools=[world.school1, world.school2])
    services.set_named_participants(activity, world.school1, world.class_8a)
    services.set_named_participants(activity, world.school2, world.school2_students)
    db.session.commit()
    path = f"/activities/{activity.id}"
    own = scoped_client(app)
    sign_in(own, world.school1_user)
    text = page_text(own.get(path))
    assert all(s.full_name in text for s in world.class_8a)
    assert not any(s.full_name in text for s in world.school2_students)
    for user in (world.school2_user, world.employer_user, world.coordinator, world.admin):
        client = scoped_client(app)
        sign_in(client, user)
        response = client.get(path)
        assert response.status_code == 200
        text = page_text(response)
        assert not any(s.full_name in text for s in world.class_8a), user.role
        assert world.school1.name in text  # the per-school count is shown
    other = scoped_client(app)
    sign_in(other, world.school2_user)
    text = page_text(other.get(path))
    assert all(s.full_name in text for s in world.school2_students)
    # The participants page shows no other school's names either.
    text = page_text(other.get(path + "/participants"))
    assert not any(s.full_name in text for s in world.class_8a)


# --- bad input ---


def test_bad_input_is_refused_and_changes_nothing(world, browser):
    sign_in(browser, world.school1_user)
    base = {
        "host": label(world.employer),
        "day": "2021-03-15",
        "start": "10:00",
        "status": "held",
        "plan_items": ["5"],
    }
    for changes, message in (
        ({"end": "09:00"}, "The end must not be before the start."),
        ({"plan_items": ["5", "99"]}, "Unknown roadmap plan item."),
        ({"host": "Нет такой организации"}, "No such organization"),
        ({"day": "15.13.2021"}, "Not a valid date value."),
        ({"day": ""}, "Enter the date."),
        ({"start": ""}, "Enter the start time."),
        ({"status": "done"}, "Not a valid choice"),
        # plausible: dates from 2015 to three years ahead, no control characters.
        ({"day": "0001-01-01"}, "The date must be from 01.01.2015 to"),
        ({"day": "9999-12-31"}, "The date must be from 01.01.2015 to"),
        ({"day": "2014-12-31"}, "The date must be from 01.01.2015 to"),
        ({"title": "Экскурсия\x00"}, "invisible control character (U+0000)"),
        ({"title": "Экскурсия\tна завод"}, "Line breaks and tabs are not allowed"),
        ({"description": "Первая строка\r\n\x07"}, "invisible control character (U+0007)"),
        ({"location": "Цех\r\n№ 1"}, "Line breaks and tabs are not allowed"),
    ):
        response = post(browser, "/activities/new/excursion", {**base, **changes})
        assert response.status_code == 200, changes
        assert message in page_text(response), changes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0

    activity = make(world.employer, world.school1, schools=[world.school1])
    path = f"/activities/{activity.id}"
    response = post(
        browser,
        path + "/headcount",
        {"grade": "8", "count": "5", "ovz_count": "6"},
        path + "/participants",
    )
    assert response.status_code == 200
    assert "at most 5" in page_text(response)
    foreign = world.school2_students[0]
    mine = world.class_8a[0]
    response = post(
        browser,
        path + "/participants",
        {"shown": [str(mine.id), str(foreign.id)], "student": [str(mine.id), str(foreign.id)]},
    )
    assert response.status_code == 200
    assert "only its own students" in page_text(response)
    assert foreign.full_name not in page_text(response)
    response = post(browser, path + "/participants", {"whole_class": "9А"})
    assert response.status_code == 200
    assert participant_ids(activity.id) == set()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Headcount)) == 0
    edit = post(browser, path + "/edit", {**base, "end": "08:00"})
    assert edit.status_code == 200
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).ends_at is None


def test_a_description_keeps_its_lines_and_a_camp_shift_its_bounds(world, browser):
    # plausible: tab and line breaks are text in a multi-line field; dates stay in bounds.
    sign_in(browser, world.school1_user)
    response = post(
        browser,
        "/activities/new/excursion",
        {
            "host": label(world.employer),
            "day": "2021-03-15",
            "start": "10:00",
            "status": "held",
            "plan_items": ["5"],
            "description": "Программа:\r\n\t1. Цех\r\n\t2. Музей",
        },
    )
    assert response.status_code == 302, page_text(response)
    assert only_activity().description == "Программа:\r\n\t1. Цех\r\n\t2. Музей"
    camp = {"host": label(world.camp), "camp_type": "country", "status": "planned"}
    for first_day, last_day in (("2014-06-01", "2014-06-21"), ("2026-06-01", "9999-06-21")):
        response = post(
            browser,
            "/activities/new/camp_shift",
            {**camp, "first_day": first_day, "last_day": last_day},
        )
        assert response.status_code == 200, (first_day, last_day)
        assert "The date must be from 01.01.2015 to" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1


def test_the_service_refuses_activity_dates_out_of_bounds(world):
    data = services.ActivityData(
        kind=ActivityKind.EXCURSION,
        title="Экскурсия",
        host=world.employer,
        organizer=world.school1,
        starts_at=to_utc(datetime(9999, 12, 31, 10, 0)),
    )
    with pytest.raises(services.ActivityError) as refused:
        services.create_activity(data)
    assert refused.value.field == "day"
    data.starts_at = to_utc(datetime(2021, 3, 15, 10, 0))
    data.ends_at = to_utc(datetime(9999, 12, 31, 10, 0))
    with pytest.raises(services.ActivityError) as refused:
        services.create_activity(data)
    assert refused.value.field == "end"
    data.starts_at = data.ends_at = None
    data.first_day, data.last_day = date(2014, 12, 31), date(2015, 1, 2)
    with pytest.raises(services.ActivityError) as refused:
        services.check_activity(data)
    assert refused.value.field == "first_day"


def test_status_moves_from_the_detail_page(world, browser):
    activity = make(
        world.employer, world.school1, schools=[world.school1], status=ActivityStatus.PLANNED
    )
    sign_in(browser, world.school1_user)
    path = f"/activities/{activity.id}"
    assert post(browser, path + "/status", {"status": "held"}, path).status_code == 302
    assert post(browser, path + "/status", {"status": "cancelled"}, path).status_code == 302
    # Cancelled → held is not a move; back to planned first.
    post(browser, path + "/status", {"status": "held"}, path)
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status is ActivityStatus.CANCELLED
    # A cancelled activity takes no participants.
    ids = [str(world.class_8a[0].id)]
    assert (
        post(browser, path + "/participants", {"shown": ids, "student": ids}, path).status_code
        == 403
    )


def test_an_activity_made_from_a_booking_is_cancelled_through_the_booking(world, browser):
    """The offers package tells the activity pages where its activities are cancelled: the
    cancel button sends the organizer to the booking (which frees the seats), changing nothing."""
    activity = make(
        world.employer, world.employer, schools=[world.school1], status=ActivityStatus.PLANNED
    )
    booking = BookingFactory(
        slot=SlotFactory(offer=OfferFactory(organization=world.employer)),
        school=world.school1,
        activity=activity,
    )
    db.session.commit()
    sign_in(browser, world.employer_user)
    path = f"/activities/{activity.id}"
    response = post(browser, path + "/status", {"status": "cancelled"}, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/offers/bookings/{booking.id}")
    assert "arranged through an offer" in page_text(browser.get(path))
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status is ActivityStatus.PLANNED
    # Other moves are the activity's own.
    assert post(browser, path + "/status", {"status": "held"}, path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status is ActivityStatus.HELD


def test_edit_keeps_the_import_key_and_changes_plan_items(world, browser):
    activity = make(world.employer, world.school1, schools=[world.school1])
    activity.ref = "imp-1"
    db.session.commit()
    sign_in(browser, world.school1_user)
    path = f"/activities/{activity.id}/edit"
    page = page_text(browser.get(path))
    assert 'value="5" id="plan-item-5" checked' in page
    response = post(
        browser,
        path,
        {
            "host": label(world.employer),
            "title": "Новое название",
            "day": "2021-03-16",
            "start": "23:30",
            "status": "held",
            "plan_items": ["5", "15"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.ref == "imp-1" and activity.title == "Новое название"
    assert [i.number for i in activity.plan_items] == [5, 15]
    assert activity.starts_on == date(2021, 3, 16)


# --- the plan item page ---


def test_plan_item_page_lists_its_visible_activities(world, browser):
    make(world.employer, world.school1, schools=[world.school1], title="Visible 5")
    make(world.employer, world.school3, schools=[world.school3], title="Hidden 5")
    make(
        world.employer,
        world.school1,
        schools=[world.school1],
        title="Item 15 only",
        plan_items=[15],
    )
    sign_in(browser, world.school1_user)
    assert titles(browser.get("/roadmap/items/5")) == {"Visible 5"}
    assert titles(browser.get("/roadmap/items/15")) == {"Item 15 only"}
    admin = scoped_client(browser.application)
    sign_in(admin, world.admin)
    assert titles(admin.get("/roadmap/items/5")) == {"Visible 5", "Hidden 5"}
