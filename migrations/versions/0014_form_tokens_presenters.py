"""form tokens, presenters' representatives

The spent one-time tokens of create forms (partnercrm/web/form_tokens.py): a form saved
twice — a double click, or Save, Back, Save — makes one record. A parent meeting's presenter
keeps its representative's name and position.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_token',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_form_token_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_token')),
    )
    with op.batch_alter_table('form_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_token_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_token_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('parent_meeting_presenter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('position', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('parent_meeting_presenter', schema=None) as batch_op:
        batch_op.drop_column('position')
        batch_op.drop_column('name')
    with op.batch_alter_table('form_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_form_token_created_at'))
    op.drop_table('form_token')
