"""The work queues of each role (工作台): which tickets wait for whom, and how many there are.

A queue is a filter on the tickets a user may see; the sidebar shows every queue of the
user's roles with its live count, and the queue pages list the same tickets.
"""
from dataclasses import dataclass

from sqlalchemy import exists, func, select

from hotline.extensions import db
from hotline.tickets.models import ExtensionRequest, Ticket
from hotline.tickets.service import visible_to
from hotline.tickets.workflow import Role, State


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    roles: frozenset
    path: str  # the page that lists it

    def condition(self, user):
        return _CONDITIONS[self.key](user)


def _pending_extension():
    return exists().where(ExtensionRequest.ticket_id == Ticket.id, ExtensionRequest.status == "pending")


def _held(state):
    return lambda user: (Ticket.department_id == user.department_id) & (Ticket.state == state)


_CONDITIONS = {
    "received": lambda user: Ticket.state == State.RECEIVED,
    "returns": lambda user: Ticket.state == State.RETURN_REQUESTED,
    "extensions": lambda user: (Ticket.state == State.ACCEPTED) & _pending_extension(),
    "replies": lambda user: Ticket.state == State.REPLIED,
    "dept_dispatched": _held(State.DISPATCHED),
    "dept_accepted": _held(State.ACCEPTED),
    "dept_replied": lambda user: (Ticket.department_id == user.department_id)
    & Ticket.state.in_((State.REPLIED, State.PENDING_REVISIT)),
    "revisit": lambda user: Ticket.state == State.PENDING_REVISIT,
}

_D, _DEPT = frozenset({Role.DISPATCHER}), frozenset({Role.DEPARTMENT})
QUEUES = (
    Queue("received", "待派单", frozenset({Role.DISPATCHER, Role.OPERATOR}), "/dispatch/received"),
    Queue("returns", "退单待审", _D, "/dispatch/returns"),
    Queue("extensions", "延期待审", _D, "/dispatch/extensions"),
    Queue("replies", "待审核", _D, "/dispatch/replies"),
    Queue("dept_dispatched", "待签收", _DEPT, "/department/dispatched"),
    Queue("dept_accepted", "办理中", _DEPT, "/department/accepted"),
    Queue("dept_replied", "已回复", _DEPT, "/department/replied"),
    Queue("revisit", "待回访", frozenset({Role.REVISITOR}), "/revisit"),
)
BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user):
    return [q for q in QUEUES if q.roles & user.roles]


def queue_tickets(user, key):
    """A select of the queue's tickets that `user` may see."""
    return select(Ticket).where(visible_to(user), BY_KEY[key].condition(user))


def counts(user):
    """{queue key: live count} for every queue of the user's roles, in one query."""
    queues = queues_for(user)
    if not queues:
        return {}
    columns = [func.count(Ticket.id).filter(q.condition(user)).label(q.key) for q in queues]
    row = db.session.execute(select(*columns).where(visible_to(user), Ticket.state.in_(_QUEUE_STATES))).one()
    return dict(row._mapping)


_QUEUE_STATES = (State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.RETURN_REQUESTED, State.REPLIED,
                 State.PENDING_REVISIT)
