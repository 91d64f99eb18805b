"""campaign programme

A monitoring campaign collects the indicators of one programme (docs/monitoring.md), fixed when
it opens, so that its frozen values keep meaning what they meant when a later programme is
published. Each existing campaign gets the programme that counts its year (DESIGN §7): the one
in force on 31 December (of two, the later to start), else the latest that started before it,
else the first.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:30:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def _as_date(value):
    # SQLite hands dates back as text through plain SQL.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _programme_of_year(programmes, year):
    """roadmap.queries.choose_programme over (id, valid_from, valid_to) rows (migrations
    import no app code)."""
    day = date(year, 12, 31)
    started = [p for p in programmes if p[1] <= day]
    candidates = [p for p in started if day <= p[2]] or started
    if candidates:
        return max(candidates, key=lambda p: (p[1], p[0]))[0]
    return min(programmes, key=lambda p: (p[1], p[0]))[0]


def upgrade():
    with op.batch_alter_table('monitoring_campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))

    connection = op.get_bind()
    campaigns = connection.execute(sa.text('SELECT id, year FROM monitoring_campaign')).all()
    if campaigns:
        programmes = [
            (id_, _as_date(start), _as_date(end))
            for id_, start, end in connection.execute(
                sa.text('SELECT id, valid_from, valid_to FROM programme')
            ).all()
        ]
        if not programmes:
            raise RuntimeError(
                'monitoring campaigns exist but no programme: run 0017 on a database with the'
                ' roadmap (partnercrm seed) first'
            )
        for campaign_id, year in campaigns:
            connection.execute(
                sa.text('UPDATE monitoring_campaign SET programme_id = :programme WHERE id = :id'),
                {'programme': _programme_of_year(programmes, year), 'id': campaign_id},
            )

    with op.batch_alter_table('monitoring_campaign', schema=None) as batch_op:
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_monitoring_campaign_programme_id_programme'),
            'programme',
            ['programme_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('monitoring_campaign', schema=None) as batch_op:
        batch_op.drop_constraint('fk_monitoring_campaign_programme_id_programme', type_='foreignkey')
        batch_op.drop_column('programme_id')
