"""imported tickets keep their source reference (issue 14)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import hotline.timeutil

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('source_ref', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('imported_at', hotline.timeutil.UTCDateTime(), nullable=True))
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
    op.create_index(op.f('ix_tickets_source_ref'), 'tickets', ['source_ref'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_tickets_source_ref'), table_name='tickets')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('imported_at')
        batch.drop_column('source_ref')
