"""What the offers add to the activity pages: an activity made from a booking or a speaker
request is cancelled through it — which also frees the seats and tells the other side — so the
activity's own cancel button sends the user there (:mod:`partnercrm.activities.cancellation`)."""

from __future__ import annotations

from flask import Flask, url_for

from partnercrm.activities.cancellation import Elsewhere, add_cancelled_elsewhere
from partnercrm.activities.models import Activity
from partnercrm.errors import N_
from partnercrm.extensions import db
from partnercrm.offers.queries import origin_url_args

CANCEL_THROUGH_THE_OFFER = N_(
    "This activity was arranged through an offer: cancel the booking or the request."
)


def booking_or_request(activity: Activity) -> Elsewhere | None:
    origin = origin_url_args(db.session, activity.id)
    if origin is None:
        return None
    endpoint, args = origin
    return Elsewhere(CANCEL_THROUGH_THE_OFFER, url_for(endpoint, **args))


def register(app: Flask) -> None:
    add_cancelled_elsewhere(app, booking_or_request)
