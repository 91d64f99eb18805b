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
    op.create_table('feed_version',
    sa.Column('feed', sa.String(length=200), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('last_modified', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('feed', name=op.f('pk_feed_version'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))

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

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    op.drop_table('feed_version')
