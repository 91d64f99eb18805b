"""programmes

The plan becomes data (DESIGN §7): a ``programme`` (code, title, valid from/to) owns the plan
sections, items and indicators, whose numbers are unique within their programme. Items get
``activity_kinds`` (the kinds whose new records default to them) and ``continues`` (numbers of
the previous programme's items they carry on); indicators get their ``rule``. Existing
sections, items and indicators become programme ``kgd-2020-2022`` (2020-01-01 … 2022-12-31)
with their ids, so every link stays; its indicators get the rules of DESIGN §7 and its items
the kinds of DESIGN §2. Downgrading refuses while a second programme exists.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:00:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ('plan_section', 'plan_item', 'indicator')
CODE = 'kgd-2020-2022'
# The title of plan.json (migrations import no app code).
TITLE = (
    'План мероприятий («дорожная карта») по развитию системы профессиональной ориентации'
    ' в Калининградской области на 2020-2022 годы'
)
VALID_FROM, VALID_TO = date(2020, 1, 1), date(2022, 12, 31)
# The roadmap's indicators as rules, as partnercrm/data/kgd-2020-2022.json states them.
RULES = {
    1: {'count': 'municipal_plans'},
    2: {'count': 'students', 'host_kinds': ['college', 'university', 'employer', 'employment_center']},
    3: {'count': 'students', 'activity_kinds': ['profproba']},
    4: {'count': 'students', 'ovz_only': True},
    5: {'count': 'manual', 'type': 'number'},
    6: {'count': 'students', 'organizer_or_host_kinds': ['college', 'university']},
    7: {'count': 'manual', 'type': 'yes_no'},
}
# An indicator of another number (none was ever seeded) is entered by the ministry.
OTHER_RULE = {'count': 'manual', 'type': 'number'}
# The default plan items of each activity kind (DESIGN §2), as the items' kinds.
ITEM_KINDS = {
    5: ['excursion'],
    6: ['parent_meeting'],
    9: ['profproba'],
    10: ['camp_shift'],
    15: ['career_event'],
    17: ['parent_meeting'],
    23: ['excursion'],
    24: ['open_day'],
}


def upgrade():
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_programme_valid_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('code', name=op.f('uq_programme_code'))
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_kinds', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('continues', sa.JSON(), nullable=True))
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.JSON(), nullable=True))

    connection = op.get_bind()
    existing = sum(
        connection.execute(sa.text(f'SELECT COUNT(*) FROM {table}')).scalar() for table in TABLES
    )
    if existing:
        connection.execute(
            sa.text(
                'INSERT INTO programme (code, title, valid_from, valid_to)'
                ' VALUES (:code, :title, :valid_from, :valid_to)'
            ),
            {'code': CODE, 'title': TITLE, 'valid_from': VALID_FROM, 'valid_to': VALID_TO},
        )
        programme_id = connection.execute(
            sa.text('SELECT id FROM programme WHERE code = :code'), {'code': CODE}
        ).scalar()
        for table in TABLES:
            connection.execute(
                sa.text(f'UPDATE {table} SET programme_id = :programme'),
                {'programme': programme_id},
            )
        numbers = connection.execute(sa.text('SELECT number FROM indicator')).scalars().all()
        set_rule = sa.text('UPDATE indicator SET rule = :rule WHERE number = :number').bindparams(
            sa.bindparam('rule', type_=sa.JSON())
        )
        for number in numbers:
            connection.execute(set_rule, {'rule': RULES.get(number, OTHER_RULE), 'number': number})
        set_kinds = sa.text(
            'UPDATE plan_item SET activity_kinds = :kinds WHERE number = :number'
        ).bindparams(sa.bindparam('kinds', type_=sa.JSON()))
        for number, kinds in ITEM_KINDS.items():
            connection.execute(set_kinds, {'kinds': kinds, 'number': number})

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_constraint(f'uq_{table}_number', type_='unique')
            batch_op.create_unique_constraint(
                batch_op.f(f'uq_{table}_programme_id_number'), ['programme_id', 'number']
            )
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_programme_id_programme'), 'programme', ['programme_id'], ['id']
            )
            if table == 'indicator':
                batch_op.alter_column('rule', existing_type=sa.JSON(), nullable=False)


def downgrade():
    connection = op.get_bind()
    programmes = connection.execute(sa.text('SELECT COUNT(*) FROM programme')).scalar()
    if programmes > 1:
        raise RuntimeError(
            'cannot downgrade below 0017 while there are several programmes: before 0017 the'
            ' database holds one roadmap (delete the other programmes first)'
        )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_programme_id_programme', type_='foreignkey')
            batch_op.drop_constraint(f'uq_{table}_programme_id_number', type_='unique')
            batch_op.drop_column('programme_id')
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_number'), ['number'])
            if table == 'indicator':
                batch_op.drop_column('rule')
            if table == 'plan_item':
                batch_op.drop_column('continues')
                batch_op.drop_column('activity_kinds')
    op.drop_table('programme')
