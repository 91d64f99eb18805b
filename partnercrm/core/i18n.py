"""Locale selection: Russian unless the user switched to another configured language."""

from __future__ import annotations

from flask import current_app, session


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
