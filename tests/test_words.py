"""The words users read on the demo's pages: no «None», no technical organization codes, no
English slugs in the Russian interface (issue #15, item 18)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
from partnercrm.agreements.rules import AgreementStatus, CooperationKind
from partnercrm.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.monitoring.rules import CampaignStatus, ReportStatus
from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus, SpeakerRequestStatus
from partnercrm.roadmap.labels import quantity, unit_label
from partnercrm.students.forms import StudentForm
from tests.conftest import log_in, request_scoped_client
from tests.factories import OrganizationFactory, UserFactory
from tests.test_demo import _fast_demo_passwords, demo  # noqa: F401  (fixtures)

# Files, pages not ours (Flask-Admin), and the import page, whose column names are the format.
SKIPPED = re.compile(r"^/(static|bootstrap|admin|logout|imports)|\.(csv|xlsx|ics|pdf)$|/export")
LINK = re.compile(r'href="(/[^"#]*)"')
NAV = re.compile(r'<nav class="navbar.*?</nav>', re.S)
# Not read as words: scripts, styles, tags, and the code for import files on an organization's
# page (imports/hooks.py), shown on purpose to those who import.
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<code data-import-code>.*?</code>|<[^>]+>", re.S)
# Addresses are what they are: e-mails, web and calendar links.
ADDRESS = re.compile(r"\S+@\S+|\b(https?|webcal)://\S+")


# The stored values of what pages show by a label: none may show as itself.
SLUGS = re.compile(
    r"\b(?:"
    + "|".join(
        sorted(
            {
                member.value
                for enum in (
                    Role,
                    ActivityKind,
                    ActivityStatus,
                    CampType,
                    AgreementStatus,
                    CooperationKind,
                    ApprovalState,
                    OrganizationKind,
                    ApplicationStatus,
                    JobStatus,
                    CampaignStatus,
                    ReportStatus,
                    BookingStatus,
                    OfferKind,
                    OfferStatus,
                    SpeakerRequestStatus,
                )
                for member in enum
            }
            | {"None", "True", "False"}
        )
    )
    + r")\b|\b[a-z]+_[a-z_]+\b"  # any other snake_case name
)


def visible_text(page: str) -> str:
    return html.unescape(HIDDEN.sub(" ", page))


def shape(path: str) -> str:
    """One page of each kind is enough: ids and query values do not change the words."""
    return re.sub(r"\d+", "N", path.split("?")[0])


def crawl(client, start: list[str]) -> dict[str, str]:
    """The menu's pages and one page of every kind they link to: path → visible text."""
    seen_shapes: set[str] = set()
    pages: dict[str, str] = {}
    queue = list(start)
    for depth in (0, 1):
        following: list[str] = []
        for path in queue:
            if SKIPPED.search(path) or shape(path) in seen_shapes:
                continue
            seen_shapes.add(shape(path))
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            pages[path] = visible_text(page)
            if depth == 0:
                following += LINK.findall(html.unescape(page))
        queue = following
    return pages


@pytest.mark.usefixtures("demo")
def test_demo_pages_show_no_none_codes_or_slugs(app):
    codes = {
        code
        for code in db.session.scalars(sa.select(Organization.code))
        if re.search(r"[a-z]-", code)
    }
    problems: list[str] = []
    for email, *_ in DEMO_ACCOUNTS:
        client = request_scoped_client(app)
        assert log_in(client, email, DEMO_PASSWORD).status_code == 302
        dashboard = client.get("/dashboard").get_data(as_text=True)
        menu = LINK.findall(NAV.search(dashboard).group(0))
        for path, text in crawl(client, menu).items():
            text = ADDRESS.sub(" ", text)
            problems += [f"{email} {path}: {code}" for code in codes if code in text]
            problems += [
                f"{email} {path}: {word}"
                for word in sorted({match.group(0) for match in SLUGS.finditer(text)})
            ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("locale", "value", "unit", "shown"),
    [
        ("ru", 1, "человек", "1 человек"),
        ("ru", 4, "человек", "4 человека"),
        ("ru", 22, "человек", "22 человека"),
        ("ru", 191, "человек", "191 человек"),
        ("ru", 3, "единиц", "3 единицы"),
        ("ru", 1, "да/нет", "да"),
        ("en", 1, "человек", "1 person"),
        ("en", 4, "человек", "4 people"),
        ("en", 5, "единиц", "5 units"),
    ],
)
def test_figures_take_the_plural_form_of_their_number(app, locale, value, unit, shown):
    with app.test_request_context("/"), force_locale(locale):
        assert quantity(value, unit) == shown


def test_the_english_interface_translates_units_and_sen(app):
    with app.test_request_context("/"), force_locale("en"):
        assert [unit_label(unit) for unit in ("человек", "единиц", "да/нет")] == [
            "people",
            "units",
            "yes/no",
        ]
        assert str(StudentForm.ovz.args[0]) == "Student with a disability or SEN"


def test_only_users_who_import_see_an_organizations_code(app):
    host = OrganizationFactory(kind=OrganizationKind.EMPLOYER, code="zavod-yantar")
    school_user = UserFactory(role=Role.SCHOOL)
    employer_user = UserFactory(role=Role.EMPLOYER)
    for user, shown in ((school_user, True), (employer_user, False)):
        client = request_scoped_client(app)
        log_in(client, user.email)
        page = client.get(f"/organizations/{host.id}").get_data(as_text=True)
        assert ("<code data-import-code>zavod-yantar</code>" in page) is shown
        assert page.count("zavod-yantar") == int(shown)
