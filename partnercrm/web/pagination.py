"""Pagination of list pages: page number and size from the query string, bounded."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from partnercrm.extensions import db

PER_PAGE = 25
MAX_PER_PAGE = 100
# A page past the end is empty; one past this is this one (the offset stays a small number,
# whatever the query string says: SQLite and PostgreSQL refuse an offset past 2^63).
MAX_PAGE = 1_000_000


def requested_page() -> int:
    """``?page=`` from 1 to :data:`MAX_PAGE`: lower (or no number) is the first page, higher
    the last one there may be."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def paginate(query: sa.Select, per_page: int = PER_PAGE):
    """A Flask-SQLAlchemy ``Pagination``; a page past the end is empty, not a 404."""
    return db.paginate(
        query,
        page=requested_page(),
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )
