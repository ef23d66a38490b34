"""Which ticket changes are webhook events, what they say, and the outbox rows written for them.

Subscribed to the workflow's ticket_changed and the deadline sweep's tickets_overdue, both sent
inside the transaction of the change: the rows commit or roll back with it, and nothing here
touches the network, so a dead receiver can neither slow nor fail the action.
"""
from uuid import uuid4

from sqlalchemy import event as orm_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.tickets.models import Ticket
from hotline.tickets.signals import ticket_changed, tickets_overdue
from hotline.tickets.workflow import State
from hotline.webhooks.models import WebhookDelivery, WebhookEndpoint

# States in which a ticket is finished with (办结): after the revisit, or answered on the call.
FINISHED = (State.CLOSED, State.ANSWERED)
_CACHE = "hotline.webhook_endpoints"
_ACTIVE_ENDPOINTS = select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active)


def event_for(action, from_state, to_state):
    """The event kind a workflow change makes, or None (pure: the whole rule is here)."""
    if action == "create":
        return "ticket.created"
    if to_state == State.DISPATCHED and action in ("dispatch", "revisit"):
        return "ticket.dispatched"  # a dispatch, or a redo (重办) after an unsatisfied revisit
    if action == "reply":
        return "ticket.replied"
    if to_state in FINISHED and from_state != to_state:
        return "ticket.closed"
    return None


def ticket_facts(ticket):
    # By id: a relationship loaded before the change would still show the department it had then.
    department = db.session.get(Department, ticket.department_id) if ticket.department_id else None
    category = db.session.get(Category, ticket.category_id) if ticket.category_id else None
    return {
        "number": ticket.number, "state": ticket.state, "channel": ticket.channel, "type": ticket.type,
        "urgency": ticket.urgency, "area": ticket.area,
        "department": {"id": department.id, "code": department.code, "name": department.name}
        if department is not None else None,
        "category": {"id": category.id, "name": category.name, "path": category.path}
        if category is not None else None,
        **{name: _iso(getattr(ticket, name)) for name in (
            "created_at", "dispatched_at", "signed_at", "replied_at", "closed_at", "sign_due_at",
            "complete_due_at")},
    }


def payload(kind, ticket, now, action, from_state=None, deadlines=()):
    return {"id": str(uuid4()), "event": kind, "occurred_at": now.isoformat(), "action": action,
            "from_state": from_state, "deadlines": list(deadlines), "ticket": ticket_facts(ticket)}


def subscribers(kind):
    """Active endpoints subscribed to `kind`, read once per transaction (an import of many tickets
    must not ask for every one)."""
    endpoints = db.session.info.get(_CACHE)
    if endpoints is None:
        endpoints = db.session.execute(_ACTIVE_ENDPOINTS).all()
        db.session.info[_CACHE] = endpoints
    return [endpoint_id for endpoint_id, events in endpoints if kind in events]


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_endpoints(session, transaction):
    session.info.pop(_CACHE, None)


def enqueue(events, now):
    """One pending delivery per (endpoint, event) for each payload in `events`, in one statement."""
    rows = [{"delivery_id": str(uuid4()), "endpoint_id": endpoint_id, "event_id": body["id"],
             "event": body["event"], "payload": body, "status": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now}
            for body in events for endpoint_id in subscribers(body["event"])]
    if rows:
        db.session.execute(insert(WebhookDelivery), rows)
    return len(rows)


def _after_change(change):
    kind = event_for(change.action, change.from_state, change.ticket.state)
    if kind is not None and subscribers(kind):
        enqueue([payload(kind, change.ticket, change.now, change.action, change.from_state)], change.now)


def _after_overdue(now, crossings):
    """crossings: [(ticket id, [deadline kinds just overdue])] from one batch of the sweep."""
    if not crossings or not subscribers("ticket.overdue"):
        return
    kinds = dict(crossings)
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(kinds)).order_by(Ticket.id)).all()
    enqueue([payload("ticket.overdue", t, now, "deadline_sweep", t.state, kinds[t.id]) for t in tickets], now)


def subscribe():
    """Write outbox rows for every change that is an event (idempotent)."""
    ticket_changed.connect(_after_change)
    tickets_overdue.connect(_after_overdue)


def _iso(moment):
    return moment.isoformat() if moment else None
