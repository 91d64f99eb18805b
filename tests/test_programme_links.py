"""Linking (DESIGN §7, issue #16): an activity links to items of the programme of its date —
the one in force, else the latest that started before it, as the reports count — through the
form, which asks again when the date moves into another programme, through the services, and
through the import, whose ``programme`` column names one of two in force."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.activities import services
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.roadmap.models import PlanItem, Programme
from tests.activity_factories import build_world, scoped_client, sign_in
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory
from tests.programme_factories import add_next_programme, add_programme
from tests.test_imports import failed, ok, run, write

ROADMAP, NEXT = "kgd-2020-2022", "kgd-2023-2025"


@pytest.fixture
def world(seeded):
    """The roadmap (2020–2022) and kgd-2023-2025, whose item 1 is for excursions."""
    add_next_programme()
    return build_world()


@pytest.fixture
def browser(app):
    return scoped_client(app)


def links(activity: Activity) -> list[tuple[str, int]]:
    db.session.refresh(activity)
    return [(item.programme.code, item.number) for item in activity.plan_items]


def ticked(response) -> list[str]:
    """The plan items the form ticks (their numbers)."""
    return re.findall(r'name="plan_items" value="(\d+)"[^>]*checked', response.get_data(True))


def excursion(world, day: str, programme: str | None, plan_items: list[str]) -> dict:
    data = {
        "host": f"{world.employer.name} [{world.employer.code}]",
        "day": day,
        "start": "10:00",
        "status": "held",
        "plan_items": plan_items,
    }
    if programme is not None:
        data["programme"] = programme
    return data


def post(browser, path: str, data: dict):
    return browser.post(path, data={**data, "csrf_token": csrf_token(browser, path)})


def activities(world) -> list[Activity]:
    """The activities of the world's first school (add_next_programme's are another's)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(Activity.organizer_id == world.school1.id)
            .order_by(Activity.id)
        )
    )


# --- the services ---


def test_new_activities_link_to_the_items_of_their_dates_programme(world):
    def create(day: date, plan_items=None) -> Activity:
        return services.create_activity(
            services.ActivityData(
                kind=ActivityKind.EXCURSION,
                title="Экскурсия",
                host=world.employer,
                organizer=world.school1,
                starts_at=to_utc(datetime.combine(day, datetime.min.time())),
                plan_items=plan_items,
            )
        )

    # The kind's items by their activity_kinds, in each programme.
    assert links(create(date(2021, 3, 15))) == [(ROADMAP, 5), (ROADMAP, 23)]
    assert links(create(date(2024, 3, 15))) == [(NEXT, 1)]
    assert links(create(date(2024, 3, 15), [1])) == [(NEXT, 1)]
    with pytest.raises(services.ActivityError, match="Unknown roadmap plan item"):
        create(date(2024, 3, 15), [5])
    # After the last programme ended, its items until the next is published.
    assert links(create(date(2026, 3, 15))) == [(NEXT, 1)]
    assert links(create(date(2026, 3, 15), [1])) == [(NEXT, 1)]
    with pytest.raises(services.ActivityError, match="Unknown roadmap plan item"):
        create(date(2026, 3, 15), [5])
    # Before every programme: no items, and numbers are refused.
    assert links(create(date(2019, 3, 15))) == []
    with pytest.raises(services.ActivityError) as refused:
        create(date(2019, 3, 15), [5])
    assert refused.value.message == services.NO_PROGRAMME
    assert refused.value.params == {"day": "15.03.2019"}


def test_with_the_roadmap_alone_an_excursion_of_2026_links_to_its_items_5_and_23(seeded):
    """A real database holds only kgd-2020-2022: what is logged after 2022 links to its items,
    as the reports of those years count by it."""
    world = build_world()
    activity = services.create_activity(
        services.ActivityData(
            kind=ActivityKind.EXCURSION,
            title="Экскурсия",
            host=world.employer,
            organizer=world.school1,
            starts_at=to_utc(datetime(2026, 12, 6, 10, 0)),
        )
    )
    assert links(activity) == [(ROADMAP, 5), (ROADMAP, 23)]


# --- the form ---


