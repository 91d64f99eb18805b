"""The security matrix (DESIGN §1, §5): every rule of ``app.url_map``, for every role.

(a) Anonymous GETs answer only the public endpoints; everything else asks for a login.
(b) Every state-changing request without a valid CSRF token is refused with 400 (Flask-Admin
    included) and changes nothing.
(c) No GET changes the database, for any role, with real objects in the URL; no page shows
    a role names of minors DESIGN §1 keeps from it.
(d) Every role asked for another organization's or municipality's object gets 403 or 404 and
    changes nothing, by GET and by POST with a valid CSRF token and the form's own data; report
    scopes in the query string too; Flask-Admin refuses every other role.
(e) An employer awaiting approval (pending, declined) is an identity of its own: every page but
    its own state, its sign-up data, its account and the public ones answers 403 or 404 and
    changes nothing; no page it may open links to one it may not.
Then: a form posted with another tenant's organizations never makes a record of theirs; bad
input never ends in a 500.

The walk is driven by the URL map: a new rule is covered as soon as it exists, and fails with
"add a sample for endpoint X" until tests/security_samples.py knows how to fill its URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from tests import security_numbers as numbers
from tests import security_samples
from tests.conftest import csrf_token, request_scoped_client
from tests.security_samples import (
    AWAITING_APPROVAL,
    STAFF_ROLES,
    MissingSample,
    admin_model_view,
    awaiting_email,
    build_url,
    changed_tables,
    fingerprint,
    page_forms,
    quick_fingerprint,
    rule_arguments,
    signed_in,
    student_name,
    walked_rules,
    young_person_name,
)

# The module's world and logged-in clients (fixtures shared with tests/test_xss.py).
_clean_database = security_samples._clean_database
world = security_samples.world
clients = security_samples.clients

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# (a) What an anonymous visitor may GET, and the answer with real arguments.
PUBLIC_GET = {
    "static": 200,
    "bootstrap.static": 200,
    "admin.static": 200,
    "web.index": 200,
    "web.health": 200,
    "accounts.login": 200,
    "accounts.accept_invitation": 200,  # a real invitation of tenant a
    "accounts.forgot_password": 200,
    "accounts.reset_password_by_link": 200,  # a real link for tenant a's invitee
    "portal.sign_up": 200,
    "portal.confirm": 200,  # a real confirmation link; confirming takes a POST
    "offers.public": 200,
    "offers.detail": 200,  # a published offer is public
    "jobs.board": 200,
    "jobs.board_job": 200,
    "jobs_api.jobs": 200,
    "feeds.public_feed": 200,
    "feeds.private_feed": 200,  # with its signature; test_a_private_feed_needs_its_signature
}


# (d) Whose objects a role may reach in another tenant. Every rule with an ``*_id`` argument
# needs an entry: the default refuses every non-admin role.
@dataclass(frozen=True)
class Cross:
    allowed: frozenset[Role] = frozenset()  # roles that legitimately reach tenant b's object
    why: str = ""
    # Roles that legitimately reach another organization's object in their own municipality.
    neighbours: frozenset[Role] = frozenset()


REFUSED = Cross()
EVERY_ROLE = frozenset(STAFF_ROLES)
PUBLIC = Cross(EVERY_ROLE, "public: anonymous visitors see it too")
OPEN_TO_SCHOOLS = Cross(
    frozenset({Role.SCHOOL}), "published offers and jobs are open to every school of the region"
)
CENTER = frozenset({Role.EMPLOYMENT_CENTER})
JOB_OPEN_TO_SCHOOLS = Cross(
    OPEN_TO_SCHOOLS.allowed,
    "published jobs are open to every school; the center handles its municipality's jobs",
    CENTER,
)
JOB_OF_THE_CENTER = Cross(why="the center handles every job of its municipality", neighbours=CENTER)
CROSS_TENANT: dict[str, Cross] = {
    "accounts.edit_user": REFUSED,
    "accounts.set_user_active": REFUSED,
    "accounts.send_invitation": REFUSED,
    "accounts.reset_password": REFUSED,
    "activities.detail": REFUSED,
    "activities.edit": REFUSED,
    "activities.headcount": REFUSED,
    "activities.participants": REFUSED,
    "activities.trip_list": REFUSED,
    "activities.trip_escort": REFUSED,
    "activities.trip_list_xlsx": REFUSED,
    "activities.change_status": REFUSED,
    "activities.delete": REFUSED,
    "agreements.detail": REFUSED,
    "agreements.edit": REFUSED,
    "agreements.link_activity": REFUSED,
    "agreements.unlink_activity": REFUSED,
    "agreements.upload_document": REFUSED,
    "agreements.download_document": REFUSED,
    "directory.organization": Cross(
        EVERY_ROLE, "the directory of organizations is open to every logged-in user"
    ),
    "directory.edit_organization": REFUSED,
    "indicators.municipality": REFUSED,
    "indicators.school": REFUSED,
    "profminimum.municipality_hours": REFUSED,
    "profminimum.school_hours": REFUSED,
    "profminimum.class_table": REFUSED,
    "monitoring.campaign": Cross(
        frozenset({Role.COORDINATOR}),
        "campaigns are the region's; a coordinator is sent on to the own municipality's report",
    ),
    "monitoring.set_deadline": REFUSED,
    "monitoring.close_campaign": REFUSED,
    "monitoring.export_campaign": REFUSED,
    "monitoring.report": REFUSED,
    "monitoring.submit_report": REFUSED,
    "monitoring.reopen_report": REFUSED,
    "monitoring.edit_plan": REFUSED,
    "monitoring.delete_plan": REFUSED,
    "monitoring.plan_document": REFUSED,
    "students.edit_student": REFUSED,
    "series.detail": REFUSED,
    "series.edit": REFUSED,
    "series.delete": REFUSED,
    "series.attendance": REFUSED,
    "series.mark_held": REFUSED,
    "series.cancel_session": REFUSED,
    "students.archive_student": REFUSED,
    "students.unarchive_student": REFUSED,
    "portal.detail": REFUSED,
    "portal.approve": REFUSED,
    "portal.decline": REFUSED,
    "offers.detail": PUBLIC,
    "offers.edit": REFUSED,
    "offers.set_status": REFUSED,
    "offers.book": OPEN_TO_SCHOOLS,
    "offers.request_speaker": OPEN_TO_SCHOOLS,
    "offers.booking": REFUSED,
    "offers.confirm_booking": REFUSED,
    "offers.end_booking": REFUSED,
    "offers.speaker_request": REFUSED,
    "offers.answer_speaker_request": REFUSED,
    "jobs.detail": JOB_OPEN_TO_SCHOOLS,
    "jobs.apply": JOB_OPEN_TO_SCHOOLS,
    "jobs.edit": JOB_OF_THE_CENTER,
    "jobs.publish": JOB_OF_THE_CENTER,
    "jobs.close": JOB_OF_THE_CENTER,
    "jobs.application": JOB_OF_THE_CENTER,
    "jobs.checks": JOB_OF_THE_CENTER,
    "jobs.move": JOB_OF_THE_CENTER,
    "jobs.board_job": PUBLIC,
    "feeds.private_feed": Cross(
        EVERY_ROLE, "a signed feed URL is a capability: whoever holds it may subscribe"
    ),
}


# --- walking the URL map ---


class Walk:
    """Walks rules, sends requests and collects every failure, so one run shows every gap.

    Each request is checked with the quick fingerprint; the whole walk with the full one.
    """

    def __init__(self, changes_expected: bool = False):
        self.failures: list[str] = []
        self.start = None if changes_expected else fingerprint()

    def urls(self, app, world, tenant, methods):
        for rule in walked_rules(app, methods):
            try:
                yield rule, build_url(app, world, tenant, rule)
            except MissingSample as missing:
                self.fail(rule.endpoint, str(missing))

    def request(self, client, rule, method: str, url: str, **kwargs):
        """The response (None if the app raised) and the tables the request changed."""
        before = quick_fingerprint()
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001 — reported with the endpoint, walk goes on
            self.fail(rule.endpoint, f"{method} {url} raised {error!r}")
            db.session.rollback()
            return None, []
        return response, changed_tables(before, quick_fingerprint())

    def check(self, condition: bool, endpoint: str, message: str) -> None:
        if not condition:
            self.fail(endpoint, message)

    def fail(self, endpoint: str, message: str) -> None:
        message = message if message.startswith(endpoint) else f"{endpoint}: {message}"
        self.failures.append(message)

    def finish(self) -> None:
        if self.start is not None:
            changed = changed_tables(self.start, fingerprint())
            self.check(not changed, "walk", f"the requests changed {changed}")
        assert not self.failures, "\n".join(self.failures)


# --- (a) anonymous visitors ---


def test_every_rule_can_be_filled(app, world):
    walk = Walk()
    for _rule, _url in walk.urls(app, world, world.a, {"GET", *STATE_CHANGING}):
        pass
    walk.finish()


def test_anonymous_gets_only_public_pages(app, world):
    client = request_scoped_client(app)
    walk = Walk()
    for rule, url in walk.urls(app, world, world.a, {"GET"}):
        response, changed = walk.request(client, rule, "GET", url)
        if response is None:
            continue
        walk.check(not changed, rule.endpoint, f"GET {url} changed {changed}")
        if rule.endpoint in PUBLIC_GET:
            walk.check(
                response.status_code == PUBLIC_GET[rule.endpoint],
                rule.endpoint,
                f"GET {url} answered {response.status_code}",
            )
            continue
        location = urlsplit(response.location or "")
        walk.check(
            response.status_code == 302
            and location.path == "/login"
            and parse_qs(location.query).get("next") == [url],
            rule.endpoint,
            f"anonymous GET {url} answered {response.status_code} {response.location}, "
            "not the login page",
        )
    walk.finish()


# --- (b) CSRF ---


# The CSRF check runs before any view, whoever asks: the anonymous visitor, the admin, and a
# school (the role that owns most objects) stand for every role.
@pytest.mark.parametrize("who", ["anonymous", Role.ADMIN, Role.SCHOOL])
def test_state_changing_requests_need_a_csrf_token(app, world, clients, who):
    client = request_scoped_client(app) if who == "anonymous" else clients[who]
    walk = Walk()
    for rule, url in walk.urls(app, world, world.a, STATE_CHANGING):
        for method in sorted(rule.methods & STATE_CHANGING):
            for token in (None, "forged", token_of_another_session(clients, who)):
                data = {} if token is None else {"csrf_token": token}
                response, changed = walk.request(client, rule, method, url, data=data)
                if response is None:
                    continue
                walk.check(
                    response.status_code == 400 and not changed,
                    rule.endpoint,
                    f"{method} {url} with CSRF token {token!r} answered "
                    f"{response.status_code}, changed {changed}",
                )
    walk.finish()


def token_of_another_session(clients, who) -> str:
    """A valid token of another session is no token for this one."""
    return clients[Role.SCHOOL if who == Role.ADMIN else Role.ADMIN].csrf


# --- (c) GET changes nothing, and names of minors show only where allowed ---

# Whose names a role may read (DESIGN §1): a school its own students; the employment center
# (in its municipality) and the admin the applicants for holiday jobs — every sample student and
# young person applied for one. Nobody else reads any name, anywhere.
NAMES_SEEN = {
    Role.ADMIN: {"a", "b", "c"},
    Role.SCHOOL: {"a"},
    Role.EMPLOYMENT_CENTER: {"a", "c"},
}


class MinorsNames:
    """Checks every page a role of tenant a reads for the names it must not see, and that the
    names it may see show up somewhere (so the check is not vacuous)."""

    def __init__(self, role: Role):
        keys = NAMES_SEEN.get(role, set())
        self.role = role
        self.hidden = {
            name: key
            for key in ("a", "b", "c")
            for name in (student_name(key), young_person_name(key))
            if key not in keys or (role is Role.SCHOOL and name == young_person_name(key))
        }
        own = {student_name("a"), young_person_name("a")}
        self.expected = own - set(self.hidden) if keys else set()
        self.shown: set[str] = set()

    def check(self, walk, rule, url: str, response) -> None:
        if response.status_code != 200:
            return
        body = response.get_data()
        self.shown |= {name for name in self.expected if name.encode() in body}
        for name, key in self.hidden.items():
            walk.check(
                name.encode() not in body,
                rule.endpoint,
                f"GET {url} as {self.role} of tenant a shows {name!r} of tenant {key}",
            )

    def finish(self, walk) -> None:
        missing = self.expected - self.shown
        walk.check(not missing, "walk", f"{self.role} never saw {missing}")


# Pages an admin is refused, by design.
NOT_FOR_ADMINS = {
    # Student identities are for the staff of the student's own school only (DESIGN §1).
    "students.roster": 403,
    "students.new_student": 403,
    "students.edit_student": 403,
    # A school's trip list names its own students (docs/activities.md, "Trip list").
    "activities.trip_list": 403,
    "activities.trip_escort": 403,
    "activities.trip_list_xlsx": 403,
    # A class's hours name its students (docs/profminimum.md, "Pages and exports").
    "profminimum.class_table": 403,
    # A weekly series is its school's: its pages name the school's students (docs/profminimum.md).
    "series.index": 403,
    "series.new": 403,
    "series.detail": 403,
    "series.edit": 403,
    "series.attendance": 403,
    # Schools book and ask for speakers for themselves (docs/offers.md).
    "offers.book": 403,
    "offers.request_speaker": 403,
    # Only an employer awaiting approval corrects its sign-up data (docs/portal.md).
    "portal.organization_details": 403,
}


def admin_answers(app, endpoint: str) -> tuple[int, ...]:
    """What Flask-Admin answers the admin: pages, or redirects back to the list; a lookup
    only where the view looks something up as the admin types."""
    if endpoint.endswith(".ajax_lookup") and not admin_model_view(app, endpoint).form_ajax_refs:
        return (404,)
    return (200, 302)


@pytest.mark.parametrize("role", [Role.ADMIN, *STAFF_ROLES])
def test_no_get_changes_the_database(app, world, clients, role):
    client = clients[role]
    names = MinorsNames(role)
    walk = Walk()
    for rule, url in walk.urls(app, world, world.a, {"GET"}):
        response, changed = walk.request(client, rule, "GET", url)
        if response is None:
            continue
        names.check(walk, rule, url, response)
        status = response.status_code
        walk.check(not changed, rule.endpoint, f"GET {url} as {role} changed {changed}")
        walk.check(status < 500, rule.endpoint, f"GET {url} as {role} answered {status}")
        if rule.endpoint.startswith("admin") and rule.endpoint != "admin.static":
            expected = admin_answers(app, rule.endpoint) if role is Role.ADMIN else (403,)
            walk.check(status in expected, rule.endpoint, f"GET {url} as {role} answered {status}")
        elif role is Role.ADMIN:
            # The admin sees everything: the samples reach real pages, not 404s.
            expected = NOT_FOR_ADMINS.get(rule.endpoint)
            walk.check(
                status == expected if expected else status < 400,
                rule.endpoint,
                f"GET {url} as admin answered {status}",
            )
    names.finish(walk)
    assert_still_logged_in(client, role)
    walk.finish()


def assert_still_logged_in(client, role) -> None:
    """No request ended the session: the rest of the walk was not anonymous by mistake."""
    assert client.get("/account/password").status_code == 200, f"{role} was logged out"


# --- (d) another tenant's objects ---


def object_rules(app):
    for rule in walked_rules(app, {"GET", *STATE_CHANGING}):
        if any(name.endswith("_id") for name in rule_arguments(rule)):
            yield rule


def test_every_object_rule_has_a_cross_tenant_entry(app):
    missing = [
        f"add a cross-tenant entry (CROSS_TENANT) for endpoint {rule.endpoint} ({rule.rule})"
        for rule in object_rules(app)
        if rule.endpoint not in CROSS_TENANT
    ]
    assert not missing, "\n".join(missing)


class FormSource:
    """Plausible data for a POST: the matching form as someone who may use it sees it — the
    admin, or a user of tenant b — on the URL itself or on a page of the same blueprint about
    the same objects."""

    def __init__(self, app, readers):
        self.app, self.readers, self.pages = app, readers, {}

    def data(self, world, rule, url: str, tenant=None) -> dict:
        form = self.form(world, rule, url, tenant)
        return form.data() if form is not None else {}

    def form(self, world, rule, url: str, tenant=None):
        path = urlsplit(url).path
        for reader in self.readers:
            for page_url in self._candidate_pages(world, rule, url, tenant or world.b):
                for form in self._forms(reader, page_url):
                    if form.method == "post" and form.action == path:
                        return form
        return None

    def _candidate_pages(self, world, rule, url, tenant):
        if "GET" in rule.methods:
            yield url
        blueprint = rule.endpoint.split(".", 1)[0]
        arguments = set(rule_arguments(rule))
        for other in walked_rules(self.app, {"GET"}):
            if (
                other.endpoint.split(".", 1)[0] == blueprint
                and set(rule_arguments(other)) <= arguments
                and other is not rule
            ):
                try:
                    yield build_url(self.app, world, tenant, other)
                except MissingSample:
                    continue

    def _forms(self, reader, page_url: str):
        key = (id(reader), page_url)
        if key not in self.pages:
            response = reader.get(page_url)
            page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            self.pages[key] = page_forms(page, urlsplit(page_url).path)
        return self.pages[key]


@pytest.fixture(scope="module")
def owners(app, world):
    """Logged-in clients of tenant b's and c's users (in STAFF_ROLES order): they see the
    forms of their own objects."""
    with app.app_context():
        return {
            key: [signed_in(app, getattr(world, key).emails[role]) for role in STAFF_ROLES]
            for key in ("b", "c")
        }


# Tenant b: another municipality, for every role. Tenant c: other organizations of the user's
# own municipality, for the roles tied to one organization.
ORGANIZATION_ROLES = (Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER)
OTHERS = [("b", role) for role in STAFF_ROLES] + [("c", role) for role in ORGANIZATION_ROLES]


@pytest.mark.parametrize(("other", "role"), OTHERS)
def test_another_tenants_objects_are_out_of_reach(app, world, clients, owners, other, role):
    client = clients[role]
    tenant = getattr(world, other)
    forms = FormSource(app, [clients[Role.ADMIN], *owners[other]])
    # What a role may legitimately do changes things; every refused request is checked alone
    # (every model it could touch is audited, so the quick fingerprint sees its changes).
    walk = Walk(changes_expected=True)
    for rule in object_rules(app):
        entry = CROSS_TENANT.get(rule.endpoint)
        if entry is None:
            walk.check(False, rule.endpoint, "no CROSS_TENANT entry")
            continue
        allowed = entry.allowed | (entry.neighbours if other == "c" else frozenset())
        try:
            url = build_url(app, world, tenant, rule)
        except MissingSample as missing:
            walk.check(False, rule.endpoint, str(missing))
            continue
        for method in sorted(rule.methods & {"GET", *STATE_CHANGING}):
            data = None
            if method != "GET":
                data = {**forms.data(world, rule, url, tenant), "csrf_token": client.csrf}
            response, changed = walk.request(client, rule, method, url, data=data)
            if response is None:
                continue
            status = response.status_code
            if role in allowed:
                walk.check(status < 500, rule.endpoint, f"{method} {url} answered {status}")
                continue
            walk.check(
                status in (403, 404) and not changed,
                rule.endpoint,
                f"{method} {url} of tenant {other} as {role} of tenant a answered {status}, "
                f"changed {changed}",
            )
    assert_still_logged_in(client, role)
    walk.finish()


def test_a_private_feed_needs_its_signature(app, world):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "feeds.private_feed")
    client = request_scoped_client(app)
    assert client.get(build_url(app, world, world.a, rule)).status_code == 200
    someone_else = world.a.ids[f"user_{Role.COORDINATOR.value}"]
    for wrong in ({"user_id": someone_else}, {"signature": "A" * 43}, {"signature": "x"}):
        url = build_url(app, world, world.a, rule, **wrong)
        assert client.get(url).status_code == 404, url


# Report pages take their scope — a municipality or a school — in the query string.
QUERY_SCOPES = {
    "indicators.report": [
        lambda t: {"municipality": t.municipality},
        lambda t: {"school": t.school},
    ],
    "indicators.roadmap": [lambda t: {"municipality": t.municipality}],
    "indicators.export": [lambda t: {"municipality": t.municipality, "format": "csv"}],
    "job_report.report": [
        lambda t: {"municipality": t.municipality},
        lambda t: {"municipality": t.municipality, "format": "csv"},
    ],
    "profminimum.level": [lambda t: {"school": t.school}],
}


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_reports_of_another_tenant_are_out_of_reach(app, world, clients, role):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    walk = Walk()
    for endpoint, queries in QUERY_SCOPES.items():
        for query in queries:
            url = build_url(app, world, world.a, rules[endpoint], **query(world.b))
            response, changed = walk.request(clients[role], rules[endpoint], "GET", url)
            if response is None:
                continue
            walk.check(
                response.status_code in (403, 404) and not changed,
                endpoint,
                f"GET {url} as {role} of tenant a answered {response.status_code}, "
                f"changed {changed}",
            )
    walk.finish()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_flask_admin_refuses_other_roles(app, world, clients, role):
    """Every Flask-Admin post, with a valid token and the admin's own form data: 403."""
    client = clients[role]
    forms = FormSource(app, [clients[Role.ADMIN]])
    walk = Walk()
    for rule in walked_rules(app, STATE_CHANGING):
        if not rule.endpoint.startswith("admin"):
            continue
        url = build_url(app, world, world.a, rule)
        data = {**forms.data(world, rule, url, tenant=world.a), "csrf_token": client.csrf}
        response, changed = walk.request(client, rule, "POST", url, data=data)
        if response is not None:
            walk.check(
                response.status_code == 403 and not changed,
                rule.endpoint,
                f"POST {url} as {role} answered {response.status_code}, changed {changed}",
            )
    walk.finish()


