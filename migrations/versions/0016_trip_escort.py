"""trip escort

The staff a school sends with its students to an activity, printed on the school's trip list
(docs/activities.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'trip_escort',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('staff', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['activity_id'], ['activity.id'],
            name=op.f('fk_trip_escort_activity_id_activity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['school_id'], ['organization.id'],
            name=op.f('fk_trip_escort_school_id_organization'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_escort')),
        sa.UniqueConstraint(
            'activity_id', 'school_id', name=op.f('uq_trip_escort_activity_id_school_id')
        ),
    )
    with op.batch_alter_table('trip_escort', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trip_escort_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trip_escort', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trip_escort_school_id'))
    op.drop_table('trip_escort')
