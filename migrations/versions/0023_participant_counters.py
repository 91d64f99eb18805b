"""dashboard participant counters

The counters the admin's and the coordinator's dashboards read (issue #18,
partnercrm/activities/counters.py): per student, scope (a municipality, or 0 for the region)
and calendar or school year, the first day they took part in a held activity
(`participant_year`), and per school, scope and day the headcounts that count
(`headcount_day`). Built here from the existing rows with the code that ships with this
revision (`partnercrm counters rebuild` is the same step), printing each step for large
databases.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:00:00.000000

"""

import sys

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "participant_year",
        sa.Column(
            "student_id",
            sa.Integer(),
            sa.ForeignKey("student.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("school_year", sa.Boolean(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("municipality_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "school_year", "year", "municipality_id"),
    )
    with op.batch_alter_table("participant_year", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_year_scope", ["school_year", "year", "municipality_id", "first_on"]
        )
    op.create_table(
        "headcount_day",
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("organization.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("municipality_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "municipality_id", "starts_on"),
    )
    with op.batch_alter_table("headcount_day", schema=None) as batch_op:
        batch_op.create_index("ix_headcount_day_scope", ["municipality_id", "starts_on", "count"])

    from partnercrm.activities.counters import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session, progress=lambda step: print(f"  counters: {step}", file=sys.stderr))
    session.flush()


def downgrade():
    op.drop_table("headcount_day")
    op.drop_table("participant_year")
