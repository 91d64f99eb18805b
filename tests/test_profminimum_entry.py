"""Профминимум data entry (issue #17, docs/profminimum.md): an activity's hours in its form, on
its page and in the activities import; a school's level for a school year on the levels page and
in the ``profminimum_levels`` import. Through the app, as users work with it; every request of
the client has its own session, so what a page shows after a save was committed."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.activities.models import Activity
from partnercrm.audit.models import AuditEntry
from partnercrm.extensions import db
from partnercrm.profminimum.importer import LEVELS
from partnercrm.profminimum.levels import level_of, levels_of
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import Level
from tests.activity_factories import build_world, scoped_client, sign_in
from tests.conftest import csrf_token

# 10 December 2026: the current school year is 2026/27; levels may be set for 2023/24–2027/28.
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(seeded):
    return build_world()


@pytest.fixture
def browser(app):
    return scoped_client(app)


def label(organization) -> str:
    return f"{organization.name} [{organization.code}]"


def post(client, path: str, data: dict, form_path: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_path or path)})


def text(response) -> str:
    return response.get_data(as_text=True)


def activities() -> list[Activity]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Activity).order_by(Activity.id)))


def excursion(browser, hours: str, end: str = "12:30"):
    """The school logs an excursion to the employer on 12 November 2026, 10:00–``end``."""
    return post(
        browser,
        "/activities/new/excursion",
        {
            "host": label(browser.world.employer),
            "day": "2026-11-12",
            "start": "10:00",
            "end": end,
            "status": "held",
            "hours": hours,
        },
    )


@pytest.fixture
def school_browser(world, browser):
    sign_in(browser, world.school1_user)
    browser.world = world
    return browser


# --- hours of an activity: the form and the page ---


def test_empty_hours_are_the_length_rounded_half_up(school_browser):
    response = excursion(school_browser, "")  # 10:00–12:30: 2.5 hours → 3
    assert response.status_code == 302
    (activity,) = activities()
    assert activity.hours == Decimal(3)
    page = text(school_browser.get(f"/activities/{activity.id}"))
    assert re.search(r"Career guidance hours</dt><dd[^>]*>3 hours<", page)


def test_hours_with_a_comma_are_kept_and_shown_when_editing(school_browser):
    assert excursion(school_browser, "1,5").status_code == 302
    (activity,) = activities()
    assert activity.hours == Decimal("1.5")
    assert "1.5 hours" in text(school_browser.get(f"/activities/{activity.id}"))
    edit = text(school_browser.get(f"/activities/{activity.id}/edit"))
    assert re.search(r'name="hours"[^>]*value="1.5"', edit)
    assert 'placeholder="default: 3"' in edit


def test_default_hours_follow_changed_times(school_browser):
    excursion(school_browser, "")
    (activity,) = activities()
    path = f"/activities/{activity.id}/edit"
    edit = text(school_browser.get(path))
    assert re.search(r'name="hours"[^>]*value=""', edit)  # the default: left empty
    response = post(
        school_browser,
        path,
        {
            "host": label(school_browser.world.employer),
            "day": "2026-11-12",
            "start": "10:00",
            "end": "15:00",
            "status": "held",
            "hours": "",
        },
    )
    assert response.status_code == 302
    assert activities()[0].hours == Decimal(5)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Hours must be more than 0 and at most 100."),
        ("101", "Hours must be more than 0 and at most 100."),
        ("-1", "Hours must be more than 0 and at most 100."),
        ("1,555", "Write the hours as a number, such as 2 or 1,5 (at most two decimals)."),
        ("два", "Write the hours as a number, such as 2 or 1,5 (at most two decimals)."),
    ],
)
def test_wrong_hours_are_refused_on_the_field(school_browser, hours, message):
    response = excursion(school_browser, hours)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert re.search(r'name="hours"[^>]*is-invalid|is-invalid[^>]*name="hours"', page)
    assert activities() == []


def test_the_refusal_is_russian_in_russian(world, browser):
    sign_in(browser, world.school1_user, lang="ru")
    browser.world = world
    page = text(excursion(browser, "101"))
    assert "Часы должны быть больше 0 и не больше 100." in page
    assert "Часы профминимума" in page
    assert activities() == []


def test_a_parent_meeting_has_no_hours(school_browser):
    page = text(school_browser.get("/activities/new/parent_meeting"))
    assert 'name="hours"' not in page
    assert 'name="hours"' in text(school_browser.get("/activities/new/excursion"))
    assert "6 per day" in text(school_browser.get("/activities/new/camp_shift"))


# --- the hours column of the activities import ---


def upload(client, kind: str, data: str):
    form = {
        "kind": kind,
        "file": (io.BytesIO(data.encode()), "file.csv"),
        "csrf_token": csrf_token(client, "/imports/"),
    }
    return client.post("/imports/", data=form, content_type="multipart/form-data")


def error_rows(response) -> list[tuple[str, str, str]]:
    return re.findall(
        r"<tr><td>(\d+)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", text(response)
    )


ACTIVITY_HEADER = "ref;kind;title;starts_at;ends_at;host_code;organizer_code;status;hours"


def activity_rows(world, *rows: tuple[str, str, str]) -> str:
    """(ref, kind, hours) rows of the school's activities on 12 November 2026, 10:00–11:30."""
    school = world.school1.code
    lines = [
        f"{ref};{kind};Занятие {ref};2026-11-12 10:00;2026-11-12 11:30;{school};{school};held;"
        f"{hours}"
        for ref, kind, hours in rows
    ]
    return "\n".join([ACTIVITY_HEADER, *lines]) + "\n"


