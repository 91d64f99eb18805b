"""Plan items the live roadmap counts from records other than activities (no Flask request;
docs/counting-rules.md, "Plan items fed by other records").

Some plan items are carried out with records of packages this one does not import: cooperation
agreements (item 4 of the 2020–2022 roadmap), holiday jobs (7), the monitoring campaign
(33–35). Each such package's figures are a :data:`RecordSource`, registered on the app by
``create_app`` (:func:`register_record_source`); the roadmap shows every source's rows under
their plan items, beside the activities linked to the same items (``reports.roadmap_counts``)
and never added to them. A source runs a fixed number of queries, whatever the amount of data.

A source names the items of the roadmap (:data:`ROADMAP`) its rows belong to; in a later
programme they go under the items that carry those on (``continues``, followed back through the
programmes between, ``roadmap.queries.carried_on``), so a new programme needs no code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Flask, current_app

from partnercrm.accounts.models import User
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import carried_on, programme_for

_EXTENSION = "partnercrm.roadmap_record_sources"
# The programme whose item numbers the sources name.
ROADMAP = "kgd-2020-2022"


@dataclass(frozen=True)
class Figure:
    region: int = 0
    by_municipality: dict[int, int] = field(default_factory=dict)
    # None: the records belong to a municipality, not to a school (jobs, municipal reports).
    school: int | None = None


@dataclass(frozen=True)
class Page:
    """What the roadmap shows, for the links of a row: the user, the municipality columns, the
    school column (if any) and the period's URL arguments."""

    user: User
    municipalities: Sequence[Municipality]
    school_id: int | None
    period_args: dict


def _no_links(page: Page) -> dict[int | str, str]:
    return {}


@dataclass(frozen=True)
class Records:
    """One "↳" row of the roadmap: a figure shown under ``items``; the first row of an item
    whose region figure is above zero marks the item done, as a held activity does."""

    source: str  # the row's key on the page (``data-records``)
    items: tuple[int, ...]  # numbers of the items of the roadmap (ROADMAP)
    label: str  # translated where shown (a lazy string)
    figure: Figure
    # The page behind each cell, {"region" | municipality id | "school": URL}, for the cells
    # whose page the user may open (the pages check again).
    links: Callable[[Page], dict[int | str, str]] = _no_links


# (session, period, the roadmap's municipality columns, the school column or None) → rows.
RecordSource = Callable[[SessionLike, Period, Sequence[Municipality], int | None], list[Records]]


def register_record_source(app: Flask, source: RecordSource) -> None:
    app.extensions.setdefault(_EXTENSION, []).append(source)


@dataclass(frozen=True)
class RecordCounts:
    rows: list[Records]
    # For each item number of the programme shown, the roadmap's item numbers it is or
    # carries on.
    roadmap_items: dict[int, frozenset[int]] = field(default_factory=dict)

    @property
    def figures(self) -> dict[str, Figure]:
        return {row.source: row.figure for row in self.rows}

    def of_item(self, number: int) -> list[Records]:
        """The rows under item ``number`` of the programme shown."""
        carried = self.roadmap_items.get(number, frozenset())
        return [row for row in self.rows if carried.intersection(row.items)]

    def done(self, number: int) -> bool:
        rows = self.of_item(number)
        return bool(rows) and rows[0].figure.region > 0


def record_counts(
    session: SessionLike,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None = None,
    programme: Programme | None = None,
) -> RecordCounts:
    """The rows of every registered source for the region, each of ``municipalities`` (the
    roadmap's columns) and, with ``school_id``, that school, under the items of
    ``programme`` (by default the one that counts the period)."""
    sources = current_app.extensions.get(_EXTENSION, [])
    programme = programme or programme_for(session, period.end)
    return RecordCounts(
        [row for source in sources for row in source(session, period, municipalities, school_id)],
        carried_on(session, programme, ROADMAP) if programme is not None else {},
    )
