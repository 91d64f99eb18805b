"""Template hooks, as Indico's ``template_hook``: a page of a lower package shows what higher
packages add to it, without importing them.

A higher package contributes when its blueprint is registered
(``add_template_hook(state.app, "organization-page", render_agreements)``); the lower page's
template calls ``{{ template_hook("organization-page", organization=organization) }}``, which
renders every contribution in the order they were added. A contribution returns HTML
(``render_template`` of its own template) or an empty string when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

Contribution = Callable[..., str]

_EXTENSION = "partnercrm.template_hooks"


def add_template_hook(app: Flask, name: str, contribution: Contribution) -> None:
    app.extensions.setdefault(_EXTENSION, {}).setdefault(name, []).append(contribution)


def template_hook(name: str, **context: object) -> Markup:
    contributions = current_app.extensions.get(_EXTENSION, {}).get(name, [])
    # Each contribution is a rendered template, escaped by Jinja already.
    rendered = (contribution(**context) for contribution in contributions)
    return Markup("").join(Markup(html) for html in rendered)  # noqa: S704


def register(app: Flask) -> None:
    app.jinja_env.globals["template_hook"] = template_hook
