"""hotspot snapshots: the hotspots the scheduler computes every 15 minutes, read by the dashboard

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hotline.timeutil  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hotspot_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', hotline.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_snapshots'))
    )
    with op.batch_alter_table('hotspot_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspot_snapshots_as_of'), ['as_of'], unique=False)


def downgrade():
    with op.batch_alter_table('hotspot_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotspot_snapshots_as_of'))
    op.drop_table('hotspot_snapshots')
