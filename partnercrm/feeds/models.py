from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from partnercrm.database import UTCDateTime
from partnercrm.extensions import db


class FeedVersion(db.Model):
    """The version of a feed (one URL with its filters) served last: its ETag, and since when
    the feed has looked like that (Last-Modified).

    Kept because the records alone cannot tell when a feed last changed once a record is
    deleted or leaves the feed (cancelled and past, out of the user's scope, unpublished): the
    latest change among the records left may be older than what clients already saw.
    """

    __tablename__ = "feed_version"

    # "private:<user id>:<kinds>" or "public:<municipality id>:<kinds>"
    feed: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    etag: Mapped[str] = mapped_column(sa.String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
