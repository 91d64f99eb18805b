"""a table to stage the indicator counters' added month rows

``indicator_student_month_added`` (partnercrm/indicators/models.py): the month rows an addition
of participations writes are found once into it and read twice, then deleted before the
settling transaction ends (issue #18: a 20,000-row import found them twice). Empty outside a
settling transaction, so there is nothing to build.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 09:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

COLUMNS = ("indicator_id", "student_id", "month", "school_id", "grade", "new_in_year")


def upgrade():
    op.create_table(
        "indicator_student_month_added",
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COLUMNS),
    )


def downgrade():
    op.drop_table("indicator_student_month_added")
