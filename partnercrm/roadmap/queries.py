"""Which programme a report counts by (DESIGN §7); no Flask import."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.roadmap.models import Programme


def choose_programme(programmes: Sequence[Programme], day: date) -> Programme | None:
    """The programme in force on ``day`` (of two, the later to start), else the latest that
    started before it, else — for a day before every programme — the first."""
    started = [p for p in programmes if p.valid_from <= day]
    candidates = [p for p in started if day <= p.valid_to] or started
    if candidates:
        return max(candidates, key=lambda p: (p.valid_from, p.id))
    return min(programmes, key=lambda p: (p.valid_from, p.id), default=None)


def programme_for(session: SessionLike, day: date) -> Programme | None:
    """:func:`choose_programme` among the programmes in the database."""
    return choose_programme(session.scalars(sa.select(Programme)).all(), day)
