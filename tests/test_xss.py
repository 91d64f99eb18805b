"""Stored XSS (DESIGN §5): a payload in every text column of every model renders escaped on
every page (the admin's included), travels as plain data in exports (with formulas
neutralised) and as plain text in calendar feeds.

Data-driven: the text columns come from the models' metadata and the pages from the URL map, so
a new model or page is covered as soon as it exists. Every text column must show up on some page,
export or feed, unless NOT_SHOWN says why it never does.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

import icalendar
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from tests import security_samples
from tests.conftest import request_scoped_client
from tests.security_samples import (
    STAFF_ROLES,
    MissingSample,
    build_url,
    url_arguments,
    walked_rules,
)
from tests.spreadsheets import csv_rows

# The module's world and logged-in clients (fixtures shared with tests/test_security_matrix.py).
_clean_database = security_samples._clean_database
world = security_samples.world
clients = security_samples.clients

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
SHORT_PAYLOAD = "<xss>"  # for columns too short for the payload
URL_PAYLOAD = "javascript:alert(1)//"  # for columns shown as links
FORMULA_TRIGGERS = ("=", "+", "-", "@")
SPREADSHEETS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# What must never reach a page unescaped.
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror", "<xss")
# A stored link used as one (Flask-Admin's own "javascript:void(0)" links are no payload).
SCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:alert""", re.I)
# A column's tag ("q12z", then a row number where the column is unique) and what follows it.
ESCAPED = re.compile(r"q(\d+)z\d*(?:&lt;|&#60;|&#x3c;|\\u003c|javascript:alert\(1\)//&lt;)", re.I)
AS_DATA = re.compile(r"q(\d+)z\d*(?:<|javascript:)")

# Columns the test never writes: secrets and server-made names no page shows.
UNTOUCHED = {
    "user.password_hash": "a secret",
    "user.session_token": "a secret",
    "user.feed_secret": "a secret",
    "registration.password_hash": "a secret",
    "agreement_document.stored_name": "a server-made file name",
    "municipal_plan.document": "a server-made file name",
}
# Columns written but shown nowhere, and why.
NOT_SHOWN = {
    "audit_entry.object_type": "the audit trail has no page",
    "audit_entry.ip": "the audit trail has no page",
    "activity.ref": "the import's key of an activity",
    "booking.request_key": "a key against double submission",
    "speaker_request.request_key": "a key against double submission",
    "feed_change.kind": "what changed, for the feeds' Last-Modified; no page shows it",
    "agreement_party.number_key": "a copy of the agreement's number (shown) for its unique key",
    "form_token.token": "a one-time key against double submission",
    "form_token.url": "where a spent form token's record is: a redirect, never shown",
}
# Columns holding links: they get a javascript: URL in front of the payload.
LINK_COLUMNS = {"organization.website"}

# More objects whose pages show more columns (a parent meeting's professions...), and the
# exports' formats: URL argument → further values.
ALTERNATIVES = {
    "activity_id": [
        lambda c: c.tenant.parent_meeting,
        lambda c: c.tenant.camp_shift,
        lambda c: c.tenant.public_activity,
    ],
    "organization_id": [
        lambda c: c.tenant.employer,
        lambda c: c.tenant.college,
        lambda c: c.tenant.center,
        lambda c: c.tenant.camp,
        lambda c: c.tenant.pending_employer,
    ],
    "offer_id": [lambda c: c.tenant.speaker_offer],
    "registration_id": [lambda c: c.tenant.declined_registration],
    "application_id": [lambda c: c.tenant.student_application],
    "fmt": [lambda c: "xlsx"],
}
# Query strings a page needs to show its data (an export's format and period).
QUERIES = {
    "indicators.export": [
        lambda t: {"format": "csv", "year": "2026"},
        lambda t: {"format": "xlsx", "year": "2026", "municipality": t.municipality},
    ],
    "indicators.roadmap": [
        lambda t: {"year": "2026"},
        lambda t: {"format": "csv", "year": "2026"},
        lambda t: {"format": "xlsx", "year": "2026", "municipality": t.municipality},
    ],
    "job_report.report": [
        lambda t: {"year": "2027"},
        lambda t: {"format": "csv", "year": "2027"},
        lambda t: {"format": "xlsx", "year": "2027", "municipality": t.municipality},
    ],
}


# --- the payload in every text column ---


