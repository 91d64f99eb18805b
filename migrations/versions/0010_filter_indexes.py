"""filter indexes

Indexes for the list filters and orders that had none (DESIGN §5, docs/performance.md):
activities newest first, organizations by approval state, agreements by signing date and by
kind of cooperation; offer dates and speaker requests by time; young people by municipality.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 13:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index('ix_activity_starts_at', ['starts_at', 'id'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_signed_on', ['signed_on'], unique=False)

    with op.batch_alter_table('agreement_kind', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_kind_kind'), ['kind'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_organization_approval_state'), ['approval_state'], unique=False
        )

    with op.batch_alter_table('offer_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_slot_starts_at'), ['starts_at'], unique=False)

    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_speaker_request_starts_at'), ['starts_at'], unique=False
        )

    with op.batch_alter_table('young_person', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_young_person_municipality_id'), ['municipality_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('young_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_young_person_municipality_id'))

    with op.batch_alter_table('speaker_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_request_starts_at'))

    with op.batch_alter_table('offer_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_slot_starts_at'))

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_approval_state'))

    with op.batch_alter_table('agreement_kind', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_kind_kind'))

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_signed_on')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_starts_at')