# --- employers awaiting approval ---

# An employer whose organization is awaiting approval (or was declined) is an identity of its
# own: it opens the public pages, its dashboard (its state), its sign-up data and its account
# (docs/portal.md). Every other page — with the real objects of its own municipality, by GET
# and by POST with a valid token and the form's own data — answers 403 or 404 and changes
# nothing.
OPEN_WHILE_AWAITING = {
    *PUBLIC_GET,
    "dashboard.index",
    "portal.organization_details",
    "accounts.change_password",
    "accounts.logout",
    "web.set_language",
}


@pytest.fixture(scope="module")
def awaiting(app, world):
    """Logged-in clients of tenant a's pending and declined employers."""
    with app.app_context():
        return {name: signed_in(app, awaiting_email(name, "a")) for name in AWAITING_APPROVAL}


@pytest.mark.parametrize("state", list(AWAITING_APPROVAL))
def test_an_employer_awaiting_approval_opens_only_its_own_pages(
    app, world, clients, awaiting, state
):
    client = awaiting[state]
    forms = FormSource(app, [clients[Role.ADMIN], clients[Role.EMPLOYER], client])
    names = MinorsNames(Role.EMPLOYER)  # it reads no names of minors
    opened = set()
    # Its own sign-up data may be saved: every refused request is checked alone.
    walk = Walk(changes_expected=True)
    for rule, url in walk.urls(app, world, world.a, {"GET", *STATE_CHANGING}):
        for method in sorted(rule.methods & {"GET", *STATE_CHANGING}):
            if method != "GET" and rule.endpoint in NOT_POSTED:
                continue
            data = None
            if method != "GET":
                data = {**forms.data(world, rule, url, world.a), "csrf_token": client.csrf}
            response, changed = walk.request(client, rule, method, url, data=data)
            if response is None:
                continue
            status = response.status_code
            if method == "GET":
                names.check(walk, rule, url, response)
            if rule.endpoint in OPEN_WHILE_AWAITING:
                limit = 400 if method == "GET" else 500
                walk.check(status < limit, rule.endpoint, f"{method} {url} answered {status}")
                if method == "GET":
                    walk.check(not changed, rule.endpoint, f"GET {url} changed {changed}")
                    opened.add(rule.endpoint)
                continue
            walk.check(
                status in (403, 404) and not changed,
                rule.endpoint,
                f"{method} {url} as the {state.replace('_', ' ')} answered {status}, "
                f"changed {changed}",
            )
    assert_still_logged_in(client, state)
    missing = OPEN_WHILE_AWAITING - opened - {"accounts.logout", "web.set_language"}
    walk.check(not missing, "walk", f"never opened {sorted(missing)}")
    walk.finish()


