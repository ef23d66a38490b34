"""intake decisions kept on the ticket: detected and chosen urgency with the reason for a lower one,
and whether a person confirmed the category; assisting departments' opinions (协办意见) and their
report counter (issue 12)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import hotline.timeutil  # custom column types

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
    _add_assist_opinions()
    _add_duplicate_index()


# --- assisting departments' opinions (协办意见) ---------------------------------------------

def _add_assist_opinions():
    op.create_table('assist_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('created_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'],
                            name=op.f('fk_assist_opinions_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_assist_opinions_author_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_assist_opinions_department_id_departments')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_assist_opinions_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_opinions'))
    )
    with op.batch_alter_table('assist_opinions') as batch:
        batch.create_index(batch.f('ix_assist_opinions_ticket_id'), ['ticket_id'], unique=False)
        batch.create_index(batch.f('ix_assist_opinions_assignment_id'), ['assignment_id'], unique=False)
        batch.create_index('ix_assist_opinions_created_department', ['created_at', 'department_id'],
                           unique=False)
    # No opinion exists before this revision: every row's count is 0, nothing to recount.
    with op.batch_alter_table('report_days') as batch:
        batch.add_column(sa.Column('assist_opinions', sa.Integer(), server_default='0', nullable=False))


def _drop_assist_opinions():
    with op.batch_alter_table('report_days') as batch:
        batch.drop_column('assist_opinions')
    op.drop_table('assist_opinions')


# --- repeat calls: the calls merged into a ticket, counted at every intake suggestion --------
def _add_duplicate_index():
    op.create_index('ix_tickets_duplicate_of_id', 'tickets', ['duplicate_of_id'])


def _drop_duplicate_index():
    op.drop_index('ix_tickets_duplicate_of_id', table_name='tickets')


def downgrade():
    _drop_duplicate_index()
    _drop_assist_opinions()
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('category_confirmed')
        batch.drop_column('urgency_reason')
        batch.drop_column('detected_urgency')
