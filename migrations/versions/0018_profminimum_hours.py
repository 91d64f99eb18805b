"""профминимум hours and levels

Every activity but a parent meeting gets `hours`, the профминимум hours each named participant
gets from it (DESIGN §8, 0 < hours <= 100); existing activities get the default of their
duration: a timed one its length rounded half up to a whole hour, at least 1 (1 without an end);
an all-day one 6 per day, at most 100. `profminimum_level` holds the level each school chose
for a school year (none: basic).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:40:00.000000

"""
from decimal import ROUND_HALF_UP, Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BATCH = 5000
activity = sa.table(
    'activity',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('all_day', sa.Boolean),
    sa.column('starts_at', sa.DateTime),
    sa.column('ends_at', sa.DateTime),
    sa.column('starts_on', sa.Date),
    sa.column('ends_on', sa.Date),
    sa.column('hours', sa.Numeric(5, 2)),
)


def default_hours(row) -> Decimal:
    # The rule of partnercrm.activities.rules.default_hours as it stood at this revision.
    if row.all_day:
        hours = Decimal(6 * ((row.ends_on - row.starts_on).days + 1))
    elif row.ends_at is not None:
        seconds = Decimal(int((row.ends_at - row.starts_at).total_seconds()))
        hours = (seconds / 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    else:
        hours = Decimal(1)
    return min(max(hours, Decimal(1)), Decimal(100))


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=True))
        # A NULL passes a CHECK: parent meetings have no hours.
        batch_op.create_check_constraint('hours_range', 'hours > 0 AND hours <= 100')
    op.create_table(
        'profminimum_level',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('school_year', sa.Integer(), nullable=False),
        sa.Column(
            'level',
            sa.Enum(
                'basic', 'main', 'advanced',
                name='profminimum_level', native_enum=False, create_constraint=True, length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ['school_id'], ['organization.id'],
            name=op.f('fk_profminimum_level_school_id_organization'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_profminimum_level')),
        sa.UniqueConstraint(
            'school_id', 'school_year', name=op.f('uq_profminimum_level_school_id_school_year')
        ),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(activity)
            .where(activity.c.kind != 'parent_meeting', activity.c.id > last_id)
            .order_by(activity.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            activity.update()
            .where(activity.c.id == sa.bindparam('row_id'))
            .values(hours=sa.bindparam('new_hours')),
            [{'row_id': row.id, 'new_hours': default_hours(row)} for row in rows],
        )
        last_id = rows[-1].id


def downgrade():
    op.drop_table('profminimum_level')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activity_hours_range'), type_='check')
        batch_op.drop_column('hours')
