"""calendar: pending deadline recomputations after a calendar or working-hours change

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hotline.timeutil  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_recomputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('requested_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=50), nullable=False),
    sa.Column('done_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_recomputes'))
    )
    with op.batch_alter_table('calendar_recomputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_recomputes_done_at'), ['done_at'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_recomputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_recomputes_done_at'))
    op.drop_table('calendar_recomputes')
