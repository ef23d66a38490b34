"""The revisit desk: claiming the next ticket to call back, so two revisitors never call one citizen."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from hotline.directory.calendar import work_calendar
from hotline.errors import Conflict
from hotline.extensions import db
from hotline.tickets import service
from hotline.tickets.deadlines import WARNING_FRACTION
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import State

# Candidates tried per round trip when others keep winning the race for the first ones.
CANDIDATES = 20


def claim_minutes():
    return current_app.config.get("HOTLINE_REVISIT_CLAIM_MINUTES", 10)


def _free_for(user, now):
    return or_(Ticket.revisit_claimed_until.is_(None), Ticket.revisit_claimed_until < now,
               Ticket.revisit_claimed_by_id == user.id)


def claim_next(user, now, skipped=()):
    """The ticket `user` holds, else the earliest-due one nobody holds, claimed for a few minutes.

    The claim is one conditional UPDATE: of two revisitors racing for a ticket, the database
    lets exactly one match the condition (rowcount 1); the other moves on to the next ticket.
    """
    held = db.session.scalar(select(Ticket.id).where(
        Ticket.state == State.PENDING_REVISIT, Ticket.revisit_claimed_by_id == user.id,
        Ticket.revisit_claimed_until >= now).order_by(Ticket.revisit_due_at, Ticket.id).limit(1))
    candidates = [held] if held is not None else db.session.scalars(
        select(Ticket.id).where(Ticket.state == State.PENDING_REVISIT, _free_for(user, now),
                                Ticket.id.not_in(list(skipped)))
        .order_by(Ticket.revisit_due_at, Ticket.id).limit(CANDIDATES)).all()
    until = now + timedelta(minutes=claim_minutes())
    for ticket_id in candidates:
        taken = db.session.execute(
            update(Ticket).where(Ticket.id == ticket_id, Ticket.state == State.PENDING_REVISIT,
                                 _free_for(user, now))
            .values(revisit_claimed_by_id=user.id, revisit_claimed_until=until)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            ticket = db.session.get(Ticket, ticket_id)
            db.session.refresh(ticket)
            return ticket
    return None


def release(number, user):
    """Give a ticket back to the queue; only its holder can."""
    db.session.execute(
        update(Ticket).where(Ticket.number == number, Ticket.revisit_claimed_by_id == user.id)
        .values(revisit_claimed_by_id=None, revisit_claimed_until=None)
        .execution_options(synchronize_session=False))


def record(number, user, data, now):
    """Record the call through the workflow (one door), refused while another revisitor holds it."""
    ticket = service.perform(number, "revisit", user, data, now=now)
    if (ticket.revisit_claimed_by_id not in (None, user.id)
            and ticket.revisit_claimed_until is not None and ticket.revisit_claimed_until >= now):
        raise Conflict("该工单正由其他回访员回访", code="claimed")
    ticket.revisit_claimed_by_id = ticket.revisit_claimed_until = None
    db.session.flush()
    return ticket


def revisit_level(ticket, now):
    """The revisit deadline's lateness (LATENESS code), 80% of the working time used = warning."""
    due, start = ticket.revisit_due_at, ticket.reply_approved_at
    if due is None:
        return "on_time"
    if now >= due:
        return "overdue"
    calendar = work_calendar()
    total = calendar.working_minutes_between(start, due) if start else 0
    used = calendar.working_minutes_between(start, now) if start else 0
    return "warning" if total and used >= WARNING_FRACTION * total else "on_time"