def test_the_import_takes_hours_with_a_comma_and_defaults_empty_ones(school_browser):
    world = school_browser.world
    data = activity_rows(
        world,
        ("a-1", "career_event", "1,5"),
        ("a-2", "career_event", ""),
        ("a-3", "parent_meeting", ""),
    )
    response = upload(school_browser, "activities", data)
    assert response.status_code == 200, error_rows(response)
    hours = {a.ref: a.hours for a in activities()}
    assert hours == {"a-1": Decimal("1.5"), "a-2": Decimal(2), "a-3": None}
    # The same file again changes nothing.
    again = upload(school_browser, "activities", data)
    assert re.search(r'data-count="unchanged">3<', text(again))


def test_the_import_refuses_the_whole_file_for_bad_hours(school_browser):
    world = school_browser.world
    data = activity_rows(
        world,
        ("a-1", "career_event", "2"),
        ("a-2", "career_event", "101"),
        ("a-3", "career_event", "0"),
        ("a-4", "career_event", "полтора"),
        ("a-5", "parent_meeting", "2"),
    )
    response = upload(school_browser, "activities", data)
    assert response.status_code == 422
    errors = error_rows(response)
    assert [(row, column) for row, column, _message in errors] == [
        ("3", "hours"),
        ("4", "hours"),
        ("5", "hours"),
        ("6", "hours"),
    ]
    assert "больше 0 и не больше 100" in errors[0][2]
    assert "например 2 или 1,5" in errors[2][2]
    assert "родительское собрание не даёт школьникам часов" in errors[3][2]
    assert activities() == []


# --- levels: the page ---


def stored_levels() -> dict[tuple[int, int], Level]:
    db.session.expire_all()
    return {
        (row.school_id, row.school_year): row.level
        for row in db.session.scalars(sa.select(ProfminimumLevel))
    }


def set_level(client, school, year: str, level: str, path: str = "/profminimum/level"):
    return post(
        client,
        "/profminimum/level",
        {"school": str(school.id), "school_year": year, "level": level},
        path,
    )


def test_school_staff_set_their_level(world, browser):
    sign_in(browser, world.school1_user)
    page = text(browser.get("/profminimum/level"))
    assert world.school1.name in page and world.school2.name not in page
    assert 'selected value="2026"' in page  # the current school year
    assert re.search(r'checked[^>]*value="basic"|value="basic"[^>]*checked', page)
    response = set_level(browser, world.school1, "2026", "main")
    assert response.status_code == 302
    assert stored_levels() == {(world.school1.id, 2026): Level.MAIN}
    # The page shows what was saved (committed: every request has its own session).
    page = text(browser.get(response.headers["Location"]))
    assert re.search(r'checked[^>]*value="main"|value="main"[^>]*checked', page)
    audited = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.object_type == "profminimum_level")
    )
    assert audited == 1


def test_the_coordinator_sets_the_levels_of_the_municipality(world, browser):
    sign_in(browser, world.coordinator)
    page = text(browser.get("/profminimum/level?year=2025"))
    assert world.school1.name in page and world.school2.name in page
    assert world.school3.name not in page  # another municipality
    assert set_level(browser, world.school2, "2025", "advanced").status_code == 302
    assert stored_levels() == {(world.school2.id, 2025): Level.ADVANCED}
    with db.session.no_autoflush:
        assert level_of(db.session, world.school2.id, 2025) is Level.ADVANCED
        assert level_of(db.session, world.school2.id, 2026) is Level.BASIC
        assert levels_of(db.session, [world.school1.id, world.school2.id], 2025) == {
            world.school1.id: Level.BASIC,
            world.school2.id: Level.ADVANCED,
        }


