"""Locale selection: Russian unless the user switched to another configured language."""

from __future__ import annotations

from flask import current_app, has_request_context, session


def select_locale() -> str:
    # Outside a request (the CLI, building an app inside another app's context) there is
    # no session to read.
    chosen = session.get("lang") if has_request_context() else None
    if chosen is not None and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
