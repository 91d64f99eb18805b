"""Activities cancelled elsewhere: a higher package that makes activities (offers: a booking, a
speaker request) says where such an activity is cancelled instead of its own page — there the
cancellation also frees seats and tells the other side.

The package registers a finder when the app is set up (``create_app``), never at import time;
the activity pages ask :func:`cancelled_elsewhere` before they cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from partnercrm.activities.models import Activity

_EXTENSION = "partnercrm.activity_cancelled_elsewhere"


@dataclass(frozen=True)
class Elsewhere:
    """Where to cancel an activity: ``message`` (a msgid, shown as a warning) and the page."""

    message: str
    url: str


Finder = Callable[[Activity], Elsewhere | None]


def add_cancelled_elsewhere(app: Flask, finder: Finder) -> None:
    """Register ``finder``: the page where an activity it knows is cancelled, or None."""
    app.extensions.setdefault(_EXTENSION, []).append(finder)


def cancelled_elsewhere(activity: Activity) -> Elsewhere | None:
    for finder in current_app.extensions.get(_EXTENSION, []):
        elsewhere = finder(activity)
        if elsewhere is not None:
            return elsewhere
    return None
