"""agreement number unique per party

Every party row carries its agreement's number as compared (runs of spaces one space, no
spaces at the ends), and (organization, number) is unique: two agreements with one number can
no longer share a party, even when two saves run at once. Existing rows get the key; where two
existing agreements with one number already share a party, the first (lowest id) keeps the key
and the other's party row stays without one (logged), so the upgrade never fails on old data —
that agreement is refused the number again when it is next saved. Downgrading drops the key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:00:00.000000

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UNIQUE = 'uq_agreement_party_number'
log = logging.getLogger('alembic.runtime.migration')


def number_key(number):
    # The same as partnercrm.agreements.models.number_key (migrations import no app code).
    return ' '.join((number or '').split())


def upgrade():
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', sa.String(length=100), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            'SELECT p.agreement_id, p.organization_id, a.number'
            ' FROM agreement_party p JOIN agreement a ON a.id = p.agreement_id'
            ' ORDER BY p.agreement_id, p.organization_id'
        )
    ).all()
    taken = {}
    keys = []
    for agreement_id, organization_id, number in rows:
        key = number_key(number)
        first = taken.setdefault((organization_id, key), agreement_id)
        if first != agreement_id:
            log.warning(
                'agreement %s has the number of agreement %s with party %s: '
                'its party row keeps no number key',
                agreement_id, first, organization_id,
            )
            continue
        keys.append({'agreement': agreement_id, 'party': organization_id, 'key': key})
    if keys:
        connection.execute(
            sa.text(
                'UPDATE agreement_party SET number_key = :key'
                ' WHERE agreement_id = :agreement AND organization_id = :party'
            ),
            keys,
        )

    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.create_unique_constraint(UNIQUE, ['organization_id', 'number_key'])


def downgrade():
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_='unique')
        batch_op.drop_column('number_key')
