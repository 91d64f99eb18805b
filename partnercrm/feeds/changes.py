"""Records the changes that alter calendar feeds without an ``updated_at`` to show them
(``FeedChange``), so that a feed's Last-Modified, computed at request time, still moves forward
when a record is deleted or leaves a feed because of a link (docs/feeds.md).

Mapper events, not a ``before_flush`` listener: they also see the rows deleted as orphans
during the flush (an offer's date removed from its list) and the ids of rows inserted. They
write in the flush of the request that makes the change; a feed request only reads.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.activities.models import Activity, ParentMeeting
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.directory.models import Municipality, Organization
from partnercrm.feeds.models import FeedChange
from partnercrm.jobs.models import HolidayJob
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest

# The records a feed shows (organizations: their names and addresses), and the rows that are
# parts of one of them: (the kind of record they count for, the column with its id).
RECORDS: dict[type, tuple[str, str]] = {
    model: (model.__tablename__, "id")
    for model in (
        Activity,
        Agreement,
        Booking,
        SpeakerRequest,
        HolidayJob,
        Offer,
        OfferSlot,
        Organization,
    )
}
PARTS: dict[type, tuple[str, str]] = {
    ParentMeeting: ("activity", "activity_id"),
    AgreementParty: ("agreement", "agreement_id"),
}
# Attributes whose change alters feeds while the row's updated_at stays: links kept in
# other tables (who sees a record), a user's scope (what their private feed holds), a
# municipality's name (in the names of feeds). A new parent meeting counts when it brings
# presenters; a new party always (it is a link itself).
WATCHED: dict[type, tuple[str, ...]] = {
    Activity: ("schools",),
    ParentMeeting: ("presenters",),
    User: ("role", "organization_id", "organization", "municipality_id", "municipality"),
    Municipality: ("name",),
}
KINDS: dict[type, tuple[str, str]] = {
    **RECORDS,
    **PARTS,
    User: ("user", "id"),
    Municipality: ("municipality", "id"),
}


def register_change_recording() -> None:
    """Listen once per process."""
    for model in (*RECORDS, *PARTS):
        _listen(model, "after_delete", _record)
    for model in PARTS:
        _listen(model, "after_insert", _record_if_linked)
    for model in WATCHED:
        _listen(model, "after_update", _record_if_linked)


def _listen(model: type, event: str, listener) -> None:
    if not sa.event.contains(model, event, listener):
        sa.event.listen(model, event, listener)


def _record_if_linked(mapper, connection: sa.Connection, target) -> None:
    names = WATCHED.get(type(target), ())
    state = sa.inspect(target)
    if not names or any(state.attrs[name].history.has_changes() for name in names):
        _record(mapper, connection, target)


def _record(mapper, connection: sa.Connection, target) -> None:
    kind, column = KINDS[type(target)]
    connection.execute(sa.insert(FeedChange).values(kind=kind, record_id=getattr(target, column)))