@time_machine.travel(datetime(2024, 3, 15, 10, 0, tzinfo=UTC), tick=False)
def test_the_form_offers_the_items_of_the_programme_of_its_date(world, browser):
    sign_in(browser, world.school1_user)
    path = "/activities/new/excursion"
    form = browser.get(path)
    # Today is in kgd-2023-2025: its items, the kind's ticked.
    assert f"Programme {NEXT}" in form.get_data(True)
    assert ticked(form) == ["1"]

    # A date of 2021 with the items of 2024 ticked: asked again, nothing saved.
    again = post(browser, path, excursion(world, "2021-03-15", NEXT, ["1"]))
    assert again.status_code == 200
    assert activities(world) == []
    text = again.get_data(True)
    assert "The date entered is in another programme." in text
    assert f"Programme {ROADMAP} is in force on 15.03.2021" in text
    assert f'name="programme" type="hidden" value="{ROADMAP}"' in text
    assert ticked(again) == ["5", "23"]

    saved = post(browser, path, excursion(world, "2021-03-15", ROADMAP, ["5", "23"]))
    assert saved.status_code == 302
    (first,) = activities(world)
    assert links(first) == [(ROADMAP, 5), (ROADMAP, 23)]

    # Logged for today as offered: kgd-2023-2025's item.
    assert post(browser, path, excursion(world, "2024-03-15", NEXT, ["1"])).status_code == 302
    second = next(a for a in activities(world) if a.id != first.id)
    assert links(second) == [(NEXT, 1)]


@time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=UTC), tick=False)
def test_after_the_last_programme_the_form_offers_its_items_and_says_so(world, browser):
    sign_in(browser, world.school1_user)
    form = browser.get("/activities/new/excursion")
    assert (
        f"Programme {NEXT} was in force until 31.12.2025; new activities link to its plan items "
        "until the next one is published." in form.get_data(True)
    )
    assert ticked(form) == ["1"]
    saved = post(browser, "/activities/new/excursion", excursion(world, "2026-12-06", NEXT, ["1"]))
    assert saved.status_code == 302
    (activity,) = activities(world)
    assert links(activity) == [(NEXT, 1)]


@time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=UTC), tick=False)
def test_the_notice_of_the_roadmap_that_ended_in_russian(seeded, browser):
    world = build_world()
    sign_in(browser, world.school1_user)
    with browser.session_transaction() as session:
        session["lang"] = "ru"
    form = browser.get("/activities/new/excursion")
    assert (
        f"Программа {ROADMAP} действовала до 31.12.2022; новые мероприятия связываются с её "
        "пунктами, пока не опубликована следующая." in html.unescape(form.get_data(True))
    )
    assert ticked(form) == ["5", "23"]


def test_moving_an_activity_into_another_programme_asks_for_its_items(world, browser):
    sign_in(browser, world.school1_user)
    path = "/activities/new/excursion"
    assert post(browser, path, excursion(world, "2021-03-15", ROADMAP, ["5"])).status_code == 302
    (activity,) = activities(world)
    edit = f"/activities/{activity.id}/edit"
    form = browser.get(edit)
    assert f"Programme {ROADMAP}" in form.get_data(True) and ticked(form) == ["5"]

    moved = post(browser, edit, excursion(world, "2024-03-15", ROADMAP, ["5"]))
    assert moved.status_code == 200
    assert f"Programme {NEXT} is in force on 15.03.2024" in moved.get_data(True)
    assert ticked(moved) == ["1"]
    (unchanged,) = activities(world)
    assert unchanged.starts_on == date(2021, 3, 15)
    assert links(unchanged) == [(ROADMAP, 5)]

    assert post(browser, edit, excursion(world, "2024-03-15", NEXT, ["1"])).status_code == 302
    (activity,) = activities(world)
    assert activity.starts_on == date(2024, 3, 15)
    assert links(activity) == [(NEXT, 1)]

    # After kgd-2023-2025 ended the date still links to it: saved without asking.
    assert post(browser, edit, excursion(world, "2026-03-15", NEXT, ["1"])).status_code == 302
    (activity,) = activities(world)
    assert activity.starts_on == date(2026, 3, 15)
    assert links(activity) == [(NEXT, 1)]
    form = browser.get(edit).get_data(True)
    assert f"Programme {NEXT} was in force until 31.12.2025" in form

    # Before every programme: asked again, then it links to nothing.
    gone = post(browser, edit, excursion(world, "2019-03-15", NEXT, ["1"]))
    assert "No programme had started by 15.03.2019" in gone.get_data(True)
    assert links(activities(world)[0]) == [(NEXT, 1)]
    last = post(browser, edit, excursion(world, "2019-03-15", "", []))
    assert last.status_code == 302
    assert links(activities(world)[0]) == []
    form = browser.get(edit).get_data(True)
    assert "No programme had started by this date" in form
    assert 'name="plan_items"' not in form

    # From before every programme to after the last: asked, offered the last one's items.
    back = post(browser, edit, excursion(world, "2026-03-15", "", []))
    assert f"Programme {NEXT} was in force until 31.12.2025" in back.get_data(True)
    assert "Its items are offered" in back.get_data(True)
    assert ticked(back) == ["1"]
    assert links(activities(world)[0]) == []