@pytest.mark.parametrize("who", ["school2_user", "coordinator2", "school3_user"])
def test_another_school_is_refused(world, browser, who):
    sign_in(browser, getattr(world, who))
    assert browser.get(f"/profminimum/level?school={world.school1.id}").status_code == 403
    response = set_level(browser, world.school1, "2026", "advanced")
    assert response.status_code == 400
    assert stored_levels() == {}


@pytest.mark.parametrize("who", ["employer_user", "college_user", "center_user"])
def test_other_roles_have_no_levels_page(world, browser, who):
    sign_in(browser, getattr(world, who))
    assert browser.get("/profminimum/level").status_code == 403
    assert "/profminimum/level" not in text(browser.get("/dashboard"))


def test_the_menu_leads_school_staff_to_the_levels_page(world, browser):
    sign_in(browser, world.school1_user)
    assert "/profminimum/level" in text(browser.get("/dashboard"))


def test_a_year_out_of_range_is_refused(world, browser):
    sign_in(browser, world.admin)
    assert set_level(browser, world.school3, "2019", "main").status_code == 400
    assert stored_levels() == {}


# --- levels: the import ---


def test_the_levels_kind_has_its_design_columns():
    assert LEVELS.column_names == ["school_code", "school_year", "level"]
    assert LEVELS.keys == ("school_code", "school_year")


def test_the_levels_import_takes_both_spellings(world, browser):
    sign_in(browser, world.coordinator)
    data = (
        "school_code;school_year;level\n"
        f"{world.school1.code};2025;main\n"
        f"{world.school2.code};2025/26;ПРОДВИНУТЫЙ\n"
        f"{world.school1.code};2026/2027;основной\n"
        f"{world.school2.code};2026;\n"
    )
    response = upload(browser, "profminimum_levels", data)
    assert response.status_code == 200, error_rows(response)
    assert stored_levels() == {
        (world.school1.id, 2025): Level.MAIN,
        (world.school2.id, 2025): Level.ADVANCED,
        (world.school1.id, 2026): Level.MAIN,
        (world.school2.id, 2026): Level.BASIC,
    }
    again = upload(browser, "profminimum_levels", data.replace("ПРОДВИНУТЫЙ", "basic"))
    assert re.search(r'data-count="updated">1<', text(again))
    assert stored_levels()[(world.school2.id, 2025)] is Level.BASIC


def test_a_bad_levels_file_is_refused_whole(world, browser):
    sign_in(browser, world.school1_user)
    data = (
        "код школы;учебный год;уровень\n"
        f"{world.school1.code};2025;advanced\n"
        f"{world.school2.code};2025;main\n"
        f"{world.school1.code};2025/27;main\n"
        f"{world.school1.code};2026;высокий\n"
        f"нет-такой;2026;main\n"
        f"{world.employer.code};2026;main\n"
        f"{world.school1.code};2019;main\n"
    )
    response = upload(browser, "profminimum_levels", data)
    assert response.status_code == 422
    errors = error_rows(response)
    assert [(row, column) for row, column, _message in errors] == [
        ("3", "код школы"),
        ("4", "учебный год"),
        ("5", "уровень"),
        ("6", "код школы"),
        ("7", "код школы"),
        ("8", "учебный год"),
    ]
    assert "вне вашей области доступа" in errors[0][2]
    assert "2025 или 2025/26" in errors[1][2]
    assert "basic, main, advanced, базовый, основной, продвинутый" in errors[2][2]
    assert "с 2023/24 по 2027/28" in errors[5][2]
    assert stored_levels() == {}


def test_the_levels_template_imports_unchanged(world, browser):
    sign_in(browser, world.school1_user)
    body = browser.get("/imports/templates/profminimum_levels.csv").data
    assert body.decode("utf-8-sig").splitlines() == [
        "school_code;school_year;level",
        f"{world.school1.code};2026;основной",
    ]
    response = browser.post(
        "/imports/",
        data={
            "kind": "profminimum_levels",
            "file": (io.BytesIO(body), "levels.csv"),
            "csrf_token": csrf_token(browser, "/imports/"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, error_rows(response)
    assert stored_levels() == {(world.school1.id, 2026): Level.MAIN}
