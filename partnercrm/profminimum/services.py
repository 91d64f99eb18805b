"""Setting a school's профминимум level for a school year (the levels page and the
``profminimum_levels`` import). Writes flush; the unit of work commits."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import Level, school_year_label

# The профминимум started in the school year 2023/24; a level may be chosen a year ahead.
FIRST_SCHOOL_YEAR = 2023
NOT_A_SCHOOL = N_("Only schools have a career guidance minimum level.")
YEAR_OUT_OF_RANGE = N_("The school year must be from %(first)s to %(last)s.")


class ProfminimumError(UserError):
    pass


def level_years() -> range:
    """The school years (first years) a level may be set for: 2023/24 to next year's."""
    return range(FIRST_SCHOOL_YEAR, school_year_of(local_today()) + 2)


def check_level(school: Organization, first_year: int) -> None:
    if school.kind is not OrganizationKind.SCHOOL:
        raise ProfminimumError(NOT_A_SCHOOL, "school")
    years = level_years()
    if first_year not in years:
        raise ProfminimumError(
            YEAR_OUT_OF_RANGE,
            "school_year",
            first=school_year_label(years[0]),
            last=school_year_label(years[-1]),
        )


def set_level(school: Organization, first_year: int, level: Level) -> ProfminimumLevel:
    """The level of ``school`` in the school year starting in ``first_year`` (upserted; the
    audit trail records the change). Basic is stored too: the school said so."""
    check_level(school, first_year)
    row = db.session.scalar(
        sa.select(ProfminimumLevel).where(
            ProfminimumLevel.school_id == school.id, ProfminimumLevel.school_year == first_year
        )
    )
    if row is None:
        row = ProfminimumLevel(school=school, school_year=first_year, level=level)
        db.session.add(row)
    elif row.level is not level:
        row.level = level
    db.session.flush()
    return row
