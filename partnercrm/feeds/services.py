"""Writes of the calendar feeds: a new feed secret, the version of a feed served last."""

from __future__ import annotations

from datetime import datetime, timedelta

from partnercrm.accounts.models import User, new_feed_secret
from partnercrm.extensions import db
from partnercrm.feeds.models import FeedVersion

# HTTP dates have whole seconds.
ONE_SECOND = timedelta(seconds=1)


def reset_feed_secret(user: User) -> None:
    """Revoke the user's private feed URL; the audit trail records the change as ``***``."""
    user.feed_secret = new_feed_secret()
    db.session.flush()


def served_version(feed: str, etag: str, last_change: datetime | None, now: datetime) -> datetime:
    """The Last-Modified of ``feed`` now that it has ``etag``; it never goes backwards.

    A feed seen for the first time was last modified at the latest change of its records. When
    its ETag changes, it is the latest change if that is newer than what clients were told;
    otherwise (a record deleted or gone out of the feed) the moment the change is first seen.
    """
    now = now.replace(microsecond=0)
    version = db.session.get(FeedVersion, feed)
    if version is not None and version.etag == etag:
        return version.last_modified
    candidate = (last_change or now).replace(microsecond=0)
    if version is None:
        db.session.add(FeedVersion(feed=feed, etag=etag, last_modified=candidate))
    else:
        if candidate <= version.last_modified:
            candidate = max(now, version.last_modified + ONE_SECOND)
        version.etag, version.last_modified = etag, candidate
    db.session.flush()
    return candidate
