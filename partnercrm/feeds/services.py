"""Writes of the calendar feeds: a new feed secret."""

from __future__ import annotations

from partnercrm.accounts.models import User, new_feed_secret
from partnercrm.extensions import db


def reset_feed_secret(user: User) -> None:
    """Revoke the user's private feed URL; the audit trail records the change as ``***``."""
    user.feed_secret = new_feed_secret()
    db.session.flush()
