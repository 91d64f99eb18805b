"""indicator counters

The counters the reports read (issue #18, partnercrm/indicators/counters.py): students counted
per indicator and month (`indicator_student_month`), their sums per school and grade by month
and calendar year (`indicator_school_month`, `indicator_school_year`), and the headcounts that
count per school, grade and month (`indicator_headcount_month`). Built here from the existing
rows with the code that ships with this revision (`partnercrm counters rebuild` is the same
step), printing each step for large databases.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:10:00.000000

"""

import sys

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = (
    "indicator_student_month",
    "indicator_school_month",
    "indicator_school_year",
    "indicator_headcount_month",
)


def _indicator():
    return sa.Column(
        "indicator_id",
        sa.Integer(),
        sa.ForeignKey("indicator.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "indicator_student_month",
        _indicator(),
        sa.Column(
            "student_id",
            sa.Integer(),
            sa.ForeignKey("student.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("indicator_id", "student_id", "month"),
    )
    with op.batch_alter_table("indicator_student_month", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_student_month_month", ["indicator_id", "month"])
        batch_op.create_index(
            "ix_indicator_student_month_school", ["indicator_id", "school_id", "month"]
        )
        batch_op.create_index(batch_op.f("ix_indicator_student_month_student_id"), ["student_id"])
    for table, period, value in (
        ("indicator_school_month", "month", "students"),
        ("indicator_school_year", "year", "students"),
        ("indicator_headcount_month", "month", "amount"),
    ):
        op.create_table(
            table,
            _indicator(),
            sa.Column(period, sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("school_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("grade", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column(value, sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("indicator_id", period, "school_id", "grade"),
        )
    with op.batch_alter_table("indicator_headcount_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_headcount_month_school_id"), ["school_id"])

    from partnercrm.indicators.counters import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session, progress=lambda step: print(f"  counters: {step}", file=sys.stderr))
    session.flush()


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
