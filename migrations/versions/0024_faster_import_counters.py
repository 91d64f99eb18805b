"""counters an import settles faster

Issue #18 (a 20,000-row import no more than 25 % slower for its counters):

- ``indicator_student_month_added`` (partnercrm/indicators/models.py): the month rows an
  addition of participations writes are found once into it and read twice, then deleted before
  the settling transaction ends. Empty outside one, so there is nothing to build.
- ``indicator_student_month`` and ``participant_year`` lose their foreign keys: PostgreSQL
  checked every row an import wrote against the student and the indicator. Their rows go with a
  student or indicator deleted through the app (it is marked and recounted); ``partnercrm
  counters verify`` finds any left by a deletion made behind its back.

On SQLite the two tables are copied without the keys (batch mode), their indexes kept: about
20 s at region scale (3.1 million counter rows, measured on the benchmark's data).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 09:30:00.000000

"""

import sys

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

STAGED = ("indicator_id", "student_id", "month", "school_id", "grade", "new_in_year")
# Each table's foreign keys: (name, column, referred table).
KEYS = {
    "indicator_student_month": [
        ("fk_indicator_student_month_indicator_id_indicator", "indicator_id", "indicator"),
        ("fk_indicator_student_month_student_id_student", "student_id", "student"),
    ],
    "participant_year": [
        ("fk_participant_year_student_id_student", "student_id", "student"),
    ],
}


def upgrade():
    op.create_table(
        "indicator_student_month_added",
        *(sa.Column(name, sa.Integer(), nullable=False) for name in STAGED),
    )
    for table, keys in KEYS.items():
        print(f"  {table}: dropping its foreign keys …", file=sys.stderr, flush=True)
        with op.batch_alter_table(table, recreate="auto") as batch_op:
            for name, _column, _referred in keys:
                batch_op.drop_constraint(name, type_="foreignkey")


def downgrade():
    for table, keys in KEYS.items():
        with op.batch_alter_table(table, recreate="auto") as batch_op:
            for name, column, referred in keys:
                batch_op.create_foreign_key(
                    name, referred, [column], ["id"], ondelete="CASCADE"
                )
    op.drop_table("indicator_student_month_added")
