from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.database import Model


class Programme(Model):
    """A plan in force for a period (DESIGN §7): the 2020–2022 roadmap (``kgd-2020-2022``) and
    the programmes after it, each with its own sections, items and indicators."""

    __tablename__ = "programme"
    __audited__ = True
    __table_args__ = (sa.CheckConstraint("valid_from <= valid_to", name="valid_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    # Local dates, inclusive.
    valid_from: Mapped[date]
    valid_to: Mapped[date]

    sections: Mapped[list[PlanSection]] = relationship(
        back_populates="programme", order_by="PlanSection.number"
    )
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="programme", order_by="PlanItem.number"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="programme", order_by="Indicator.number"
    )

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def __str__(self) -> str:
        return self.code


class PlanSection(Model):
    __tablename__ = "plan_section"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("programme_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.Text)

    programme: Mapped[Programme] = relationship(back_populates="sections")
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="section", order_by="PlanItem.number"
    )

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PlanItem(Model):
    __tablename__ = "plan_item"
    __audited__ = True
    # The programme is its section's; stored on the item too, so that numbers are unique
    # within the programme.
    __table_args__ = (sa.UniqueConstraint("programme_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"))
    number: Mapped[int]
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    responsible: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[str] = mapped_column(sa.Text)
    expected_result: Mapped[str] = mapped_column(sa.Text)
    # Activity kinds (values) whose new records default to this item; None: none.
    activity_kinds: Mapped[list[str] | None] = mapped_column(sa.JSON)
    # Numbers of the previous programme's items this item carries on; None: none.
    continues: Mapped[list[int] | None] = mapped_column(sa.JSON)

    programme: Mapped[Programme] = relationship(back_populates="items")
    section: Mapped[PlanSection] = relationship(back_populates="items")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(Model):
    __tablename__ = "indicator"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("programme_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"))
    number: Mapped[int]
    goal: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[str] = mapped_column(sa.String(50))
    # How it is counted (DESIGN §7), as partnercrm.indicators.rules reads and checks it.
    rule: Mapped[dict] = mapped_column(sa.JSON)

    programme: Mapped[Programme] = relationship(back_populates="indicators")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"
