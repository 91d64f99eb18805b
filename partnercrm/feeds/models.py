from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from partnercrm.database import Model, UTCDateTime, utcnow


class FeedChange(Model):
    """A change that can alter calendar feeds without showing in any ``updated_at``: a record
    deleted, the links that decide who sees a record (an activity's visiting schools, a parent
    meeting's presenters, an agreement's parties), a user's scope, a municipality's name.

    Feeds read the latest moment per kind for Last-Modified (docs/feeds.md). Written only by
    the request that makes the change (``feeds/changes.py``), never by a feed request; rows are
    only ever inserted, so concurrent writers never wait on one another.
    """

    __tablename__ = "feed_change"
    __table_args__ = (sa.Index("ix_feed_change_kind_changed_at", "kind", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The table of the record concerned: "activity", "booking", "user"...
    kind: Mapped[str] = mapped_column(sa.String(50))
    record_id: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