def text_columns() -> list[sa.Column]:
    """Every String/Text column of every table (enumerations aside), in a stable order."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String)
        and not isinstance(column.type, sa.Enum)
        and f"{table.name}.{column.name}" not in UNTOUCHED
    ]


def column_name(column: sa.Column) -> str:
    return f"{column.table.name}.{column.name}"


def is_unique(column: sa.Column) -> bool:
    return column.unique or any(
        column.name in constraint.columns
        for constraint in column.table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    )


def fitted(text: str, column: sa.Column, short: str) -> str:
    length = column.type.length
    return text if length is None or len(text) <= length else short[:length]


def html_value(number: int, column: sa.Column, row: int) -> str:
    tag = f"q{number}z{row if is_unique(column) else ''}"
    payload = URL_PAYLOAD + PAYLOAD if column_name(column) in LINK_COLUMNS else PAYLOAD
    return fitted(tag + payload, column, tag + SHORT_PAYLOAD)


def formula_value(number: int, column: sa.Column, row: int) -> str:
    tag = f"q{number}z{row if is_unique(column) else ''}"
    trigger = FORMULA_TRIGGERS[number % len(FORMULA_TRIGGERS)]
    return fitted(f'{trigger}HYPERLINK("https://evil.example/{tag}")', column, trigger + tag)


def store_everywhere(value) -> dict[int, str]:
    """Write ``value(number, column, row)`` into every text column of every row; returns the
    columns by number."""
    columns = dict(enumerate(text_columns()))
    for number, column in columns.items():
        table = column.table
        keys = list(table.primary_key.columns)
        rows = db.session.execute(sa.select(*keys).order_by(*keys)).all()
        for index, row in enumerate(rows):
            where = sa.and_(*(key == row._mapping[key.name] for key in keys))
            db.session.execute(
                table.update().where(where).values({column.name: value(number, column, index)})
            )
    db.session.commit()
    return {number: column_name(column) for number, column in columns.items()}


# --- walking every page as every role ---


@dataclass
class Seen:
    shown: set[int] = field(default_factory=set)  # columns found, escaped or as data
    failures: list[str] = field(default_factory=list)
    exports: list[tuple[object, str]] = field(default_factory=list)  # (client, url)
    feeds: int = 0


def variant_urls(app, world, rule):
    """The rule's URL with tenant a's objects, then with each alternative object, each with
    the endpoint's query strings."""
    base = url_arguments(world, world.a, rule)
    variants = [base]
    for name, alternatives in ALTERNATIVES.items():
        if name in base:
            context = security_samples.SampleContext(world, world.a, rule, base)
            variants += [{**base, name: alternative(context)} for alternative in alternatives]
    for args in variants:
        for query in QUERIES.get(rule.endpoint, [lambda t: {}]):
            yield build_url(app, world, world.a, rule, **args, **query(world.a))


def inspect_response(seen: Seen, client, url: str, response) -> None:
    mimetype = response.mimetype
    body = response.get_data()
    if mimetype == "text/html":
        page = body.decode()
        lowered = page.lower()
        for marker in RAW_MARKERS:
            if marker in lowered:
                at = lowered.index(marker)
                seen.failures.append(f"{url}: raw {marker!r} in …{page[at - 80 : at + 40]!r}")
        if SCRIPT_URL.search(page):
            seen.failures.append(f"{url}: a javascript: link")
        seen.shown |= {int(n) for n in ESCAPED.findall(page)}
    elif mimetype in (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ):
        seen.exports.append((client, url))
        cells = export_cells(mimetype, body)
        text = "\n".join(cells)
        if "&lt;" in text or "&#" in text:
            seen.failures.append(f"{url}: HTML-escaped text in an export (it should be data)")
        seen.shown |= {int(n) for n in AS_DATA.findall(text)}
    elif mimetype == "application/json":
        text = json.dumps(json.loads(body), ensure_ascii=False)
        seen.shown |= {int(n) for n in AS_DATA.findall(text)}
    elif mimetype == "text/calendar":
        seen.feeds += 1
        calendar = icalendar.Calendar.from_ical(body)
        events = calendar.walk("VEVENT")
        if len(events) != body.count(b"BEGIN:VEVENT"):
            seen.failures.append(f"{url}: the payload broke the calendar's events")
        text = "\n".join(str(value) for event in events for value in event.values())
        seen.shown |= {int(n) for n in AS_DATA.findall(text)}


def export_cells(mimetype: str, body: bytes) -> list[str]:
    if mimetype == "text/csv":
        return [cell for row in csv_rows(body) for cell in row]
    workbook = load_workbook(io.BytesIO(body))
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


@pytest.fixture(scope="module")
def payloads(app, world, clients):
    """The payload in every text column (after the logins: e-mail addresses change too)."""
    with app.app_context():
        return store_everywhere(html_value)


@pytest.fixture(scope="module")
def seen(app, world, clients, payloads) -> Seen:
    """Every GET page, export and feed as every role, and as an anonymous visitor."""
    result = Seen()
    visitors = [request_scoped_client(app), *(clients[role] for role in (Role.ADMIN, *STAFF_ROLES))]
    with app.app_context():
        urls = []
        for rule in walked_rules(app, {"GET"}):
            if rule.endpoint.endswith("static"):
                continue
            try:
                urls += list(variant_urls(app, world, rule))
            except MissingSample as missing:
                result.failures.append(str(missing))
        for client in visitors:
            for url in urls:
                inspect_response(result, client, url, client.get(url))
    # Still logged in: no page was walked as an anonymous visitor by mistake.
    for role in (Role.ADMIN, *STAFF_ROLES):
        assert clients[role].get("/account/password").status_code == 200, role
    return result


def test_pages_exports_and_feeds_show_the_payload_harmlessly(seen):
    assert not seen.failures, "\n".join(seen.failures)


def test_every_text_column_is_shown_somewhere(seen, payloads):
    assert seen.feeds, "no calendar feed was walked"
    assert seen.exports, "no export was walked"
    missing = [
        f"{name} (q{number}z) is shown on no page, export or feed: show it or add it to "
        "NOT_SHOWN with the reason"
        for number, name in payloads.items()
        if number not in seen.shown and name not in NOT_SHOWN
    ]
    assert not missing, "\n".join(missing)


def test_exports_neutralise_formulas(app, seen):
    with app.app_context():
        store_everywhere(formula_value)
    failures = []
    for client, url in seen.exports:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype in SPREADSHEETS, url
        for cell in export_cells(response.mimetype, response.get_data()):
            if cell.startswith(FORMULA_TRIGGERS) and re.search(r"q\d+z", cell):
                failures.append(f"{url}: a formula cell {cell!r}")
    assert not failures, "\n".join(failures)
