"""The ``profminimum_levels`` kind of ``partnercrm import`` and the Import page (DESIGN §4.3,
docs/imports.md): **school_code**, **school_year** (``2025`` or ``2025/26``), level (``basic``,
``main``, ``advanced`` or ``базовый``, ``основной``, ``продвинутый``; empty: basic).

A row sets the school's level for that school year (upsert by school and year) as the levels
page does: the user must set that school's level
(:func:`~partnercrm.access.profminimum.can_set_level`: the ministry any school, a coordinator
their municipality's, a school itself). Messages are Russian, as the engine's.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from partnercrm.access.profminimum import can_set_level
from partnercrm.extensions import db
from partnercrm.imports import values as v
from partnercrm.imports.columns import SCHOOL_CODE, Column, Kind, Row
from partnercrm.imports.importer import (
    OUT_OF_SCOPE,
    Importer,
    chunks,
    organizations_by_code,
    quoted,
)
from partnercrm.imports.registry import import_engine
from partnercrm.profminimum import services
from partnercrm.profminimum.labels import LEVEL_WORDS
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.rules import DEFAULT_LEVEL, parse_school_year, school_year_label


def school_year(cell: v.Cell) -> int:
    """``2025``, ``2025/26`` or ``2025/2026``, within the years a level may be set for."""
    first = parse_school_year(v.text(cell))
    if first is None:
        raise v.ValueProblem(f"{v.shown(cell)} — учебный год записывается как 2025 или 2025/26")
    years = services.level_years()
    if first not in years:
        raise v.ValueProblem(
            f"учебный год {school_year_label(first)} вне допустимых пределов: "
            f"с {school_year_label(years[0])} по {school_year_label(years[-1])}"
        )
    return first


LEVELS = Kind(
    "profminimum_levels",
    (
        SCHOOL_CODE,
        Column(
            "school_year",
            school_year,
            required=True,
            aliases=("учебный год", "год"),
            example="{school_year}",
        ),
        Column(
            "level",
            v.choice(LEVEL_WORDS, "уровень"),
            empty=DEFAULT_LEVEL,
            aliases=("уровень", "уровень профминимума"),
            example="основной",
        ),
    ),
    keys=("school_code", "school_year"),
)


class LevelImporter(Importer):
    def check(self) -> None:
        schools = organizations_by_code(row.values["school_code"] for row in self.parsed.rows)
        accepted = []
        for row in self.parsed.rows:
            school = self.organization(row, "school_code", schools, school=True)
            if school is None:
                continue
            if not self.allowed(can_set_level, school):
                self.error(row, "school_code", f"школа {quoted(school.code)} {OUT_OF_SCOPE}")
                continue
            accepted.append((row, school))
        years = {row.values["school_year"] for row, _school in accepted}
        stored: dict[tuple[int, int], ProfminimumLevel] = {}
        for chunk in chunks({school.id for _row, school in accepted}):
            for level in db.session.scalars(
                sa.select(ProfminimumLevel).where(
                    ProfminimumLevel.school_id.in_(chunk), ProfminimumLevel.school_year.in_(years)
                )
            ):
                stored[(level.school_id, level.school_year)] = level
        for row, school in accepted:
            self.plan.append((row, (school, stored.get((school.id, row.values["school_year"])))))

    def write(self, row: Row, target, dry_run: bool) -> None:
        school, stored = target
        level = row.values.get("level", DEFAULT_LEVEL)
        if stored is None:
            self.result.created += 1
            if not dry_run:
                db.session.add(
                    ProfminimumLevel(
                        school=school, school_year=row.values["school_year"], level=level
                    )
                )
            return
        self.count_change(stored.level is not level)
        if not dry_run:
            stored.level = level


def register(app: Flask) -> None:
    """Offer the kind on the command line and the Import page of ``app`` (school staff too:
    their own school's rows)."""
    import_engine(app).register_kind(
        LevelImporter, LEVELS, _l("Career guidance minimum levels"), schools_may_import=True
    )
