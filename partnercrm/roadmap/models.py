from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.extensions import Model


class PlanSection(Model):
    __tablename__ = "plan_section"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.Text)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="section", order_by="PlanItem.number"
    )

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PlanItem(Model):
    __tablename__ = "plan_item"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    responsible: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[str] = mapped_column(sa.Text)
    expected_result: Mapped[str] = mapped_column(sa.Text)

    section: Mapped[PlanSection] = relationship(back_populates="items")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(Model):
    __tablename__ = "indicator"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    goal: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[str] = mapped_column(sa.String(50))

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"
