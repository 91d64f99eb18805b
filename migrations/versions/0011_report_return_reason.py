"""report return reason

Why the ministry returned a municipal report for correction (docs/monitoring.md).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 15:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipal_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('municipal_report', schema=None) as batch_op:
        batch_op.drop_column('return_reason')
