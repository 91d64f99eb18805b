"""Which programme a report counts by and which an activity links to (DESIGN §7); no Flask
import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.roadmap.models import PlanItem, Programme


def _start(programme: Programme) -> tuple[date, int]:
    return programme.valid_from, programme.id


def linkable_programmes(programmes: Iterable[Programme], day: date) -> list[Programme]:
    """The programmes whose items an activity of ``day`` may link to, the later to start
    first: those in force, else the latest that started before it (its plan governs until the
    next is published); none for a day before every programme (DESIGN §7)."""
    started = sorted((p for p in programmes if p.valid_from <= day), key=_start, reverse=True)
    return [p for p in started if day <= p.valid_to] or started[:1]


def programme_by_code(session: SessionLike, code: str) -> Programme | None:
    return session.scalar(sa.select(Programme).where(Programme.code == code))


def choose_programme(programmes: Sequence[Programme], day: date) -> Programme | None:
    """The programme of ``day``: the first of :func:`linkable_programmes` (in force, of two the
    later to start, else the latest that started before it), else — for a report of a day
    before every programme — the first."""
    linkable = linkable_programmes(programmes, day)
    if linkable:
        return linkable[0]
    return min(programmes, key=_start, default=None)


def programme_for(session: SessionLike, day: date) -> Programme | None:
    """:func:`choose_programme` among the programmes in the database: the one a report of
    ``day`` counts by."""
    return choose_programme(_all_programmes(session), day)


def linked_programme(session: SessionLike, day: date) -> Programme | None:
    """The programme whose items a new activity of ``day`` links to: :func:`choose_programme`
    among those that started by then, None before every programme."""
    linkable = linkable_programmes(_all_programmes(session), day)
    return linkable[0] if linkable else None


def _all_programmes(session: SessionLike) -> Sequence[Programme]:
    return session.scalars(sa.select(Programme)).all()


def plan_items_of(programme: Programme, numbers: Iterable[int]) -> list[PlanItem]:
    """The items of ``programme`` numbered ``numbers``, in its order (missing ones left out)."""
    wanted = set(numbers)
    return [item for item in programme.items if item.number in wanted]


def kind_plan_items(programme: Programme, kind: str) -> list[PlanItem]:
    """The items of ``programme`` that a new record of activity ``kind`` (its value) defaults
    to: those naming it in their ``activity_kinds``."""
    return [item for item in programme.items if kind in (item.activity_kinds or ())]


def previous_programme(programmes: Sequence[Programme], programme: Programme) -> Programme | None:
    """The programme whose items ``programme``'s ``continues`` name: of those that started
    before it, the one in force on its eve, else the latest to start; None for the first."""
    earlier = [p for p in programmes if p.valid_from < programme.valid_from]
    if not earlier:
        return None
    return choose_programme(earlier, programme.valid_from - timedelta(days=1))


def carried_on(
    session: SessionLike, programme: Programme, origin: str
) -> dict[int, frozenset[int]]:
    """For each item number of ``programme``, the numbers of the items of programme ``origin``
    (a code) it is or carries on, following ``continues`` back through the programmes between
    them; empty when ``origin`` does not come before ``programme``. Two queries."""
    programmes = session.scalars(sa.select(Programme)).all()
    chain = [programme]
    while chain[-1].code != origin:
        previous = previous_programme(programmes, chain[-1])
        if previous is None:
            return {}
        chain.append(previous)
    items: dict[int, list[tuple[int, list[int] | None]]] = {p.id: [] for p in chain}
    for programme_id, number, continues in session.execute(
        sa.select(PlanItem.programme_id, PlanItem.number, PlanItem.continues).where(
            PlanItem.programme_id.in_(items)
        )
    ).all():
        items[programme_id].append((number, continues))
    numbers = {number: frozenset({number}) for number, _ in items[chain[-1].id]}
    for later in reversed(chain[:-1]):
        numbers = {
            number: frozenset().union(*(numbers.get(n, frozenset()) for n in continues or ()))
            for number, continues in items[later.id]
        }
    return numbers
