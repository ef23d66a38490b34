"""revisit claims and notices per addressed role

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hotline.timeutil  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revisit_claimed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revisit_claimed_until', hotline.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_revisit_claimed_by_id_users'), 'users', ['revisit_claimed_by_id'], ['id'])

    # The supervisors' copy of a severely overdue notice differs from the department's only by
    # its addressed role, so the role joins the key (COALESCE: NULLs never collide).
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notifications_ticket_id', type_='unique')
    op.create_index('uq_notifications_once', 'notifications',
                    ['ticket_id', 'kind', 'deadline', 'due_at', sa.text("coalesce(recipient_role, '')")],
                    unique=True)


def downgrade():
    op.drop_index('uq_notifications_once', table_name='notifications')
    op.execute("DELETE FROM notifications WHERE recipient_role = 'supervisor' AND kind = 'severely_overdue'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_notifications_ticket_id', ['ticket_id', 'kind', 'deadline', 'due_at'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_revisit_claimed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('revisit_claimed_until')
        batch_op.drop_column('revisit_claimed_by_id')