@pytest.mark.parametrize("state", list(AWAITING_APPROVAL))
def test_an_employer_awaiting_approval_is_shown_no_link_it_cannot_open(app, world, awaiting, state):
    """Its menu and its pages lead only where it may go: no bare 403 pages."""
    client = awaiting[state]
    walk = Walk()
    seen = set()
    for start in ("/dashboard", "/sign-up/organization", "/account/password", "/activities/"):
        page = client.get(start).get_data(as_text=True)
        for link in re.findall(r'href="(/[^"]*)"', page):
            path = link.replace("&amp;", "&")
            if path in seen or path.startswith(("/static/", "/bootstrap/")):
                continue
            seen.add(path)
            status = client.get(path).status_code
            walk.check(status < 400, "link", f"{start} links to {path}, which answers {status}")
    walk.check(
        {"/sign-up/organization", "/offers/public", "/jobs/board"} <= seen,
        "links",
        f"the dashboard does not say what it may do: {sorted(seen)}",
    )
    walk.finish()


# --- new records are the creator's own ---

# The column that says whose a new record is, and the table it points to. A user of tenant a
# who posts the form a user of tenant b sees (with b's organizations selected) must not create
# a record that belongs to tenant b.
OWNER_COLUMNS = {
    ("activity", "organizer_id"): "organization",
    ("student", "school_id"): "organization",
    ("offer", "organization_id"): "organization",
    ("booking", "school_id"): "organization",
    ("speaker_request", "school_id"): "organization",
    ("holiday_job", "municipality_id"): "municipality",
    ("job_application", "student_id"): "student",
    ("municipal_plan", "municipality_id"): "municipality",
    ("organization", "municipality_id"): "municipality",
    ("user", "organization_id"): "organization",
    ("user", "municipality_id"): "municipality",
}
NOT_POSTED = {"accounts.login", "accounts.logout"}  # they would end the walk's session


