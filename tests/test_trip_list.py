"""A school's trip list of an activity: its own participants by class, the date, the place,
the host's contact and the accompanying staff it enters; printable and as XLSX; for the
participants' own school only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from partnercrm.activities import services
from partnercrm.activities.models import TripEscort
from partnercrm.activities.rules import ActivityKind
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.extensions import db
from tests.activity_factories import ActivityFactory, build_world, scoped_client, sign_in
from tests.conftest import csrf_token
from tests.spreadsheets import caption, sheet_table, workbook


@pytest.fixture
def world(seeded):
    w = build_world()
    w.employer.phone, w.employer.email = "+7 4012 00-00-00", "hr@yantar.example"
    w.trip = ActivityFactory(
        host=w.employer, organizer=w.school1, location="ул. Гагарина, 1", title="На верфь"
    )
    services.set_named_participants(w.trip, w.school1, [*w.class_8a, *w.class_8b[:1]])
    services.set_named_participants(w.trip, w.school2, w.school2_students)
    db.session.commit()
    return w


def client_of(app, user):
    client = scoped_client(app)
    sign_in(client, user)
    return client


def test_the_school_prints_its_own_participants_with_the_trip_details(app, world):
    client = client_of(app, world.school1_user)
    path = f"/activities/{world.trip.id}/trip-list"
    assert f'href="{path}"' in client.get(f"/activities/{world.trip.id}").get_data(as_text=True)
    response = client.post(
        path,
        data={
            "staff": "Соколова Е. В., классный руководитель 8А\n\n  Орлов П. И., учитель  ",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    for text in (
        "Школа № 1",
        "15.03.2021 10:00",
        "ул. Гагарина, 1",
        "+7 4012 00-00-00",
        "hr@yantar.example",
        "8А, 8Б",
        "Соколова Е. В., классный руководитель 8А",
        "Иванов Иван",
        "Смирнова Ольга",
    ):
        assert text in page, text
    assert "Волкова Мария" not in page and "Кузнецов Илья" not in page
    escort = db.session.scalars(sa.select(TripEscort)).one()
    assert escort.staff == "Соколова Е. В., классный руководитель 8А\nОрлов П. И., учитель"

    response = client.get(path + ".xlsx")
    assert response.status_code == 200
    sheet = workbook(response.data).active
    lines = caption(sheet)
    assert lines[0] == "List of participants: На верфь"
    assert "Accompanying staff: Соколова Е. В., классный руководитель 8А; Орлов П. И., учитель" in (
        lines
    )
    table = sheet_table(sheet)
    assert table[0] == ["No.", "Full name", "Class"]
    assert [row[1:] for row in table[1:]] == [
        ["Иванов Иван", "8А"],
        ["Петрова Анна", "8А"],
        ["Сидоров Пётр", "8А"],
        ["Смирнова Ольга", "8Б"],
    ]
    db.session.expire_all()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT)
    ).one()
    assert entry.object_type == "trip list" and entry.details["students"] == 4


def test_names_reach_only_the_students_own_school(app, world):
    path = f"/activities/{world.trip.id}/trip-list"
    page = client_of(app, world.school2_user).get(path).get_data(as_text=True)
    assert "Волкова Мария" in page and "Иванов Иван" not in page
    for user in (world.admin, world.coordinator, world.employer_user):
        client = client_of(app, user)
        assert client.get(path).status_code == 403, user.role
        assert client.get(path + ".xlsx").status_code == 403, user.role
        detail = client.get(f"/activities/{world.trip.id}").get_data(as_text=True)
        assert path not in detail
    assert client_of(app, world.school3_user).get(path).status_code == 404


def test_parent_meetings_have_no_trip_list(app, world):
    meeting = ActivityFactory(
        kind=ActivityKind.PARENT_MEETING, host=world.school1, organizer=world.school1
    )
    db.session.commit()
    client = client_of(app, world.school1_user)
    assert client.get(f"/activities/{meeting.id}/trip-list").status_code == 403
