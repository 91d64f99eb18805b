"""Template globals and filters: navigation by role, local dates and times."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from partnercrm.accounts.rules import Role


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: object
    roles: frozenset[Role] | None = None  # None: every logged-in user

    def visible_to(self, user) -> bool:
        return self.roles is None or user.role in self.roles


# Later domains add their links here, in the order they appear in the menu.
NAVIGATION: list[NavLink] = [
    NavLink("core.dashboard", _l("Dashboard")),
    NavLink("activities.index", _l("Activities")),
    NavLink("agreements.index", _l("Agreements")),
    NavLink("feeds.calendar", _l("Calendar")),
    NavLink("offers.index", _l("Offers")),
    NavLink(
        "jobs.index",
        _l("Holiday jobs"),
        frozenset(
            {Role.ADMIN, Role.COORDINATOR, Role.SCHOOL, Role.EMPLOYER, Role.EMPLOYMENT_CENTER}
        ),
    ),
    NavLink("students.roster", _l("Students"), frozenset({Role.SCHOOL})),
    NavLink(
        "indicators.report",
        _l("Indicators"),
        frozenset({Role.ADMIN, Role.COORDINATOR, Role.SCHOOL}),
    ),
    NavLink("monitoring.index", _l("Monitoring"), frozenset({Role.ADMIN, Role.COORDINATOR})),
    NavLink("roadmap.index", _l("Roadmap")),
    NavLink("directory.organizations", _l("Organizations")),
    NavLink("directory.municipalities", _l("Municipalities")),
    NavLink("accounts.users", _l("Users"), frozenset({Role.ADMIN, Role.COORDINATOR})),
    NavLink("portal.approvals", _l("Approvals"), frozenset({Role.ADMIN, Role.COORDINATOR})),
    NavLink("imports.index", _l("Import"), frozenset({Role.ADMIN, Role.COORDINATOR, Role.SCHOOL})),
]


def navigation() -> list[NavLink]:
    if not current_user.is_authenticated:
        return []
    return [link for link in NAVIGATION if link.visible_to(current_user)]


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation, url_with=url_with, Role=Role, get_locale=get_locale
    )
    app.jinja_env.filters["local_datetime"] = lambda value: (
        format_datetime(value, "dd.MM.yyyy HH:mm") if value else ""
    )
    app.jinja_env.filters["local_date"] = lambda value: (
        format_date(value, "dd.MM.yyyy") if value else ""
    )