def creation_rules(app):
    for rule in walked_rules(app, STATE_CHANGING):
        if rule.endpoint not in NOT_POSTED and not any(
            name.endswith("_id") for name in rule_arguments(rule)
        ):
            yield rule


def owner_rows() -> dict[str, set]:
    tables = db.metadata.tables
    with db.engine.connect() as connection:
        return {
            name: set(connection.execute(sa.select(tables[name])).all())
            for name in {table for table, _ in OWNER_COLUMNS}
        }


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_new_records_belong_to_the_creators_tenant(app, world, clients, owners, role):
    client, reader = clients[role], owners["b"][STAFF_ROLES.index(role)]
    forms = FormSource(app, [reader])
    foreign = world.b.ids_by_table()
    walk = Walk(changes_expected=True)  # a's own records may be made: owners are checked
    for rule in creation_rules(app):
        url = build_url(app, world, world.a, rule)
        data = forms.data(world, rule, url)
        if not data:
            continue  # tenant b's user has no such form: nothing to forge from
        before = owner_rows()
        response, _changed = walk.request(
            client, rule, "POST", url, data={**data, "csrf_token": client.csrf}
        )
        if response is None:
            continue
        for name, rows in owner_rows().items():
            for row in rows - before[name]:
                for (table, column), target in OWNER_COLUMNS.items():
                    value = row._mapping[column] if table == name else None
                    walk.check(
                        value not in foreign.get(target, ()),
                        rule.endpoint,
                        f"POST {url} as {role} of tenant a made {name} with {column}={value} "
                        f"of tenant b",
                    )
    assert_still_logged_in(client, role)
    walk.finish()


