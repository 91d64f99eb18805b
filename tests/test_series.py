"""Weekly series (DESIGN §8, docs/profminimum.md «Weekly series»): the dates skip the school
holidays; the sessions are activities of the school with its classes' students as participants;
absentees are marked per session; a change of the series moves its future sessions (and their
calendar sequence); one session is cancelled; the series is its school's alone."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.activities.models import Activity, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.extensions import db
from partnercrm.jobs.holidays import seed_school_holidays
from partnercrm.localtime import to_utc
from partnercrm.series import services
from partnercrm.series.models import ActivitySeries
from partnercrm.series.rules import (
    MAX_SESSIONS,
    Holiday,
    SeriesError,
    Skipped,
    first_session,
    session_dates,
)
from tests.activity_factories import StudentFactory, build_world, scoped_client, sign_in
from tests.conftest import csrf_token

AUTUMN = Holiday("Осенние каникулы", date(2025, 10, 27), date(2025, 11, 4))
WINTER = Holiday("Зимние каникулы", date(2025, 12, 31), date(2026, 1, 11))
THURSDAY = 4

# --- the dates (pure rules) ---


def test_the_first_session_is_the_first_such_weekday_on_or_after_the_first_date():
    assert first_session(date(2025, 9, 1), THURSDAY) == date(2025, 9, 4)  # a Monday
    assert first_session(date(2025, 9, 4), THURSDAY) == date(2025, 9, 4)
    assert first_session(date(2025, 9, 5), THURSDAY) == date(2025, 9, 11)


def test_weeks_in_the_holidays_are_skipped_and_named():
    schedule = session_dates(
        date(2025, 10, 16), THURSDAY, [WINTER, AUTUMN], last_date=date(2025, 11, 13)
    )
    assert schedule.dates == [date(2025, 10, 16), date(2025, 10, 23), date(2025, 11, 6),
                              date(2025, 11, 13)]  # fmt: skip
    assert schedule.skipped == [Skipped(date(2025, 10, 30), "Осенние каникулы")]


def test_a_count_runs_past_the_holidays():
    schedule = session_dates(date(2025, 12, 18), THURSDAY, [WINTER], count=3)
    assert schedule.dates == [date(2025, 12, 18), date(2025, 12, 25), date(2026, 1, 15)]
    assert [item.day for item in schedule.skipped] == [date(2026, 1, 1), date(2026, 1, 8)]


def test_a_holiday_s_first_and_last_days_are_in_it():
    edges = Holiday("Каникулы", date(2025, 10, 30), date(2025, 11, 6))
    schedule = session_dates(date(2025, 10, 23), THURSDAY, [edges], last_date=date(2025, 11, 13))
    assert schedule.dates == [date(2025, 10, 23), date(2025, 11, 13)]


@pytest.mark.parametrize(
    ("last_date", "count", "field"),
    [
        (date(2025, 9, 1), None, "last_date"),  # before the first date
        (None, None, "count"),  # neither
        (date(2025, 12, 1), 5, "count"),  # both
        (None, 0, "count"),
        (None, MAX_SESSIONS + 1, "count"),
        (date(2027, 9, 1), None, "last_date"),  # more than MAX_SESSIONS weeks
    ],
)
def test_impossible_schedules_are_refused(last_date, count, field):
    with pytest.raises(SeriesError) as refused:
        session_dates(date(2025, 9, 2), THURSDAY, [], last_date=last_date, count=count)
    assert field in {error.field for error in refused.value.all()}


def test_a_weekday_out_of_range_is_refused():
    with pytest.raises(SeriesError) as refused:
        session_dates(date(2025, 9, 2), 8, [], count=3)
    assert refused.value.field == "weekday"


# --- the sessions ---


@pytest.fixture
def world(seeded):
    w = build_world()
    seed_school_holidays("2025/2026")
    w.class_6a = [
        StudentFactory(school=w.school1, grade=6, class_letter="А", full_name=f"Шестой {n}")
        for n in range(3)
    ]
    # Archived: not a participant.
    StudentFactory(school=w.school1, grade=6, class_letter="А", archived_at=to_utc(
        datetime(2025, 6, 1, 12, 0)))  # fmt: skip
    db.session.commit()
    return w


def client_of(app, user):
    client = scoped_client(app)
    sign_in(client, user)
    return client


def form_data(**changes) -> dict:
    data = {
        "title": "Россия — мои горизонты",
        "kind": "career_event",
        "first_date": "2025-09-01",
        "weekday": "4",
        "last_date": "2025-11-13",
        "count": "",
        "start": "13:30",
        "length": "45",
        "hours": "",
        "host": "",
        "location": "каб. 21",
        "classes": ["6А", "8Б"],
        "submit": "1",
    }
    data.update(changes)
    return data


def create(client, **changes):
    data = form_data(**changes)
    data["csrf_token"] = csrf_token(client, "/series/new")
    return client.post("/series/new", data=data)


def sessions_of(series_id: int) -> list[Activity]:
    return list(
        db.session.scalars(
            sa.select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at)
        )
    )


def participants(activity: Activity) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Participation.student_id).where(Participation.activity_id == activity.id)
        )
    )


def only_series() -> ActivitySeries:
    return db.session.scalars(sa.select(ActivitySeries)).one()


def test_a_school_creates_a_series_of_its_classes_skipping_the_holidays(app, world):
    client = client_of(app, world.school1_user)
    preview = client.post(
        "/series/new",
        data={**form_data(preview="1", submit=""), "csrf_token": csrf_token(client, "/series/new")},
    )
    page = preview.get_data(as_text=True)
    assert "Sessions: 10" in page and "30.10.2025 — Осенние каникулы" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivitySeries)) == 0

    response = create(client)
    assert response.status_code == 302
    series = only_series()
    assert response.location == f"/series/{series.id}"
    sessions = sessions_of(series.id)
    assert [s.starts_on for s in sessions][:2] == [date(2025, 9, 4), date(2025, 9, 11)]
    assert date(2025, 10, 30) not in {s.starts_on for s in sessions}
    assert len(sessions) == 10
    first = sessions[0]
    assert first.starts_at == to_utc(datetime(2025, 9, 4, 13, 30))
    assert first.ends_at == to_utc(datetime(2025, 9, 4, 14, 15))
    assert first.hours == Decimal(1)  # 45 minutes round to 1 hour
    assert first.status is ActivityStatus.PLANNED
    assert first.kind is ActivityKind.CAREER_EVENT
    assert first.host == world.school1 and first.organizer == world.school1
    assert first.schools == [world.school1]
    assert [item.number for item in first.plan_items] == [15]
    members = {s.id for s in world.class_6a + world.class_8b}
    assert all(participants(session) == members for session in sessions)
    page = client.get(f"/series/{series.id}").get_data(as_text=True)
    assert "30.10.2025 — Осенние каникулы" in page and "1 h per session" in page
    # The session's own page leads back to the series and its absentees.
    page = client.get(f"/activities/{first.id}").get_data(as_text=True)
    assert f'href="/series/{series.id}/sessions/{first.id}"' in page


def test_a_count_and_given_hours(app, world):
    client = client_of(app, world.school1_user)
    create(client, last_date="", count="3", first_date="2025-10-20", hours="1.5", length="90")
    sessions = sessions_of(only_series().id)
    assert [s.starts_on for s in sessions] == [date(2025, 10, 23), date(2025, 11, 6),
                                               date(2025, 11, 13)]  # fmt: skip
    assert {s.hours for s in sessions} == {Decimal("1.5")}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"classes": []}, "Pick at least one class."),
        ({"classes": ["9А"]}, "There is no such class in your roster."),
        ({"last_date": "2025-08-01"}, "The last date must not be before the first date."),
        ({"count": "5"}, "Give either the last date or the number of sessions."),
        ({"title": ""}, "Enter the title."),
        ({"host": "Нет такой"}, "No such organization."),
        (
            {"first_date": "2025-10-28", "last_date": "2025-11-03"},
            "Every date of this series falls in the school holidays.",
        ),  # fmt: skip
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(app, world, changes, message):
    client = client_of(app, world.school1_user)
    response = create(client, **changes)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivitySeries)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_absentees_are_no_longer_participants(app, world):
    client = client_of(app, world.school1_user)
    create(client)
    series = only_series()
    session = sessions_of(series.id)[1]
    path = f"/series/{series.id}/sessions/{session.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Шестой 0" in page and "Смирнова Ольга" in page
    shown = [s.id for s in world.class_6a + world.class_8b]
    absent = [world.class_6a[0].id, world.class_8b[1].id]
    response = client.post(
        path, data={"shown": shown, "absent": absent, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    assert participants(session) == set(shown) - set(absent)
    # The other sessions keep everyone; the series page counts present and absent.
    assert participants(sessions_of(series.id)[0]) == set(shown)
    page = client.get(f"/series/{series.id}").get_data(as_text=True)
    row = page.split('data-session="2025-09-11"')[1].split("</tr>")[0]
    assert "data-present>3<" in row and "data-absent>2<" in row
    # Back again: one of them came after all.
    client.post(
        path,
        data={"shown": shown, "absent": absent[:1], "csrf_token": csrf_token(client, path)},
    )
    assert participants(session) == set(shown) - set(absent[:1])


def test_a_change_moves_the_future_sessions_and_raises_their_sequence(app, world):
    # "Now" is 1 October 2025: the sessions of September have taken place.
    with time_machine.travel(to_utc(datetime(2025, 10, 1, 12, 0))):
        client = client_of(app, world.school1_user)
        create(client)
        series = only_series()
        before = {s.id: (s.starts_at, s.sequence) for s in sessions_of(series.id)}
        path = f"/series/{series.id}/edit"
        data = {
            "title": "Россия — мои горизонты",
            "start": "14:20",
            "length": "40",
            "hours": "",
            "host": "",
            "location": "актовый зал",
            "csrf_token": csrf_token(client, path),
        }
        response = client.post(path, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    for session in sessions_of(series.id):
        starts_at, sequence = before[session.id]
        if session.starts_on < date(2025, 10, 1):
            assert (session.starts_at, session.sequence) == (starts_at, sequence)
            assert session.location == "каб. 21"
        else:
            assert session.starts_at == to_utc(datetime.combine(session.starts_on, time(14, 20)))
            assert session.sequence == sequence + 1
            assert session.location == "актовый зал"
    assert only_series().starts_at == time(14, 20)


def test_one_session_is_cancelled_and_the_series_deleted_only_before_any_is_held(app, world):
    client = client_of(app, world.school1_user)
    create(client)
    series = only_series()
    first, second = sessions_of(series.id)[:2]
    sequence = second.sequence
    path = f"/series/{series.id}/sessions/{second.id}/cancel"
    client.post(path, data={"csrf_token": csrf_token(client, f"/series/{series.id}")})
    db.session.expire_all()
    assert db.session.get(Activity, second.id).status is ActivityStatus.CANCELLED
    assert db.session.get(Activity, second.id).sequence == sequence + 1

    held = f"/series/{series.id}/sessions/{first.id}/held"
    client.post(held, data={"csrf_token": csrf_token(client, f"/series/{series.id}")})
    assert db.session.get(Activity, first.id).status is ActivityStatus.HELD
    delete = f"/series/{series.id}/delete"
    page = client.post(
        delete, data={"csrf_token": csrf_token(client, f"/series/{series.id}")},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "cancel the remaining ones instead" in page
    assert db.session.get(ActivitySeries, series.id) is not None


def test_a_series_without_held_sessions_is_deleted_with_them(app, world):
    client = client_of(app, world.school1_user)
    create(client)
    series = only_series()
    response = client.post(
        f"/series/{series.id}/delete",
        data={"csrf_token": csrf_token(client, f"/series/{series.id}")},
    )
    assert response.location == "/series/"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0


def test_a_series_is_its_school_s_alone(app, world):
    client = client_of(app, world.school1_user)
    create(client)
    series = only_series()
    session = sessions_of(series.id)[0]
    other = client_of(app, world.school2_user)
    for path in (
        f"/series/{series.id}",
        f"/series/{series.id}/edit",
        f"/series/{series.id}/sessions/{session.id}",
    ):
        assert other.get(path).status_code == 404
    token = csrf_token(other, "/series/new")
    for path in (
        f"/series/{series.id}/delete",
        f"/series/{series.id}/sessions/{session.id}/cancel",
        f"/series/{series.id}/sessions/{session.id}",
    ):
        assert other.post(path, data={"csrf_token": token, "absent": []}).status_code == 404
    assert f'href="/series/{series.id}"' not in other.get("/series/").get_data(as_text=True)
    assert f'href="/series/{series.id}"' in client.get("/series/").get_data(as_text=True)
    for user in (world.coordinator, world.admin, world.employer_user):
        assert client_of(app, user).get(f"/series/{series.id}").status_code == 403
    # A session of another series is not found under this one.
    assert client.get(f"/series/{series.id}/sessions/{session.id + 1000}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Activity, session.id).status is ActivityStatus.PLANNED


def test_the_service_refuses_a_class_of_another_school(app, world):
    data = services.SeriesData(
        title="Серия",
        host=world.school1,
        starts_at=time(9, 0),
        length_minutes=45,
        kind=ActivityKind.CAREER_EVENT,
        weekday=THURSDAY,
        first_date=date(2025, 9, 1),
        count=2,
        classes=[(9, "А")],  # school 2's class
    )
    with pytest.raises(SeriesError, match="no such class"):
        services.create_series(world.school1, data)


def test_a_change_without_a_title_or_with_a_pending_employer_is_refused(app, world):
    from partnercrm.directory.rules import ApprovalState, OrganizationKind
    from partnercrm.errors import UserError
    from tests.factories import OrganizationFactory

    client = client_of(app, world.school1_user)
    create(client, first_date="2028-09-04", last_date="2028-10-02")
    series = only_series()
    path = f"/series/{series.id}/edit"
    data = {"title": " ", "start": "9:00", "length": "45", "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data)
    assert "The title is required." in response.get_data(as_text=True)
    # The host picker offers no employer awaiting approval; the service refuses one anyway.
    pending = OrganizationFactory(
        kind=OrganizationKind.EMPLOYER, approval_state=ApprovalState.PENDING
    )
    timing = services.Timing("Серия", pending, time(9, 0), 45)
    with pytest.raises(UserError, match="not an approved employer"):
        services.update_series(db.session.get(ActivitySeries, series.id), timing)
    db.session.rollback()
    assert {s.starts_at.hour for s in sessions_of(series.id)} == {11}  # 13:30 local, in UTC
    assert only_series().title == "Россия — мои горизонты"
