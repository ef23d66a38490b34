"""The work queues of each role (工作台): which tickets wait for whom, and how many there are.

A queue is a filter on the tickets a user may see; the sidebar shows every queue of the
user's roles with its live count, and the queue pages list the same tickets.
"""
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.functions import FunctionElement

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.tickets.models import ExtensionRequest, Ticket, TicketEvent
from hotline.tickets.service import visible_to
from hotline.tickets.workflow import Role, State
from hotline.timeutil import UTCDateTime


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    roles: frozenset
    path: str  # the page that lists it

    def condition(self, user):
        return _CONDITIONS[self.key](user)


def _pending_extension():
    # Driven from the few pending requests, not from every accepted ticket.
    return Ticket.id.in_(select(ExtensionRequest.ticket_id).where(ExtensionRequest.status == "pending"))


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
    """{queue key: live count} for every queue of the user's roles: one count a queue, each
    answered from the (state, created_at) or (department_id, state) index alone. A queue's
    condition already implies visibility: centre queues are the centre's, a department's hold
    its department."""
    return {q.key: db.session.scalar(select(func.count()).select_from(Ticket).where(q.condition(user)))
            for q in queues_for(user)}


# --- the queue pages ---------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    items: list
    number: int
    has_next: bool


class _Least(FunctionElement):
    """The smallest argument: least() on PostgreSQL, the many-argument min() on SQLite."""

    name = "least"
    inherit_cache = True


@compiles(_Least)
def _least(element, compiler, **kw):
    return f"least({compiler.process(element.clauses, **kw)})"


@compiles(_Least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


# Stands in for a clock that does not run, so that least() and min() agree (min() yields NULL
# for any NULL argument, least() skips them) and tickets with no running clock sort last.
_NO_CLOCK = datetime(9999, 12, 31, tzinfo=UTC)


def nearest_due():
    """SQL: the earliest due time among the ticket's running clocks (deadlines.STOPPED_BY)."""
    open_ = Ticket.closed_at.is_(None)
    running = (
        (Ticket.sign_due_at, Ticket.signed_at.is_(None)),
        (Ticket.contact_due_at, Ticket.contacted_at.is_(None) & Ticket.replied_at.is_(None)),
        (Ticket.onsite_due_at, Ticket.onsite_at.is_(None) & Ticket.replied_at.is_(None)),
        (Ticket.complete_due_at, Ticket.replied_at.is_(None)),
    )
    far = literal(_NO_CLOCK, UTCDateTime())
    return _Least(*(func.coalesce(case((open_ & runs, due)), far) for due, runs in running))


def page_of(stmt, number, per_page):
    rows = db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)).all()
    return Page(rows[:per_page], number, len(rows) > per_page)


def queue_page(user, key, number, per_page):
    """One page of a queue: the centre's queues oldest first (by the (state, created_at) index),
    a department's nearest running deadline first."""
    stmt = queue_tickets(user, key)
    if key.startswith("dept_"):
        stmt = stmt.order_by(nearest_due(), Ticket.id.desc())
    else:
        stmt = stmt.order_by(Ticket.created_at, Ticket.id)
    if key == "extensions":
        stmt = stmt.options(selectinload(Ticket.extensions))
    return page_of(stmt, number, per_page)


def visible_page(user, number, per_page):
    """One page of everything the user may see, newest first."""
    return page_of(select(Ticket).where(visible_to(user)).order_by(Ticket.id.desc()), number, per_page)


def latest_notes(tickets, action):
    """{ticket id: note of its latest `action` event} for the given tickets, in one query."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    rows = db.session.execute(select(TicketEvent.ticket_id, TicketEvent.note).where(
        TicketEvent.ticket_id.in_(ids), TicketEvent.action == action).order_by(TicketEvent.id))
    return dict(rows.all())


def department_names():
    """{department id: name} for every department: one small query instead of one per row."""
    return dict(db.session.execute(select(Department.id, Department.name)).all())


def suggested_departments(numbers):
    """{ticket number: (the suggested department id, its suggested assisting department ids)} for bulk dispatch."""
    tickets = db.session.scalars(select(Ticket).where(Ticket.number.in_(numbers)))
    return {t.number: (t.suggested_department_id, t.suggested_assisting_ids) for t in tickets}


def dispatch_categories(numbers):
    """{ticket number: the category a bulk dispatch confirms for it}: the one given at intake, else
    the suggested one (both shown in the queue), else None."""
    rows = db.session.execute(select(Ticket.number, Ticket.category_id, Ticket.suggested_category_id)
                              .where(Ticket.number.in_(numbers)))
    return {number: given or suggested for number, given, suggested in rows}


def category_paths():
    """{category id: its path} of every category, for the queue's category column."""
    return {c.id: c.path for c in db.session.scalars(select(Category))}


def active_departments():
    return db.session.scalars(select(Department).where(Department.active).order_by(Department.id)).all()
