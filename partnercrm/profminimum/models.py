from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.database import str_enum
from partnercrm.directory.models import Organization
from partnercrm.extensions import Model
from partnercrm.profminimum.rules import Level


class ProfminimumLevel(Model):
    """The профминимум level a school chose for a school year (DESIGN §8). No row: basic."""

    __tablename__ = "profminimum_level"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("school_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    # The year the school year starts in: 2025 is 2025/26.
    school_year: Mapped[int]
    level: Mapped[Level] = mapped_column(str_enum(Level, "profminimum_level"))

    school: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"profminimum level {self.school_id}/{self.school_year}"
