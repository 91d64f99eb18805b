"""agreement reminder per party

``partnercrm remind`` claims a reminder per party (agreement, lead time, end date, party),
commits, then mails that party; a refused message releases that party's claim only. An
existing reminder becomes one row per party of its agreement (each was mailed); downgrading
keeps one row per agreement, lead time and end date.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_UNIQUE = 'uq_agreement_reminder_agreement_id_days_before_valid_to'
NEW_UNIQUE = 'uq_agreement_reminder_party'
PARTY_FK = 'fk_agreement_reminder_organization_id_organization'


def upgrade():
    with op.batch_alter_table('agreement_reminder', schema=None) as batch_op:
        batch_op.drop_constraint(OLD_UNIQUE, type_='unique')
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
    op.execute(
        'INSERT INTO agreement_reminder'
        ' (agreement_id, days_before, valid_to, sent_at, organization_id)'
        ' SELECT r.agreement_id, r.days_before, r.valid_to, r.sent_at, p.organization_id'
        ' FROM agreement_reminder r'
        ' JOIN agreement_party p ON p.agreement_id = r.agreement_id'
        ' WHERE r.organization_id IS NULL'
    )
    op.execute('DELETE FROM agreement_reminder WHERE organization_id IS NULL')
    with op.batch_alter_table('agreement_reminder', schema=None) as batch_op:
        batch_op.alter_column('organization_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            PARTY_FK, 'organization', ['organization_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_unique_constraint(
            NEW_UNIQUE, ['agreement_id', 'days_before', 'valid_to', 'organization_id']
        )


def downgrade():
    # One row per agreement, lead time and end date: the first party's claim stands for all.
    op.execute(
        'DELETE FROM agreement_reminder WHERE id NOT IN ('
        ' SELECT MIN(id) FROM agreement_reminder'
        ' GROUP BY agreement_id, days_before, valid_to)'
    )
    with op.batch_alter_table('agreement_reminder', schema=None) as batch_op:
        batch_op.drop_constraint(NEW_UNIQUE, type_='unique')
        batch_op.drop_constraint(PARTY_FK, type_='foreignkey')
        batch_op.drop_column('organization_id')
        batch_op.create_unique_constraint(OLD_UNIQUE, ['agreement_id', 'days_before', 'valid_to'])
