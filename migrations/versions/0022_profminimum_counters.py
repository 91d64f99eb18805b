"""profminimum hours counters

The counters the профминимум reports read (issue #18, partnercrm/profminimum/counters.py):
each student's hours per school year (`profminimum_student_hours`) and each school's
student-hours without names per school year (`profminimum_headcount_hours`). Built here from
the existing rows with the code that ships with this revision, printing each step for large
databases.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00.000000

"""

import sys

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    for table, key, parent, digits in (
        ("profminimum_student_hours", "student_id", "student", 7),
        ("profminimum_headcount_hours", "school_id", "organization", 9),
    ):
        op.create_table(
            table,
            sa.Column(
                key,
                sa.Integer(),
                sa.ForeignKey(f"{parent}.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("school_year", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("hours", sa.Numeric(digits, 2), nullable=False),
            sa.PrimaryKeyConstraint(key, "school_year"),
        )

    from partnercrm.profminimum.counters import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session, progress=lambda step: print(f"  counters: {step}", file=sys.stderr))
    session.flush()


def downgrade():
    op.drop_table("profminimum_headcount_hours")
    op.drop_table("profminimum_student_hours")
