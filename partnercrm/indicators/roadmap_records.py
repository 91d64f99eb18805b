"""Plan items the live roadmap counts from records other than activities (no Flask request;
docs/counting-rules.md, "Plan items fed by other records").

Some plan items are carried out with records of packages this one does not import: cooperation
agreements (item 4), holiday jobs (7), the monitoring campaign (33–35). Each such package's
figures are a :data:`RecordSource`, registered on the app by ``create_app``
(:func:`register_record_source`); the roadmap shows every source's rows under their plan items,
beside the activities linked to the same items (``reports.roadmap_counts``) and never added to
them. A source runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Flask, current_app

from partnercrm.accounts.models import User
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality
from partnercrm.localtime import Period

_EXTENSION = "partnercrm.roadmap_record_sources"


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
    items: tuple[int, ...]
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

    @property
    def figures(self) -> dict[str, Figure]:
        return {row.source: row.figure for row in self.rows}

    def of_item(self, number: int) -> list[Records]:
        return [row for row in self.rows if number in row.items]

    def done(self, number: int) -> bool:
        rows = self.of_item(number)
        return bool(rows) and rows[0].figure.region > 0


def record_counts(
    session: SessionLike,
    period: Period,
    municipalities: Sequence[Municipality],
    school_id: int | None = None,
) -> RecordCounts:
    """The rows of every registered source for the region, each of ``municipalities`` (the
    roadmap's columns) and, with ``school_id``, that school."""
    sources = current_app.extensions.get(_EXTENSION, [])
    return RecordCounts(
        [row for source in sources for row in source(session, period, municipalities, school_id)]
    )