def test_an_activity_linked_to_another_programme_is_offered_its_dates(world, browser):
    """Linked by number to the roadmap before kgd-2023-2025 was loaded: its edit form offers
    the items of its date's programme and says why."""
    roadmap_5 = db.session.scalar(
        sa.select(PlanItem).join(Programme).where(Programme.code == ROADMAP, PlanItem.number == 5)
    )
    activity = services.create_activity(
        services.ActivityData(
            kind=ActivityKind.EXCURSION,
            title="Экскурсия",
            host=world.employer,
            organizer=world.school1,
            starts_at=to_utc(datetime(2024, 3, 15, 10, 0)),
        )
    )
    activity.plan_items = [roadmap_5]
    db.session.commit()
    sign_in(browser, world.school1_user)
    form = browser.get(f"/activities/{activity.id}/edit")
    assert "Its plan items are not of the programme of its date." in form.get_data(True)
    assert ticked(form) == ["1"]


# --- the import ---

HEADER = "ref,kind,title,starts_at,host_code,organizer_code,status,plan_items"


@pytest.fixture
def codes(world):
    OrganizationFactory(code="EMP-1", kind=OrganizationKind.EMPLOYER)
    OrganizationFactory(code="SCH-1", kind=OrganizationKind.SCHOOL)
    db.session.commit()


def imported(ref: str) -> list[tuple[str, int]]:
    activity = db.session.scalar(sa.select(Activity).where(Activity.ref == ref))
    return links(activity)


def overlapping() -> Programme:
    """kgd-2024-2030 from 1 September 2024: two programmes are in force until 2025 ends."""
    return add_programme(
        "kgd-2024-2030", date(2024, 9, 1), date(2030, 12, 31), {1: None, 2: ["excursion"]}
    )


def test_import_numbers_are_of_the_programme_of_each_rows_date(runner, codes, tmp_path):
    text = (
        f"{HEADER}\n"
        "A-2021,excursion,Экскурсия,2021-03-15 10:00,EMP-1,SCH-1,held,\n"
        "B-2021,excursion,Экскурсия,2021-03-16 10:00,EMP-1,SCH-1,held,9\n"
        "A-2024,excursion,Экскурсия,2024-03-15 10:00,EMP-1,SCH-1,held,\n"
        "B-2024,excursion,Экскурсия,2024-03-16 10:00,EMP-1,SCH-1,held,1\n"
        "A-2026,excursion,Экскурсия,2026-03-16 10:00,EMP-1,SCH-1,held,\n"
        "B-2026,excursion,Экскурсия,2026-03-17 10:00,EMP-1,SCH-1,held,1\n"
        "A-2019,excursion,Экскурсия,2019-03-16 10:00,EMP-1,SCH-1,held,\n"
    )
    assert "7 created" in ok(run(runner, "activities", write(tmp_path, text)))
    assert imported("A-2021") == [(ROADMAP, 5), (ROADMAP, 23)]
    assert imported("B-2021") == [(ROADMAP, 9)]
    assert imported("A-2024") == [(NEXT, 1)]
    assert imported("B-2024") == [(NEXT, 1)]
    # After kgd-2023-2025 ended, its items; before every programme, none.
    assert imported("A-2026") == [(NEXT, 1)]
    assert imported("B-2026") == [(NEXT, 1)]
    assert imported("A-2019") == []

    bad = (
        f"{HEADER}\n"
        "C-2024,excursion,Экскурсия,2024-03-17 10:00,EMP-1,SCH-1,held,5\n"
        "C-2026,excursion,Экскурсия,2026-03-17 10:00,EMP-1,SCH-1,held,5\n"
        "C-2019,excursion,Экскурсия,2019-03-17 10:00,EMP-1,SCH-1,held,5\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, bad))) == [
        f"row 2: plan_items: нет такого пункта плана в программе {NEXT}: 5",
        f"row 3: plan_items: нет такого пункта плана в программе {NEXT}: 5",
        "row 4: plan_items: к 17.03.2019 не началась ни одна программа: пункты плана указать "
        "нельзя",
    ]
    # Moved from 2021 into kgd-2023-2025 without saying its items.
    moved = (
        "ref,kind,title,starts_at,host_code,organizer_code\n"
        "A-2021,excursion,Экскурсия,2024-03-15 10:00,EMP-1,SCH-1\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, moved))) == [
        "row 2: plan_items: новая дата переносит мероприятие в другую программу: укажите его "
        "пункты плана (пустая ячейка — пункты его вида)"
    ]
    assert imported("A-2021") == [(ROADMAP, 5), (ROADMAP, 23)]
    # Moved past the end of kgd-2023-2025: the same programme, its items kept.
    later = (
        "ref,kind,title,starts_at,host_code,organizer_code\n"
        "B-2024,excursion,Экскурсия,2026-05-15 10:00,EMP-1,SCH-1\n"
    )
    assert "1 updated" in ok(run(runner, "activities", write(tmp_path, later)))
    assert imported("B-2024") == [(NEXT, 1)]


