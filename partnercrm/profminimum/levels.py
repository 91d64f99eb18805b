"""The levels schools chose (DESIGN §8), without Flask: a school without a row for a school year
is at the default level, basic."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import DEFAULT_LEVEL, Level


def level_of(session: Session, school_id: int, first_year: int) -> Level:
    """The level of ``school_id`` in the school year starting in ``first_year``."""
    level = session.scalar(
        sa.select(ProfminimumLevel.level).where(
            ProfminimumLevel.school_id == school_id, ProfminimumLevel.school_year == first_year
        )
    )
    return level if level is not None else DEFAULT_LEVEL


def levels_of(session: Session, school_ids: Iterable[int], first_year: int) -> dict[int, Level]:
    """The level of each of ``school_ids`` in the school year starting in ``first_year``, in one
    query per 500 schools."""
    ids = list(dict.fromkeys(school_ids))
    levels = dict.fromkeys(ids, DEFAULT_LEVEL)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(ProfminimumLevel.school_id, ProfminimumLevel.level).where(
                ProfminimumLevel.school_year == first_year,
                ProfminimumLevel.school_id.in_(ids[start : start + 500]),
            )
        )
        levels.update((school_id, level) for school_id, level in rows)
    return levels
