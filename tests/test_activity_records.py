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
from tests.test_activities_views import (
    label,
    make,
    only_activity,
    page_text,
    participant_ids,
    post,
)


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


# --- one record per form, look-alikes, deleting a mistake ---


def excursion_form(world, **changes) -> dict:
    return {
        "host": label(world.employer),
        "day": "2021-03-15",
        "start": "10:00",
        "status": "held",
        "form_token": "t" * 32,
        **changes,
    }


def test_a_form_sent_twice_makes_one_activity(world, browser):
    sign_in(browser, world.school1_user)
    first = post(browser, "/activities/new/excursion", excursion_form(world))
    assert first.status_code == 302
    activity = only_activity()
    again = post(browser, "/activities/new/excursion", excursion_form(world))
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/activities/{activity.id}")
    assert db.session.query(Activity).count() == 1
    shown = page_text(browser.get(again.headers["Location"]))
    assert "This form had already been saved" in shown
    # The page fetched again on Back (its address carries the token) says so at once.
    back = page_text(browser.get("/activities/new/excursion?once=" + "t" * 32))
    assert "This form has been saved already" in back
    assert "This form has been saved already" not in page_text(
        browser.get("/activities/new/excursion")
    )


def test_another_users_token_is_not_theirs(world, browser, app):
    sign_in(browser, world.school1_user)
    post(browser, "/activities/new/excursion", excursion_form(world))
    other = scoped_client(app)
    sign_in(other, world.admin)
    data = excursion_form(world, organizer=label(world.school2))
    answer = post(other, "/activities/new/excursion", data)
    assert "Location" not in answer.headers  # never sent to what another user's form made
    assert db.session.query(Activity).count() == 1


def test_a_look_alike_is_saved_only_once_confirmed(world, browser):
    sign_in(browser, world.school1_user)
    post(browser, "/activities/new/excursion", excursion_form(world))
    original = only_activity()
    twin = excursion_form(world, form_token="u" * 32)
    warned = post(browser, "/activities/new/excursion", twin)
    assert warned.status_code == 200
    text = page_text(warned)
    assert "This looks like a duplicate of" in text and f"/activities/{original.id}" in text
    assert db.session.query(Activity).count() == 1
    # Another start is no look-alike; a confirmed one is saved.
    assert post(browser, "/activities/new/excursion", {**twin, "start": "11:00"}).status_code == 302
    confirmed = {**twin, "form_token": "v" * 32, "save_anyway": "y"}
    assert post(browser, "/activities/new/excursion", confirmed).status_code == 302
    assert db.session.query(Activity).count() == 3


def test_the_creator_deletes_a_mistake_after_a_confirmation(world, browser, app):
    from partnercrm.audit.models import AuditAction, AuditEntry

    sign_in(browser, world.school1_user)
    post(browser, "/activities/new/excursion", excursion_form(world))
    activity_id = only_activity().id
    path = f"/activities/{activity_id}"
    assert "/delete" in page_text(browser.get(path))
    confirm = page_text(browser.get(path + "/delete"))
    assert "Delete the activity?" in confirm and "Delete for good" in confirm
    assert db.session.query(Activity).count() == 1  # asking deletes nothing
    # Someone who sees it but did not create it may not.
    employer = scoped_client(app)
    sign_in(employer, world.employer_user)
    assert employer.get(path + "/delete").status_code == 403
    deleted = post(browser, path + "/delete", {}, path + "/delete")
    assert deleted.status_code == 302
    assert db.session.query(Activity).count() == 0
    entry = db.session.query(AuditEntry).filter_by(
        action=AuditAction.DELETE, object_type="activity", object_id=activity_id
    )
    assert entry.one().user_id == world.school1_user.id


def test_an_activity_with_participants_is_cancelled_not_deleted(world, browser):
    activity = make(world.employer, world.school1, schools=[world.school1])
    activity.created_by = world.school1_user
    services.set_named_participants(activity, world.school1, world.class_8a[:1])
    db.session.commit()
    sign_in(browser, world.school1_user)
    path = f"/activities/{activity.id}/delete"
    page = page_text(browser.get(path))
    assert "remove them first, or cancel the activity instead" in page
    assert "Cancel the activity" in page and "Delete for good" not in page
    post(browser, path, {})
    assert db.session.query(Activity).count() == 1
    with pytest.raises(services.ActivityError):
        services.delete_activity(db.session.get(Activity, activity.id))