# --- huge numbers (issue #14, item 5) ---

# Every integer in a URL, a query string or a form, past what the database holds: refused
# with 400 or 404 (or ignored, as a filter that matches nothing), never a 500, never a
# traceback in the log. tests/security_numbers.py says where the numbers are found.
HUGE_IDENTITIES = ["anonymous", Role.ADMIN, *STAFF_ROLES]


class HugeWalk(Walk):
    """A walk that also fails a request that logs a traceback."""

    def __init__(self, caplog, changes_expected: bool = False):
        super().__init__(changes_expected)
        self.caplog = caplog

    def request(self, client, rule, method: str, url: str, **kwargs):
        logged = len(self.caplog.records)
        response, changed = super().request(client, rule, method, url, **kwargs)
        for record in self.caplog.records[logged:]:
            self.check(
                not record.exc_info,
                rule.endpoint,
                f"{method} {url} logged a traceback: {record.getMessage()}",
            )
            # The 400 of partnercrm/web/errors.py is a net: every number is checked before.
            self.check(
                record.name != "partnercrm.web.errors",
                rule.endpoint,
                f"{method} {url} reached the database: {record.getMessage()}",
            )
        if response is not None:
            self.check(
                response.status_code < 500,
                rule.endpoint,
                f"{method} {url} answered {response.status_code}",
            )
        return response, changed


