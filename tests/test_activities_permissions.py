"""Who may see and change which activity and which participants (docs/activities.md).

Every role is tried on the list, the details, the forms, the status and the participants, with
ids of activities and students that are not theirs: the answer is 403 or 404 and nothing changes.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from partnercrm.access.activities import activities_scope, can_see_activity
from partnercrm.activities import services
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from tests.activity_factories import build_world, scoped_client, sign_in
from tests.conftest import csrf_token

USERS = (
    "admin",
    "coordinator",
    "coordinator2",
    "school1_user",
    "school2_user",
    "school3_user",
    "college_user",
    "employer_user",
    "center_user",
)


def create(kind, host, organizer, schools=(), public=False, title="Мероприятие"):
    activity = services.create_activity(
        services.ActivityData(
            kind=kind,
            title=title,
            host=host,
            organizer=organizer,
            starts_at=to_utc(datetime(2021, 3, 15, 10, 0)),
            schools=list(schools),
            public=public,
            status=ActivityStatus.HELD,
        )
    )
    db.session.flush()
    return activity


@pytest.fixture
def world(seeded):
    w = build_world()
    # School 1's excursion to the employer (municipality 1), with 8А named.
    w.excursion = create(
        ActivityKind.EXCURSION, w.employer, w.school1, [w.school1], title="Экскурсия школы 1"
    )
    services.set_named_participants(w.excursion, w.school1, w.class_8a)
    # The college's (municipality 2) open day, visited by school 1 (municipality 1).
    w.open_day = create(
        ActivityKind.OPEN_DAY,
        w.college,
        w.college,
        [w.school1],
        title="День открытых дверей колледжа",
    )
    # A public profproba of the college nobody was invited to.
    w.public = create(
        ActivityKind.PROFPROBA, w.college, w.college, public=True, title="Открытая профпроба"
    )
    db.session.commit()
    return w


def client_for(app, world, name):
    client = scoped_client(app)
    if name is not None:
        sign_in(client, getattr(world, name))
    return client


def snapshot():
    """Everything an activity request could change."""
    db.session.expire_all()
    activities = db.session.execute(
        sa.select(
            Activity.id,
            Activity.title,
            Activity.status,
            Activity.starts_at,
            Activity.host_id,
            Activity.organizer_id,
            Activity.public,
        ).order_by(Activity.id)
    ).all()
    participations = set(
        db.session.execute(sa.select(Participation.activity_id, Participation.student_id)).all()
    )
    headcounts = set(
        db.session.execute(
            sa.select(Headcount.activity_id, Headcount.school_id, Headcount.grade, Headcount.count)
        ).all()
    )
    schools = set(db.session.execute(sa.text("SELECT activity_id, school_id FROM activity_school")))
    return activities, participations, headcounts, schools


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


# --- seeing ---

# Which of the three activities each role sees (list and details).
VISIBLE = {
    "admin": {"excursion", "open_day", "public"},
    "coordinator": {"excursion", "open_day", "public"},  # open day: a visiting school is local
    "coordinator2": {"open_day", "public"},  # the college is in municipality 2
    "school1_user": {"excursion", "open_day", "public"},
    "school2_user": {"public"},
    "school3_user": {"public"},
    "college_user": {"open_day", "public"},
    "employer_user": {"excursion", "public"},  # the host
    "center_user": {"public"},
}


@pytest.mark.parametrize("name", USERS)
def test_list_and_details_show_what_the_role_may_see(app, world, name):
    client = client_for(app, world, name)
    listed = client.get("/activities/").get_data(as_text=True)
    for key in ("excursion", "open_day", "public"):
        activity = getattr(world, key)
        expected = key in VISIBLE[name]
        assert (activity.title in listed) is expected, key
        detail = client.get(f"/activities/{activity.id}")
        assert detail.status_code == (200 if expected else 404), key
        # The predicate and the query scope agree.
        user = getattr(world, name)
        assert can_see_activity(user, activity) is expected
        in_scope = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                activities_scope(user).where(Activity.id == activity.id).subquery()
            )
        )
        assert bool(in_scope) is expected


def test_anonymous_users_are_sent_to_the_login_page(app, world):
    client = scoped_client(app)
    activity_id = world.excursion.id
    for path in (
        "/activities/",
        f"/activities/{activity_id}",
        "/activities/new",
        "/activities/new/excursion",
        f"/activities/{activity_id}/edit",
        f"/activities/{activity_id}/participants",
        "/organizations/search?q=шк",
        "/roadmap/items/5",
    ):
        assert is_login_redirect(client.get(path)), path
    before = snapshot()
    for path in (
        f"/activities/{activity_id}/status",
        f"/activities/{activity_id}/participants",
        f"/activities/{activity_id}/headcount",
        "/activities/new/excursion",
    ):
        response = client.post(path, data={"status": "cancelled", "count": "5"})
        assert response.status_code in (302, 400), path  # login, or refused for want of CSRF
    assert snapshot() == before


# --- creating ---

CREATABLE = {
    "admin": set(ActivityKind),
    "coordinator": set(ActivityKind),
    "coordinator2": set(ActivityKind),
    "school1_user": {
        ActivityKind.EXCURSION,
        ActivityKind.PARENT_MEETING,
        ActivityKind.CAMP_SHIFT,
        ActivityKind.CAREER_EVENT,
    },
    "college_user": {
        ActivityKind.EXCURSION,
        ActivityKind.OPEN_DAY,
        ActivityKind.PROFPROBA,
        ActivityKind.CAREER_EVENT,
    },
    "employer_user": {
        ActivityKind.EXCURSION,
        ActivityKind.OPEN_DAY,
        ActivityKind.PROFPROBA,
        ActivityKind.CAREER_EVENT,
    },
    "center_user": {
        ActivityKind.EXCURSION,
        ActivityKind.OPEN_DAY,
        ActivityKind.PROFPROBA,
        ActivityKind.CAREER_EVENT,
    },
}


@pytest.mark.parametrize("name", sorted(CREATABLE))
def test_each_role_creates_only_its_kinds(app, world, name):
    client = client_for(app, world, name)
    for kind in ActivityKind:
        response = client.get(f"/activities/new/{kind.value}")
        assert response.status_code == (200 if kind in CREATABLE[name] else 403), kind
    assert client.get("/activities/new/banquet").status_code == 404


def test_a_coordinator_organizes_only_in_the_own_municipality(app, world):
    client = client_for(app, world, "coordinator")
    data = {
        "host": world.employer.code,
        "day": "2021-05-05",
        "start": "10:00",
        "status": "planned",
        "plan_items": ["5"],
    }
    path = "/activities/new/excursion"
    before = snapshot()
    outside = client.post(
        path, data={**data, "organizer": world.school3.code, "csrf_token": csrf_token(client, path)}
    )
    assert outside.status_code == 200
    assert "only in your municipality" in outside.get_data(as_text=True)
    assert snapshot() == before
    inside = client.post(
        path, data={**data, "organizer": world.school2.code, "csrf_token": csrf_token(client, path)}
    )
    assert inside.status_code == 302
    db.session.expire_all()
    created = db.session.scalars(sa.select(Activity).order_by(Activity.id.desc())).first()
    assert created.organizer_id == world.school2.id


def test_a_role_cannot_choose_another_organizer(app, world):
    """Only admins and coordinators have the organizer field; a posted one is ignored."""
    client = client_for(app, world, "school2_user")
    path = "/activities/new/excursion"
    response = client.post(
        path,
        data={
            "host": world.employer.code,
            "organizer": world.school1.code,
            "day": "2021-05-05",
            "start": "10:00",
            "status": "planned",
            "plan_items": ["5"],
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    created = db.session.scalars(sa.select(Activity).order_by(Activity.id.desc())).first()
    assert created.organizer_id == world.school2.id


# --- changing the activity ---

# Who may edit or change the status of each activity: the organizer's side.
EDITABLE = {
    "admin": {"excursion", "open_day", "public"},
    "coordinator": {"excursion"},
    "coordinator2": {"open_day", "public"},
    "school1_user": {"excursion"},
    "college_user": {"open_day", "public"},
}


@pytest.mark.parametrize("name", USERS)
def test_edit_and_status_only_for_the_organizers_side(app, world, name):
    client = client_for(app, world, name)
    for key in ("excursion", "open_day", "public"):
        activity = getattr(world, key)
        visible = key in VISIBLE[name]
        editable = key in EDITABLE.get(name, set())
        expected = 200 if editable else (403 if visible else 404)
        path = f"/activities/{activity.id}"
        assert client.get(path + "/edit").status_code == expected, key
        token = csrf_token(client, "/activities/")
        before = snapshot()
        response = client.post(path + "/status", data={"status": "cancelled", "csrf_token": token})
        if editable:
            assert response.status_code == 302
            db.session.expire_all()
            assert db.session.get(Activity, activity.id).status is ActivityStatus.CANCELLED
            client.post(path + "/status", data={"status": "planned", "csrf_token": token})
        else:
            assert response.status_code == expected, key
            assert snapshot() == before
        if not editable:
            response = client.post(
                path + "/edit",
                data={
                    "title": "Взлом",
                    "host": world.employer.code,
                    "day": "2021-01-01",
                    "start": "10:00",
                    "status": "held",
                    "plan_items": ["5"],
                    "csrf_token": token,
                },
            )
            assert response.status_code == expected, key
            assert snapshot() == before


# --- participants ---

# Who opens the participants page of each activity (school staff: named; organizers: counts).
PARTICIPANTS_PAGE = {
    "admin": {"excursion", "open_day", "public"},
    "coordinator": {"excursion"},
    "coordinator2": {"open_day", "public"},
    "school1_user": {"excursion", "open_day", "public"},
    "school2_user": {"public"},
    "school3_user": {"public"},
    "college_user": {"open_day", "public"},
}


@pytest.mark.parametrize("name", USERS)
def test_participants_page_and_named_students(app, world, name):
    client = client_for(app, world, name)
    token = csrf_token(client, "/activities/")
    user = getattr(world, name)
    own_students = {
        "school1_user": world.class_8b,
        "school2_user": world.school2_students,
    }.get(name, [])
    for key in ("excursion", "open_day", "public"):
        activity = getattr(world, key)
        path = f"/activities/{activity.id}/participants"
        visible = key in VISIBLE[name]
        allowed = key in PARTICIPANTS_PAGE.get(name, set())
        expected = 200 if allowed else (403 if visible else 404)
        assert client.get(path).status_code == expected, key
        # Naming students: school staff only, their own students only.
        names_allowed = visible and user.role.value == "school"
        ids = [str(s.id) for s in (own_students or world.school2_students)]
        before = snapshot()
        response = client.post(path, data={"shown": ids, "student": ids, "csrf_token": token})
        if names_allowed and own_students:
            assert response.status_code == 302, key
            db.session.expire_all()
            assert {s.id for s in own_students} <= {
                p.student_id
                for p in db.session.scalars(
                    sa.select(Participation).where(Participation.activity_id == activity.id)
                )
            }
        elif names_allowed:
            # School 3 has no students of its own: the ids are school 2's, refused as input.
            assert response.status_code == 200, key
            assert "only its own students" in response.get_data(as_text=True)
            assert snapshot() == before
        else:
            assert response.status_code == (403 if visible else 404), key
            assert snapshot() == before


def test_a_school_cannot_touch_another_schools_students(app, world):
    before = snapshot()
    other = client_for(app, world, "school2_user")
    token = csrf_token(other, "/activities/")
    excursion = f"/activities/{world.excursion.id}"
    # School 2 cannot reach school 1's excursion at all...
    for path, data in (
        ("/participants", {"shown": [str(s.id) for s in world.class_8a]}),  # untick them all
        ("/headcount", {"count": "7"}),
        ("/status", {"status": "cancelled"}),
    ):
        assert other.post(excursion + path, data={**data, "csrf_token": token}).status_code == 404
    assert snapshot() == before
    # ...and at a public activity it may tick only its own students.
    public = f"/activities/{world.public.id}/participants"
    foreign = [str(s.id) for s in world.class_8a]
    response = other.post(public, data={"shown": foreign, "student": foreign, "csrf_token": token})
    assert response.status_code == 200
    assert "only its own students" in response.get_data(as_text=True)
    assert world.class_8a[0].full_name not in response.get_data(as_text=True)
    assert snapshot() == before
    # Unticking another school's students (ids "shown" but not ticked) is refused too.
    response = other.post(public, data={"shown": foreign, "csrf_token": token})
    assert response.status_code == 200
    assert snapshot() == before


def test_headcounts_own_school_or_organizer(app, world):
    before = snapshot()
    school1 = client_for(app, world, "school1_user")
    token = csrf_token(school1, "/activities/")
    path = f"/activities/{world.open_day.id}/headcount"
    # A visiting school records its own number, never another school's.
    refused = school1.post(
        path, data={"school": world.school2.code, "count": "9", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert snapshot() == before
    assert school1.post(path, data={"count": "9", "csrf_token": token}).status_code == 302
    # The organizer records any school; the host employer of another activity cannot.
    college = client_for(app, world, "college_user")
    token = csrf_token(college, "/activities/")
    assert (
        college.post(
            path,
            data={"school": world.school3.code, "grade": "10", "count": "4", "csrf_token": token},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert {(h.school_id, h.grade, h.count) for h in db.session.scalars(sa.select(Headcount))} == {
        (world.school1.id, 0, 9),
        (world.school3.id, 10, 4),
    }
    employer = client_for(app, world, "employer_user")
    token = csrf_token(employer, "/activities/")
    after = snapshot()
    response = employer.post(
        f"/activities/{world.excursion.id}/headcount",
        data={"school": world.school1.code, "count": "50", "csrf_token": token},
    )
    assert response.status_code == 403
    assert snapshot() == after


def test_nothing_changes_on_a_cancelled_activity_or_a_parent_meeting(app, world):
    services.set_status(world.excursion, ActivityStatus.CANCELLED)
    meeting = create(ActivityKind.PARENT_MEETING, world.school1, world.school1, [world.school1])
    db.session.commit()
    client = client_for(app, world, "school1_user")
    token = csrf_token(client, "/activities/")
    before = snapshot()
    for activity_id in (world.excursion.id, meeting.id):
        path = f"/activities/{activity_id}"
        ids = [str(s.id) for s in world.class_8b]
        assert (
            client.post(
                path + "/participants", data={"shown": ids, "student": ids, "csrf_token": token}
            ).status_code
            == 403
        )
        assert (
            client.post(path + "/headcount", data={"count": "3", "csrf_token": token}).status_code
            == 403
        )
    assert snapshot() == before


def test_unknown_ids_are_not_found(app, world):
    client = client_for(app, world, "admin")
    token = csrf_token(client, "/activities/")
    for path in (
        "/activities/999999",
        "/activities/999999/edit",
        "/activities/999999/participants",
    ):
        assert client.get(path).status_code == 404
    assert (
        client.post(
            "/activities/999999/status", data={"status": "held", "csrf_token": token}
        ).status_code
        == 404
    )
