"""weekly series

A school's weekly series («Россия — мои горизонты», DESIGN §8): `activity_series` keeps what
made its sessions (weekday, dates or count, time, length, hours, host), `activity_series_class`
its classes; each session is an ordinary activity linked by `activity.series_id` (SET NULL when
the series goes).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

KINDS = ('excursion', 'parent_meeting', 'camp_shift', 'open_day', 'profproba', 'career_event')


def upgrade():
    op.create_table(
        'activity_series',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(*KINDS, name='activity_kind', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('host_id', sa.Integer(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('first_date', sa.Date(), nullable=False),
        sa.Column('last_date', sa.Date(), nullable=True),
        sa.Column('session_count', sa.Integer(), nullable=True),
        sa.Column('starts_at', sa.Time(), nullable=False),
        sa.Column('length_minutes', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_activity_series_weekday_range')),
        sa.CheckConstraint(
            'length_minutes > 0 AND length_minutes <= 720',
            name=op.f('ck_activity_series_length_range'),
        ),
        sa.CheckConstraint('hours > 0 AND hours <= 100', name=op.f('ck_activity_series_hours_range')),
        sa.CheckConstraint(
            '(last_date IS NULL) <> (session_count IS NULL)',
            name=op.f('ck_activity_series_last_date_or_count'),
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user.id'],
            name=op.f('fk_activity_series_created_by_id_user'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['host_id'], ['organization.id'], name=op.f('fk_activity_series_host_id_organization')
        ),
        sa.ForeignKeyConstraint(
            ['school_id'], ['organization.id'],
            name=op.f('fk_activity_series_school_id_organization'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_series')),
    )
    with op.batch_alter_table('activity_series', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_activity_series_school_id'), ['school_id'], unique=False
        )
    op.create_table(
        'activity_series_class',
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.Integer(), nullable=False),
        sa.Column('letter', sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ['series_id'], ['activity_series.id'],
            name=op.f('fk_activity_series_class_series_id_activity_series'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'series_id', 'grade', 'letter', name=op.f('pk_activity_series_class')
        ),
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_activity_series_id_activity_series'),
            'activity_series', ['series_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_activity_series_id_activity_series'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_activity_series_id'))
        batch_op.drop_column('series_id')
    op.drop_table('activity_series_class')
    with op.batch_alter_table('activity_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_series_school_id'))
    op.drop_table('activity_series')