def identity_client(app, clients, who):
    if who != "anonymous":
        return clients[who]
    client = request_scoped_client(app)
    client.csrf = csrf_token(client)
    return client


def query_names_found(app, world, client, walk) -> tuple[dict[str, set[str]], set[str]]:
    """Every page the client reads (with real objects): the query keys its links and GET
    forms send to each path, and the paths that answered 200."""
    found: dict[str, set[str]] = {}
    readable = set()
    for rule, url in walk.urls(app, world, world.a, {"GET"}):
        if rule.endpoint.endswith("static"):
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        readable.add(url)
        if response.mimetype == "text/html":
            path = urlsplit(url).path
            for target, names in numbers.query_names_on_page(response.get_data(True), path).items():
                found.setdefault(target, set()).update(names)
    return found, readable


def query_names(app, rule, url: str, found: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """The query arguments to try on ``url`` one at a time — those its pages send, its view's
    module reads, the pagination's, Flask-Admin's own and its filters' — and all at once:
    those and whatever the view's package reads."""
    each = found.get(urlsplit(url).path, set()) | numbers.query_names_in_source(app, rule.endpoint)
    each |= numbers.PAGINATION
    view = admin_model_view(app, rule.endpoint)
    if view is not None:
        each |= numbers.admin_query_names(view, rule.endpoint)
    together = each | numbers.query_names_in_source(app, rule.endpoint, domain=True)
    not_queried = set(rule_arguments(rule)) | {"csrf_token"}
    return each - not_queried, together - not_queried


def test_the_huge_number_walk_finds_the_known_integers(app, world, clients):
    """The finders are not vacuous: the integers of the issue's reproductions are found."""
    walk = Walk()
    found, _readable = query_names_found(app, world, clients[Role.ADMIN], walk)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}

    def names(endpoint):
        url = build_url(app, world, world.a, rules[endpoint])
        return query_names(app, rules[endpoint], url, found)[0]

    assert {"municipality", "organization", "expires", "page"} <= names("agreements.index")
    assert {"municipality", "plan_item"} <= names("activities.index")
    assert {"municipality", "page"} <= names("feeds.public_feed")
    assert {"municipality", "age", "page"} <= names("jobs_api.jobs")
    assert {"municipality", "school", "year"} <= names("indicators.report")
    assert numbers.int_url_arguments(rules["monitoring.report"]) == [
        "campaign_id",
        "municipality_id",
    ]
    walk.finish()


