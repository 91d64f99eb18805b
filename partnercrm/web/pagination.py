"""Pagination of list pages: page number and size from the query string, bounded."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.extensions import db

PER_PAGE = 25
MAX_PER_PAGE = 100


def paginate(query: sa.Select, per_page: int = PER_PAGE):
    """A Flask-SQLAlchemy ``Pagination``; a page past the end is empty, not a 404."""
    return db.paginate(query, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)