def test_the_programme_column_names_one_in_force_or_the_one_after_the_last(runner, codes, tmp_path):
    rows = (
        f"{HEADER},programme\n"
        f"A-1,excursion,Экскурсия,2026-03-15 10:00,EMP-1,SCH-1,held,,{NEXT}\n"
        f"A-2,excursion,Экскурсия,2026-03-16 10:00,EMP-1,SCH-1,held,,{ROADMAP}\n"
        f"A-3,excursion,Экскурсия,2019-03-16 10:00,EMP-1,SCH-1,held,,{ROADMAP}\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, rows))) == [
        f"row 3: programme: программа {ROADMAP} действует с 01.01.2020 по 31.12.2022, а "
        f"мероприятие — 16.03.2026; на эту дату — пункты программы {NEXT}",
        f"row 4: programme: программа {ROADMAP} действует с 01.01.2020 по 31.12.2022, а "
        "мероприятие — 16.03.2019",
    ]
    good = "\n".join(rows.splitlines()[:2]) + "\n"
    assert "1 created" in ok(run(runner, "activities", write(tmp_path, good)))
    assert imported("A-1") == [(NEXT, 1)]


def test_two_programmes_in_force_need_the_programme_column(runner, codes, tmp_path):
    overlapping()
    rows = (
        "A-1,excursion,Экскурсия,2024-03-15 10:00,EMP-1,SCH-1,held,\n"
        "A-2,excursion,Экскурсия,2024-10-01 10:00,EMP-1,SCH-1,held,\n"
    )
    # Without the column the overlap is refused whole, naming the row.
    assert failed(run(runner, "activities", write(tmp_path, f"{HEADER}\n{rows}"))) == [
        "row 3: programme: на 01.10.2024 действуют программы kgd-2023-2025, kgd-2024-2030: "
        "укажите программу в колонке programme"
    ]
    assert db.session.scalar(sa.select(Activity).where(Activity.ref.is_not(None))) is None

    named = (
        f"{HEADER},programme\n"
        "A-1,excursion,Экскурсия,2024-03-15 10:00,EMP-1,SCH-1,held,,\n"
        "A-2,excursion,Экскурсия,2024-10-01 10:00,EMP-1,SCH-1,held,,kgd-2024-2030\n"
        "A-3,excursion,Экскурсия,2024-10-02 10:00,EMP-1,SCH-1,held,1,KGD-2023-2025\n"
    )
    assert "3 created" in ok(run(runner, "activities", write(tmp_path, named)))
    assert imported("A-1") == [(NEXT, 1)]
    assert imported("A-2") == [("kgd-2024-2030", 2)]
    assert imported("A-3") == [(NEXT, 1)]

    wrong = (
        f"{HEADER},programme\n"
        "B-1,excursion,Экскурсия,2024-10-01 10:00,EMP-1,SCH-1,held,,nope\n"
        "B-2,excursion,Экскурсия,2021-10-01 10:00,EMP-1,SCH-1,held,,kgd-2024-2030\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, wrong))) == [
        "row 2: programme: нет программы с кодом «nope»",
        "row 3: programme: программа kgd-2024-2030 действует с 01.09.2024 по 31.12.2030, "
        f"а мероприятие — 01.10.2021; на эту дату — пункты программы {ROADMAP}",
    ]


# --- pages that named an item by its number alone ---


def test_only_the_roadmaps_item_4_shows_the_agreements(world, browser):
    """Item 4 of the roadmap is "cooperation agreements"; item 4 of another programme is not."""
    next_programme = db.session.scalar(sa.select(Programme).where(Programme.code == NEXT))
    db.session.add(
        PlanItem(
            programme=next_programme,
            section=next_programme.sections[0],
            number=4,
            title="Другое",
            responsible="—",
            deadline="—",
            expected_result="—",
        )
    )
    db.session.commit()
    sign_in(browser, world.admin)
    heading = "Agreements signed per year and municipality"
    assert heading in browser.get(f"/roadmap/{ROADMAP}/items/4").get_data(True)
    assert heading not in browser.get(f"/roadmap/{NEXT}/items/4").get_data(True)


def test_an_activitys_items_link_to_their_programmes_pages(world, browser):
    activity = services.create_activity(
        services.ActivityData(
            kind=ActivityKind.EXCURSION,
            title="Экскурсия",
            host=world.employer,
            organizer=world.school1,
            starts_at=to_utc(datetime(2024, 3, 15, 10, 0)),
        )
    )
    db.session.commit()
    sign_in(browser, world.admin)
    page = browser.get(f"/activities/{activity.id}").get_data(True)
    assert f"/roadmap/{NEXT}/items/1" in page
    # The list's filter names an item by its id.
    item = activity.plan_items[0]
    listed = browser.get(f"/activities/?plan_item={item.id}").get_data(True)
    assert "Экскурсия" in listed and f'<optgroup label="{NEXT}">' in listed