@pytest.mark.parametrize("who", HUGE_IDENTITIES)
def test_huge_numbers_in_urls_never_end_in_a_server_error(app, world, clients, who, caplog):
    """Every integer URL argument and every query argument, one at a time and all at once."""
    client = identity_client(app, clients, who)
    walk = HugeWalk(caplog)
    found, readable = query_names_found(app, world, client, walk)
    for rule, url in walk.urls(app, world, world.a, {"GET", *STATE_CHANGING}):
        method = "GET" if "GET" in rule.methods else sorted(rule.methods & STATE_CHANGING)[0]
        data = None if method == "GET" else {"csrf_token": client.csrf}
        for name in numbers.int_url_arguments(rule):
            for value in numbers.HUGE:
                huge_url = build_url(app, world, world.a, rule, **{name: int(value)})
                walk.request(client, rule, method, huge_url, data=data)
        if url not in readable:
            continue  # the role may not read the page: its view reads no query argument
        each, together = query_names(app, rule, url, found)
        for value in numbers.HUGE:
            walk.request(client, rule, "GET", with_query(url, dict.fromkeys(together, value)))
        if each <= numbers.PAGINATION:
            continue  # nothing of its own that could refuse the rest before they are read
        for name in sorted(each):
            for value in numbers.HUGE_ONE_AT_A_TIME:
                walk.request(client, rule, "GET", with_query(url, {name: value}))
    if who != "anonymous":
        assert_still_logged_in(client, who)
    walk.finish()


