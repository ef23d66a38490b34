"""Personal data retention (PIPL; issue 13): after the configured period, a finished ticket keeps
its content, times, department and outcome (every report figure stays), but no longer the
caller's name, phone or ID number."""
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from hotline.audit.service import record
from hotline.extensions import db
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import TERMINAL_STATES

# Rows changed per statement: a first run over years of history stays in small transactions' worth
# of locks per statement, and the scheduler's run finishes them all.
BATCH = 5000


def _due(cutoff):
    return (Ticket.state.in_(TERMINAL_STATES), Ticket.closed_at < cutoff, Ticket.personal_data_purged_at.is_(None),
            or_(Ticket.caller_name.is_not(None), Ticket.caller_phone.is_not(None),
                Ticket.caller_id_number.is_not(None)))


def cutoff_for(now, days):
    return now - timedelta(days=days)


def count_due(now, days):
    return db.session.scalar(select(func.count()).select_from(Ticket).where(*_due(cutoff_for(now, days))))


def purge(now, days, actor=None):
    """Remove the caller's personal data from tickets finished more than `days` days before `now`;
    one audit entry says how many and up to when. Returns {"purged", "before"}."""
    cutoff, purged = cutoff_for(now, days), 0
    while True:
        batch = select(Ticket.id).where(*_due(cutoff)).order_by(Ticket.id).limit(BATCH)
        done = db.session.execute(
            update(Ticket).where(Ticket.id.in_(batch.scalar_subquery()))
            .values(caller_name=None, caller_phone=None, caller_id_number=None, personal_data_purged_at=now)
            .execution_options(synchronize_session=False)).rowcount
        purged += done
        if done < BATCH:
            break
    summary = {"purged": purged, "before": cutoff.isoformat(), "retention_days": days}
    if purged:
        record(actor, "personal_data", "tickets", "purge", after=summary, now=now)
    return summary
