"""SEQUENCE of feed events (RFC 5545 §3.8.7.4): raised by one whenever a record's time, place
or status changes, on every path that writes through the ORM (views, services, imports, the
admin, the CLI), so calendar clients move or cancel the event they have instead of keeping an
old copy.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.activities.models import Activity
from partnercrm.agreements.models import Agreement
from partnercrm.feeds.changes import register_change_recording
from partnercrm.jobs.models import HolidayJob
from partnercrm.offers.models import Offer, OfferSlot

# The columns of each record whose change its calendar clients must see as a new version.
WATCHED: dict[type, tuple[str, ...]] = {
    Activity: (
        "starts_at",
        "ends_at",
        "all_day",
        "starts_on",
        "ends_on",
        "location",
        # The host is the place when no location is given; set by id or by relationship.
        "host_id",
        "host",
        "status",
    ),
    Agreement: ("valid_to", "terminated_on"),
    OfferSlot: ("starts_at", "ends_at"),
    HolidayJob: ("first_day", "last_day", "shift_starts", "shift_ends", "address", "status"),
}
# An offer's place and status are its slots' place and status.
OFFER_WATCHED = ("address", "status")


def register_sequence_tracking() -> None:
    """Listen once per process, before the audit trail's listener, so the audit entry of a
    change records the new sequence too; and record the changes Last-Modified needs
    (``feeds/changes.py``)."""
    if not sa.event.contains(Session, "before_flush", _raise_sequences):
        sa.event.listen(Session, "before_flush", _raise_sequences, insert=True)
    register_change_recording()


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _raise_sequences(session: Session, flush_context, instances) -> None:
    raised: set[int] = set()

    def bump(obj) -> None:
        # Once per flush, however many of its columns and its offer's changed.
        if id(obj) not in raised:
            raised.add(id(obj))
            obj.sequence = (obj.sequence or 0) + 1

    for obj in list(session.dirty):
        names = WATCHED.get(type(obj))
        if names is not None and _changed(obj, names):
            bump(obj)
        elif isinstance(obj, Offer) and _changed(obj, OFFER_WATCHED):
            with session.no_autoflush:
                for slot in obj.slots:
                    bump(slot)
