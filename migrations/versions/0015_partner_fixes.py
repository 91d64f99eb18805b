"""holiday job working days and breaks; password reset audit actions

A holiday job's breaks within the shift (`break_minutes`, not working time, art. 108) and its
working days (`working_days`, a bit per ISO weekday, Monday 1 … Sunday 64: 31 is Monday to
Friday), which the
Labour Code checks of DESIGN §3.3 read: the shift less its breaks must fit in the hours per
day, and minors do not work on days off and public holidays (art. 268). Existing jobs get no
breaks and Monday to Friday; a published one that now breaks a rule is hidden from the board.

The audit trail's actions gain `password_reset_request` and `password_reset` (a forgotten
password reset through an e-mailed link, docs/architecture.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

AUDIT_ACTIONS = ('create', 'update', 'delete', 'login', 'login_failed', 'logout', 'export')
NEW_AUDIT_ACTIONS = ('password_reset_request', 'password_reset')
AUDIT_CHECK = 'ck_audit_entry_audit_action'


def audit_check(actions):
    return 'action IN (%s)' % ', '.join("'%s'" % action for action in actions)


def upgrade():
    with op.batch_alter_table('holiday_job', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('break_minutes', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('working_days', sa.Integer(), server_default='31', nullable=False)
        )
        batch_op.create_check_constraint('break_minutes_positive', 'break_minutes >= 0')
        batch_op.create_check_constraint('working_days_range', 'working_days BETWEEN 1 AND 127')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(AUDIT_CHECK), type_='check')
        batch_op.create_check_constraint(
            op.f(AUDIT_CHECK), audit_check(AUDIT_ACTIONS + NEW_AUDIT_ACTIONS)
        )


def downgrade():
    # Entries of the new actions stay in the trail (it is never changed) under a wider action.
    op.execute(
        sa.text(
            "UPDATE audit_entry SET action = 'update' WHERE action IN %s"
            % (tuple(NEW_AUDIT_ACTIONS),)
        )
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(AUDIT_CHECK), type_='check')
        batch_op.create_check_constraint(op.f(AUDIT_CHECK), audit_check(AUDIT_ACTIONS))
    with op.batch_alter_table('holiday_job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_holiday_job_working_days_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_holiday_job_break_minutes_positive'), type_='check')
        batch_op.drop_column('working_days')
        batch_op.drop_column('break_minutes')
