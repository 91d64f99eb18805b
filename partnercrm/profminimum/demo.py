"""Demo профминимум levels: the lyceum chose the advanced level and school No. 49 the main one
(the other demo schools stay at the basic level), for the demo's school year and the current
one. Idempotent: a level already set is left as it is."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.localtime import local_today, school_year_of
from partnercrm.profminimum import services
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import Level

LEVELS = {"school-kgd-lyceum-18": Level.ADVANCED, "school-kgd-49": Level.MAIN}


def load_demo_levels(first_year: int) -> dict[str, int]:
    """Set the demo levels of ``first_year`` and of the current school year; the caller
    commits. Needs the demo organizations."""
    added = 0
    schools = db.session.scalars(sa.select(Organization).where(Organization.code.in_(LEVELS)))
    for school in schools:
        for year in sorted({first_year, school_year_of(local_today())}):
            exists = db.session.scalar(
                sa.select(ProfminimumLevel.id).where(
                    ProfminimumLevel.school_id == school.id, ProfminimumLevel.school_year == year
                )
            )
            if exists is None:
                services.set_level(school, year, LEVELS[school.code])
                added += 1
    return {"profminimum levels": added}
