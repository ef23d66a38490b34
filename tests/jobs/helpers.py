"""Shared steps for the job tests: local moments, sweeps as of a moment, and row counts."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hotline.accountability.models import AccountabilityRecord
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.notifications.models import Notification
from hotline.tickets.models import TicketEvent
from hotline.tickets.workflow import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def sweep(at):
    """Run the sweep as of `at`: a datetime, or local time as text."""
    outcome = run_job("deadline_sweep", local(at) if isinstance(at, str) else at)
    assert outcome["status"] == "ran", outcome
    return outcome["result"]


def records(ticket, kind=None):
    stmt = select(AccountabilityRecord).where(AccountabilityRecord.ticket_id == ticket.id)
    if kind:
        stmt = stmt.where(AccountabilityRecord.kind == kind)
    return db.session.scalars(stmt.order_by(AccountabilityRecord.id)).all()


def notices(ticket, kind=None):
    """The jobs' notices of a ticket, without the supervisors' copies of severe ones: the
    workflow's own notices (新派单, 待审核 …) carry no deadline (tests/web/test_notifications.py)."""
    stmt = select(Notification).where(Notification.ticket_id == ticket.id, Notification.deadline.is_not(None),
                                      Notification.recipient_role.is_distinct_from(str(Role.SUPERVISOR)))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return db.session.scalars(stmt.order_by(Notification.id)).all()


def urges(ticket):
    return db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "urge").order_by(TicketEvent.id)).all()


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (AccountabilityRecord, TicketEvent, Notification))
