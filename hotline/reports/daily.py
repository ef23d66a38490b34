"""Report counters per local day and department, kept by the workflow service as tickets change.

A year of tickets is a million rows and a year of dispatch spells a few hundred thousand;
a year of this table is a few thousand. Each counter sits in the row of the local day of
its own period column (SPEC §7, definitions.py): tickets by creation, spells by start, by
sign and completion due time, by reply and by the revisit that ended them. Only on-time
spells are counted here: whether an open spell is late depends on the clock, and whether a
late one has an accountability record on the deadline sweep, so late spells stay with the
live queries (queries.py), which read them from small partial indexes (indexes.py).

`subscribe()` (called by create_app) listens to the workflow service's signals and swaps what
a ticket counted for before each change for what it counts for after, in the same
transaction; `rebuild` recounts everything the same way. Handling time
is worked out with the calendar as it stands at the change.
"""
from collections import Counter, defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from hotline.directory.calendar import load_calendar, work_calendar
from hotline.extensions import db
from hotline.reports.definitions import SATISFIED
from hotline.tickets.models import Assignment, Revisit, Ticket
from hotline.tickets.signals import ticket_changed, ticket_changing
from hotline.tickets.workflow import State

# The department key of tickets never dispatched: a primary-key column cannot be NULL.
NO_DEPARTMENT = 0
COUNTERS = ("received", "answered", "dispatched", "returned", "sign_on_time", "on_time",
            "approved", "revisited", "revisits", "satisfied", "unsatisfied", "reached",
            "resolved", "redos", "handled", "handling_minutes")


class ReportDay(db.Model):
    """One local day of one department (the ticket's final one, or the spell's)."""

    __tablename__ = "report_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Tickets by creation day.
    received: Mapped[int] = mapped_column(default=0, server_default="0")
    answered: Mapped[int] = mapped_column(default=0, server_default="0")
    # Spells by start day.
    dispatched: Mapped[int] = mapped_column(default=0, server_default="0")
    returned: Mapped[int] = mapped_column(default=0, server_default="0")
    # Spells signed / replied by their due time, by the day of that due time.
    sign_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    # Spells by reply day.
    approved: Mapped[int] = mapped_column(default=0, server_default="0")
    revisited: Mapped[int] = mapped_column(default=0, server_default="0")
    handled: Mapped[int] = mapped_column(default=0, server_default="0")
    handling_minutes: Mapped[float] = mapped_column(default=0, server_default="0")
    # Spells by the day of the revisit that ended them.
    revisits: Mapped[int] = mapped_column(default=0, server_default="0")
    satisfied: Mapped[int] = mapped_column(default=0, server_default="0")
    unsatisfied: Mapped[int] = mapped_column(default=0, server_default="0")
    reached: Mapped[int] = mapped_column(default=0, server_default="0")
    resolved: Mapped[int] = mapped_column(default=0, server_default="0")
    redos: Mapped[int] = mapped_column(default=0, server_default="0")


def contributions(ticket, spells, revisits, calendar):
    """What one ticket adds to the table: {(day, department_id, counter): amount}.

    Works on ORM objects and on plain rows alike; the SQL of the same definitions is in
    queries.py, and tests/reports compare the two.
    """
    counts = Counter()

    def add(moment, department_id, **amounts):
        day = moment.astimezone(calendar.tz).date()
        for name, amount in amounts.items():
            if amount:
                counts[day, department_id or NO_DEPARTMENT, name] += amount

    if ticket.state != State.INVALID:
        add(ticket.created_at, ticket.final_department_id,
            received=1, answered=ticket.state == State.ANSWERED)
    for spell in spells:
        department_id = spell.department_id
        add(spell.started_at, department_id, dispatched=1, returned=spell.end_reason == "returned")
        if spell.signed_at is not None and spell.signed_at <= spell.sign_due_at:
            add(spell.sign_due_at, department_id, sign_on_time=1)
        if spell.replied_at is not None:
            if spell.replied_at <= spell.complete_due_at:
                add(spell.complete_due_at, department_id, on_time=1)
            revisited = spell.end_reason == "revisited"
            pending = spell.ended_at is None and ticket.state == State.PENDING_REVISIT
            add(spell.replied_at, department_id, approved=revisited or pending, revisited=revisited,
                handled=1,
                handling_minutes=calendar.working_minutes_between(spell.started_at, spell.replied_at))
        if spell.end_reason == "revisited":
            # The revisit that ended a spell is stamped with the same instant as its end.
            for revisit in revisits:
                if revisit.created_at == spell.ended_at and revisit.outcome != "retry":
                    reached = revisit.satisfaction != "unreachable"
                    add(spell.ended_at, department_id, revisits=1,
                        satisfied=revisit.satisfaction in SATISFIED,
                        unsatisfied=revisit.satisfaction == "unsatisfied", reached=reached,
                        resolved=reached and revisit.resolved is True,
                        redos=revisit.outcome == "redo")
    return counts


