"""Records that must not be wrong (issue #15): no "held" before the start, no duplicates from a
repeated submit, deleting a record made by mistake; participants and parent meetings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from partnercrm.activities import services
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.extensions import db
from partnercrm.localtime import local_today, to_utc
from tests.activity_factories import build_world, scoped_client, sign_in
from tests.test_activities_views import label, make, only_activity, page_text, post


@pytest.fixture
def world(seeded):
    return build_world()


@pytest.fixture
def browser(app):
    return scoped_client(app)


def tomorrow_at(hour: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=1), datetime.min.time()).replace(
        hour=hour
    )


# --- held only once started ---


def test_the_service_refuses_held_before_the_start(world):
    future = services.ActivityData(
        kind=ActivityKind.EXCURSION,
        title="Экскурсия",
        host=world.employer,
        organizer=world.school1,
        starts_at=to_utc(tomorrow_at(10)),
        status=ActivityStatus.HELD,
    )
    with pytest.raises(services.ActivityError) as refused:
        services.create_activity(future)
    assert refused.value.field == "status"
    camp = services.ActivityData(
        kind=ActivityKind.CAMP_SHIFT,
        title="Смена",
        host=world.camp,
        organizer=world.school1,
        first_day=local_today() + timedelta(days=1),
        last_day=local_today() + timedelta(days=5),
        status=ActivityStatus.HELD,
    )
    with pytest.raises(services.ActivityError):
        services.create_activity(camp)
    camp.first_day = local_today()  # a shift that began today may be marked held
    services.create_activity(camp)
    planned = make(
        world.employer, world.school1, status=ActivityStatus.PLANNED, when=tomorrow_at(10)
    )
    with pytest.raises(services.ActivityError):
        services.set_status(planned, ActivityStatus.HELD)


def test_the_form_refuses_held_in_the_future_and_defaults_by_date(world, browser):
    sign_in(browser, world.school1_user)
    form = page_text(browser.get("/activities/new/excursion"))
    assert "checked" in re.search(r'<input[^>]*value="held"[^>]*>', form).group(0)
    day = (local_today() + timedelta(days=1)).isoformat()
    data = {"host": label(world.employer), "day": day, "start": "10:00", "status": "held"}
    response = post(browser, "/activities/new/excursion", data)
    assert response.status_code == 200
    assert "cannot be held before it starts" in page_text(response)
    assert db.session.query(Activity).count() == 0
    assert (
        post(browser, "/activities/new/excursion", {**data, "status": "planned"}).status_code == 302
    )
    activity = only_activity()
    detail = page_text(browser.get(f"/activities/{activity.id}"))
    assert "Mark as held" not in detail  # not offered before the start


def test_an_import_refuses_held_in_the_future(world):
    data = services.ActivityData(
        kind=ActivityKind.EXCURSION,
        title="Импорт",
        host=world.employer,
        organizer=world.school1,
        starts_at=datetime.now(UTC) + timedelta(hours=2),
        status=ActivityStatus.HELD,
    )
    with pytest.raises(services.ActivityError):
        services.check_activity(data)  # what every import row goes through
    data.starts_at = datetime.now(UTC) - timedelta(minutes=1)
    services.check_activity(data)


# --- parent meetings off site ---


def test_school_holds_a_parent_meeting_off_site(world, browser, app):
    """«Выездное родительское собрание»: at an enterprise; it concerns the school's parents and
    never counts students."""
    sign_in(browser, world.school1_user)
    form = page_text(browser.get("/activities/new/parent_meeting"))
    assert label(world.school1) in form  # the own school is offered first
    data = {"host": label(world.employer), "day": "2021-02-10", "start": "18:00"}
    response = post(browser, "/activities/new/parent_meeting", {**data, "status": "held"})
    assert response.status_code == 302
    meeting = only_activity()
    assert meeting.kind is ActivityKind.PARENT_MEETING
    assert (meeting.host, meeting.organizer) == (world.employer, world.school1)
    assert meeting.schools == [world.school1]
    assert participants_refused(browser, meeting)
    host = scoped_client(app)
    sign_in(host, world.employer_user)
    assert host.get(f"/activities/{meeting.id}").status_code == 200


def participants_refused(browser, activity) -> bool:
    path = f"/activities/{activity.id}/participants"
    return browser.get(path).status_code == 403
