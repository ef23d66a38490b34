"""intake decisions kept on the ticket: detected and chosen urgency with the reason for a lower one,
and whether a person confirmed the category (issue 12)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('detected_urgency', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('urgency_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('category_confirmed', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('category_confirmed')
        batch.drop_column('urgency_reason')
        batch.drop_column('detected_urgency')