def with_query(url: str, values: dict) -> str:
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **values}
    return parts._replace(query=urlencode(query)).geturl()


# --- bad input ---

# Every field of a form blank, or a negative number: refused with a message, never a 500
# (DESIGN §5). Last in the module: the requests may change the world.
BAD_VALUES = ("", "-1")


@pytest.mark.parametrize("role", [Role.ADMIN, *STAFF_ROLES])
def test_bad_input_never_ends_in_a_server_error(app, world, role, clients, owners):
    # Tenant b's users post to their own objects: the admin's posts may deactivate tenant a's.
    client = clients[Role.ADMIN] if role is Role.ADMIN else owners["b"][STAFF_ROLES.index(role)]
    tenant = world.a if role is Role.ADMIN else world.b
    forms = FormSource(app, [client])
    walk = Walk(changes_expected=True)
    for rule in walked_rules(app, STATE_CHANGING):
        if rule.endpoint in NOT_POSTED:
            continue
        try:
            url = build_url(app, world, tenant, rule)
        except MissingSample as missing:
            walk.fail(rule.endpoint, str(missing))
            continue
        fields = forms.data(world, rule, url, tenant=tenant)
        for value in BAD_VALUES if len(fields) > 1 else BAD_VALUES[:1]:
            data = {name: value for name in fields if name != "csrf_token"}
            data["csrf_token"] = client.csrf
            response, _changed = walk.request(client, rule, "POST", url, data=data)
            if response is not None:
                walk.check(
                    response.status_code < 500,
                    rule.endpoint,
                    f"POST {url} as {role} with every field {value!r} answered "
                    f"{response.status_code}",
                )
    walk.finish()


@pytest.mark.parametrize("who", HUGE_IDENTITIES)
def test_huge_numbers_in_forms_never_end_in_a_server_error(
    app, world, clients, owners, who, caplog
):
    """Every form field that carries a number (organization and municipality pickers, counts,
    years…), huge, the other fields as the form shows them: one at a time and all at once.
    Tenant b's users post to their own objects, as in the bad input pass above."""
    if who == "anonymous":
        client, tenant = identity_client(app, clients, who), world.a
    elif who is Role.ADMIN:
        client, tenant = clients[Role.ADMIN], world.a
    else:
        client, tenant = owners["b"][STAFF_ROLES.index(who)], world.b
    forms = FormSource(app, [client])
    walk = HugeWalk(caplog, changes_expected=True)
    posted = 0
    for rule in walked_rules(app, STATE_CHANGING):
        if rule.endpoint in NOT_POSTED:
            continue
        try:
            url = build_url(app, world, tenant, rule)
        except MissingSample as missing:
            walk.fail(rule.endpoint, str(missing))
            continue
        form = forms.form(world, rule, url, tenant=tenant)
        if form is None or not form.numbers - {"csrf_token"}:
            continue
        posted += 1
        fields = sorted(form.numbers - {"csrf_token"})
        attempts = [dict.fromkeys(fields, value) for value in numbers.HUGE]
        attempts += [{name: value} for name in fields for value in numbers.HUGE_ONE_AT_A_TIME]
        for huge in attempts:
            data = {**form.data(), **huge, "csrf_token": client.csrf}
            walk.request(client, rule, "POST", url, data=data)
    walk.check(posted > 0, "walk", f"{who} found no form with a number to post")
    walk.finish()