def snapshot(ticket):
    """What a ticket, with its spells and revisits, counts for at this moment."""
    spells = ticket.assignments
    revisits = ticket.revisits if any(s.end_reason == "revisited" for s in spells) else ()
    return contributions(ticket, spells, revisits, work_calendar())


def subscribe():
    """Keep the table true as the workflow service changes tickets (idempotent)."""
    ticket_changing.connect(_before_change)
    ticket_changed.connect(_after_change)


def _before_change(change):
    change.memo[__name__] = snapshot(change.ticket)


def _after_change(change):
    record(change.memo.get(__name__, {}), snapshot(change.ticket))


def record(before, after):
    """Move the table by what a change did to one ticket: `after` minus `before`."""
    change = Counter(after)
    change.subtract(before)
    # Cells in one order, so that two transactions never wait for each other's cells crosswise.
    for (day, department_id), amounts in sorted(_cells(change).items()):
        db.session.execute(_add(day, department_id, amounts))


def _cells(counts):
    cells = defaultdict(dict)
    for (day, department_id, name), amount in counts.items():
        if amount:
            cells[day, department_id][name] = amount
    return cells


def _add(day, department_id, amounts):
    table = ReportDay.__table__
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    stmt = dialect.insert(table).values(day=day, department_id=department_id, **amounts)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.day, table.c.department_id],
        set_={name: table.c[name] + stmt.excluded[name] for name in amounts},
    )


def rebuild(connection, chunk=20000):
    """Recount the whole table from the tickets through `connection` (migration 0006, bulk loads)."""
    calendar = load_calendar(connection, current_app.config)
    totals = Counter()
    last = connection.scalar(select(func.max(Ticket.id))) or 0
    for first in range(0, last, chunk):
        for ticket, spells, revisits in _tickets(connection, first, first + chunk):
            totals.update(contributions(ticket, spells, revisits, calendar))
    connection.execute(delete(ReportDay))
    cells = _cells(totals)
    if cells:
        connection.execute(insert(ReportDay), [
            {"day": day, "department_id": department_id, **{n: amounts.get(n, 0) for n in COUNTERS}}
            for (day, department_id), amounts in sorted(cells.items())])


def _tickets(connection, first, last):
    """Tickets with first < id <= last, each with its spells and revisits, as plain rows."""
    def rows(ticket_id, *columns):
        return connection.execute(
            select(ticket_id, *columns).where(ticket_id > first, ticket_id <= last)).all()

    A, R, T = Assignment, Revisit, Ticket
    spells, revisits = defaultdict(list), defaultdict(list)
    for spell in rows(A.ticket_id, A.department_id, A.started_at, A.sign_due_at, A.signed_at,
                      A.complete_due_at, A.replied_at, A.ended_at, A.end_reason):
        spells[spell.ticket_id].append(spell)
    for revisit in rows(R.ticket_id, R.created_at, R.satisfaction, R.resolved, R.outcome):
        revisits[revisit.ticket_id].append(revisit)
    for ticket in rows(T.id, T.state, T.created_at, T.final_department_id):
        yield ticket, spells[ticket.id], revisits[ticket.id]
