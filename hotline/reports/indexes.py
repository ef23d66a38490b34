"""Covering indexes for the report queries, declared here so that Alembic sees them as model state.

Each family of figures reads one range of one period column; leading with that column and
carrying every other column the family reads lets both SQLite and PostgreSQL answer from
the index alone (migration 0004). The daily table (daily.py) leaves the late spells to live
queries; two partial indexes hold just those spells (migrations 0006 and 0012).
"""
from sqlalchemy import Index, or_

from hotline.tickets.models import Assignment as A
from hotline.tickets.models import Revisit as R
from hotline.tickets.models import Ticket as T

# Spells not signed / not replied by their due time, or not yet. The queries use these very
# expressions: both planners pick a partial index only when the query repeats its condition.
SIGN_LATE = or_(A.signed_at.is_(None), A.signed_at > A.sign_due_at)
LATE = or_(A.replied_at.is_(None), A.replied_at > A.complete_due_at)

INDEXES = (
    Index("ix_reports_tickets_created", T.created_at, T.state, T.final_department_id),
    Index("ix_reports_assignments_started", A.started_at, A.department_id, A.end_reason),
    Index("ix_reports_assignments_sign_due", A.sign_due_at, A.department_id, A.signed_at, A.ended_at),
    Index("ix_reports_assignments_complete_due", A.complete_due_at, A.department_id, A.replied_at,
          A.ended_at),
    Index("ix_reports_assignments_replied", A.replied_at, A.department_id, A.started_at, A.end_reason,
          A.ended_at, A.ticket_id),
    Index("ix_reports_assignments_ended", A.ended_at, A.end_reason, A.department_id, A.ticket_id),
    Index("ix_reports_revisits_ticket_created", R.ticket_id, R.created_at, R.outcome, R.satisfaction,
          R.resolved),
    # With the ticket key, so that filters by the ticket's category, area or channel (migration
    # 0012) join the tickets from the index alone.
    Index("ix_reports_assignments_sign_late", A.sign_due_at, A.department_id, A.signed_at,
          A.ended_at, A.ticket_id, sqlite_where=SIGN_LATE, postgresql_where=SIGN_LATE),
    Index("ix_reports_assignments_complete_late", A.complete_due_at, A.department_id, A.replied_at,
          A.ended_at, A.id, A.ticket_id, sqlite_where=LATE, postgresql_where=LATE),
)
