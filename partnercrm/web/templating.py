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


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args: dict[str, Any] = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


def register(app: Flask, menu: Sequence[NavLink]) -> None:
    """Template helpers; ``menu`` is the main menu, in order (each link shown to whom it says)."""

    def navigation() -> list[NavLink]:
        if not current_user.is_authenticated:
            return []
        return [link for link in menu if link.visible_to(current_user)]

    app.jinja_env.globals.update(navigation=navigation, url_with=url_with, get_locale=get_locale)
    app.jinja_env.filters["local_datetime"] = lambda value: (
        format_datetime(value, "dd.MM.yyyy HH:mm") if value else ""
    )
    app.jinja_env.filters["local_date"] = lambda value: (
        format_date(value, "dd.MM.yyyy") if value else ""
    )
