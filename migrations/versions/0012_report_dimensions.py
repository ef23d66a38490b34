"""report dimensions: report_days by cuts of department, category, area and channel; late spells with their ticket

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import hotline.timeutil  # noqa: F401  (custom column types)
from hotline.reports import daily

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


# The counters as this revision made them; later revisions add theirs (0013: assist_opinions).
COUNTERS = ("received", "answered", "dispatched", "returned", "sign_on_time", "on_time",
            "approved", "revisited", "revisits", "satisfied", "unsatisfied", "reached",
            "resolved", "redos", "handled", "handling_minutes")


def _counters():
    return [sa.Column(name, sa.Float() if name == 'handling_minutes' else sa.Integer(),
                      server_default='0', nullable=False) for name in COUNTERS]


SIGN_LATE = 'signed_at IS NULL OR signed_at > sign_due_at'
LATE = 'replied_at IS NULL OR replied_at > complete_due_at'


def _late_indexes(with_ticket):
    ticket = ['ticket_id'] if with_ticket else []
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_assignments_complete_late')
        batch_op.drop_index('ix_reports_assignments_sign_late')
        batch_op.create_index(
            'ix_reports_assignments_complete_late',
            ['complete_due_at', 'department_id', 'replied_at', 'ended_at', 'id', *ticket], unique=False,
            sqlite_where=sa.text(LATE), postgresql_where=sa.text(LATE))
        batch_op.create_index(
            'ix_reports_assignments_sign_late', ['sign_due_at', 'department_id', 'signed_at', 'ended_at', *ticket],
            unique=False, sqlite_where=sa.text(SIGN_LATE), postgresql_where=sa.text(SIGN_LATE))


def upgrade():
    # The table holds only counts of the tickets: recounted below rather than converted.
    op.drop_table('report_days')
    op.create_table('report_days',
    sa.Column('cut', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('area', sa.String(length=50), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    *_counters(),
    sa.PrimaryKeyConstraint('cut', 'day', 'department_id', 'category_id', 'area', 'channel',
                            name=op.f('pk_report_days')),
    sqlite_with_rowid=False,
    )
    # Filtered reports join the late spells to their tickets: the index carries the key.
    _late_indexes(with_ticket=True)
    # Through this migration's own connection (on SQLite a second one would wait for its write lock).
    daily.rebuild(op.get_bind())


def downgrade():
    _late_indexes(with_ticket=False)
    op.create_table('report_days_by_department',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
    *_counters(),
    sa.PrimaryKeyConstraint('day', 'department_id', name='pk_report_days_by_department'),
    )
    names = ', '.join(COUNTERS)
    op.execute(f"INSERT INTO report_days_by_department (day, department_id, {names}) "
               f"SELECT day, department_id, {names} FROM report_days WHERE cut = 'department'")
    op.drop_table('report_days')
    op.rename_table('report_days_by_department', 'report_days')