def test_a_booking_form_fetched_again_keeps_its_key(world, browser):
    """Save, Back, Save on a booking: the page fetched again on Back reads the key its script
    wrote into the address, so the second Save shows the first booking."""
    from tests.offer_factories import OfferFactory, SlotFactory
    from tests.test_offers import booking_data

    slot = SlotFactory(
        offer=OfferFactory(organization=world.employer),
        starts_at=datetime.now(UTC) + timedelta(days=7),
    )
    db.session.commit()
    sign_in(browser, world.school1_user)
    data = booking_data(browser, slot.id)
    path = f"/offers/slots/{slot.id}/book"
    first = browser.post(path, data=data)
    again = booking_data(browser, slot.id, **{"csrf_token": data["csrf_token"]})
    assert again["request_key"] != data["request_key"]  # a fresh form, a fresh key
    back = browser.get(path, query_string={"once": data["request_key"]}).get_data(as_text=True)
    assert f'value="{data["request_key"]}"' in back
    second = browser.post(path + "?once=" + data["request_key"], data=data)
    assert first.headers["Location"] == second.headers["Location"]


# --- participants on one screen ---


def test_one_screen_excursion_with_a_class_minus_two(world, browser):
    sign_in(browser, world.school1_user)
    form = page_text(browser.get("/activities/new/excursion"))
    assert all(s.full_name in form for s in world.class_8a + world.class_8b)
    absent = world.class_8a[:2]
    data = excursion_form(world, classes=["8А"], absent=[str(s.id) for s in absent])
    response = post(browser, "/activities/new/excursion", data)
    assert response.status_code == 302
    activity = only_activity()
    assert participant_ids(activity.id) == {world.class_8a[2].id}
    # Two classes at once, nobody absent.
    data = excursion_form(world, classes=["8А", "8Б"], start="14:00", form_token="w" * 32)
    post(browser, "/activities/new/excursion", data)
    second = db.session.query(Activity).order_by(Activity.id.desc()).first()
    assert participant_ids(second.id) == {s.id for s in world.class_8a + world.class_8b}


def test_participants_of_every_class_are_on_one_page_and_searchable(world, browser):
    activity = make(world.employer, world.school1, schools=[world.school1])
    world.class_8a[0].full_name = "Воробьёв Семён"
    db.session.commit()
    sign_in(browser, world.school1_user)
    path = f"/activities/{activity.id}/participants"
    page = page_text(browser.get(path + "?class=8Б"))
    assert all(s.full_name in page for s in world.class_8a + world.class_8b)
    assert 'data-search="воробьев семен' in page  # ё as е, lower case: the search compares it
    # Ticks of two classes in one save; the tab comes back.
    shown = [str(s.id) for s in world.class_8a + world.class_8b]
    ticked = [str(world.class_8a[0].id), str(world.class_8b[1].id)]
    saved = post(browser, path, {"shown": shown, "student": ticked, "class": "8Б"})
    assert saved.headers["Location"].endswith("?class=8%D0%91")
    assert participant_ids(activity.id) == {world.class_8a[0].id, world.class_8b[1].id}


def test_other_create_forms_are_saved_once(world, browser, app):
    """The token of every create form: a student, an organization (the same for offers, jobs
    and agreements, whose forms render the same macro)."""
    from partnercrm.directory.models import Organization
    from partnercrm.students.models import Student

    sign_in(browser, world.school1_user)
    assert 'data-form-token=""' in page_text(browser.get("/students/new"))
    student = {"local_id": "77", "full_name": "Новиков Олег", "grade": "8", "form_token": "s" * 32}
    first = post(browser, "/students/new", student)
    second = post(browser, "/students/new", student, "/students/new")
    assert first.status_code == second.status_code == 302
    made = db.session.query(Student).filter_by(local_id="77").one()
    assert second.headers["Location"].endswith(f"/students/{made.id}")
    admin = scoped_client(app)
    sign_in(admin, world.admin)
    organization = {
        "code": "NEW-1",
        "kind": "school",
        "name": "Новая школа",
        "municipality_id": str(world.m1.id),
        "form_token": "o" * 32,
    }
    post(admin, "/organizations/new", organization)
    again = post(admin, "/organizations/new", organization)
    assert again.status_code == 302
    assert db.session.query(Organization).filter_by(code="NEW-1").count() == 1
