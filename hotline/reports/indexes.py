"""Covering indexes for the report queries, declared here so that Alembic sees them as model state.

Each family of figures reads one range of one period column; leading with that column and
carrying every other column the family reads lets both SQLite and PostgreSQL answer from
the index alone (migration 0004).
"""
from sqlalchemy import Index

from hotline.tickets.models import Assignment as A
from hotline.tickets.models import Revisit as R
from hotline.tickets.models import Ticket as T

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
)
