"""calendar feeds

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 13:09:05.737919

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_change'))
    )
    with op.batch_alter_table('feed_change', schema=None) as batch_op:
        batch_op.create_index('ix_feed_change_kind_changed_at', ['kind', 'changed_at'], unique=False)

    # Last-Modified of the feeds reads the latest change of each table they show, and the
    # latest record gone from them as days pass (docs/feeds.md).
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_activity_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_activity_ends_on_starts_on', ['ends_on', 'starts_on', 'status'], unique=False)
        batch_op.create_index('ix_activity_status_ends_on', ['status', 'ends_on', 'starts_on'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_agreement_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_request_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('holiday_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_job_last_day'), ['last_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_holiday_job_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('offer_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_slot_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_secret', sa.String(length=64), nullable=True))

    # Every existing user gets a secret of their own.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('feed_secret', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update()
            .where(user.c.id == user_id)
            .values(feed_secret=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('feed_secret', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), server_default=None)
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), server_default=None)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('feed_secret')

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_updated_at'))

    with op.batch_alter_table('offer_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_slot_updated_at'))

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_updated_at'))

    with op.batch_alter_table('holiday_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_job_updated_at'))
        batch_op.drop_index(batch_op.f('ix_holiday_job_last_day'))

    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_request_updated_at'))

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_updated_at'))

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_updated_at'))
        batch_op.drop_column('sequence')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_status_ends_on')
        batch_op.drop_index('ix_activity_ends_on_starts_on')
        batch_op.drop_index(batch_op.f('ix_activity_updated_at'))
        batch_op.drop_column('sequence')

    with op.batch_alter_table('feed_change', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_change_kind_changed_at')

    op.drop_table('feed_change')
