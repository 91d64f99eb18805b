"""Template globals and filters: the menu, local dates and times, URLs with changed arguments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: object
    # Who sees the link: a predicate of the user; None for every logged-in user.
    visible: Callable[[Any], bool] | None = None

    def visible_to(self, user: Any) -> bool:
        return self.visible is None or self.visible(user)

    def shown_to(self, user: Any) -> NavLink | None:
        return self if self.visible_to(user) else None


@dataclass(frozen=True)
class NavGroup:
    """A dropdown of the main menu: links of one task, each shown to whom it says."""

    label: object
    links: tuple[NavLink, ...]

    @property
    def endpoints(self) -> frozenset[str]:
        return frozenset(link.endpoint for link in self.links)

    def shown_to(self, user: Any) -> NavLink | NavGroup | None:
        """The group with the user's links; a single link stands alone, none hides the group."""
        links = tuple(link for link in self.links if link.visible_to(user))
        if len(links) > 1:
            return NavGroup(self.label, links)
        return links[0] if links else None


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args: dict[str, Any] = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


def register(app: Flask, menu: Sequence[NavLink | NavGroup]) -> None:
    """Template helpers; ``menu`` is the main menu, in order (each link shown to whom it says)."""

    def navigation() -> list[NavLink | NavGroup]:
        if not current_user.is_authenticated:
            return []
        shown = (entry.shown_to(current_user) for entry in menu)
        return [entry for entry in shown if entry is not None]

    app.jinja_env.globals.update(navigation=navigation, url_with=url_with, get_locale=get_locale)
    app.jinja_env.filters["local_datetime"] = lambda value: (
        format_datetime(value, "dd.MM.yyyy HH:mm") if value else ""
    )
    app.jinja_env.filters["local_date"] = lambda value: (
        format_date(value, "dd.MM.yyyy") if value else ""
    )
