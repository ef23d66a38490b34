"""Report counters per local day, by department and by cuts of ticket dimensions, kept by the workflow service.

A year of tickets is a million rows and a year of dispatch spells a few hundred thousand.
Each counter sits in the rows of the local day of its own period column (SPEC §7,
definitions.py): tickets by creation, spells by start, by sign and completion due time, by
reply and by the revisit that ended them. Only on-time spells are counted here: whether an
open spell is late depends on the clock, and whether a late one has an accountability
record on the deadline sweep, so late spells stay with the live queries (queries.py), which
read them from small partial indexes (indexes.py).

Every count is kept once per cut: a cut names the dimensions its rows keep (department,
category, area, channel), the others holding their blank value. "department" alone is a few
thousand rows a year and answers the unfiltered reports; a report filtered or grouped by up
to two dimensions sums the one cut of exactly those (queries.py). Rows are sparse: only
cells something counted for exist.

`subscribe()` (called by create_app) listens to the workflow service's signals and swaps what
a ticket counted for before each change for what it counts for after, in the same
transaction; `rebuild` recounts everything the same way. Handling time
is worked out with the calendar as it stands at the change.
"""
from collections import Counter, defaultdict, namedtuple
from datetime import date
from functools import cache
from itertools import combinations, repeat
from operator import itemgetter

from flask import current_app
from sqlalchemy import String, bindparam, column, delete, func, inspect, select, table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from hotline.directory.calendar import load_calendar, local_tz, work_calendar
from hotline.extensions import db
from hotline.reports.definitions import SATISFIED
from hotline.tickets.models import Assignment, AssistOpinion, Revisit, Ticket
from hotline.tickets.signals import ticket_changed, ticket_changing
from hotline.tickets.workflow import State

# The department key of tickets never dispatched: a primary-key column cannot be NULL.
NO_DEPARTMENT = 0
COUNTERS = ("received", "answered", "dispatched", "returned", "sign_on_time", "on_time",
            "approved", "revisited", "revisits", "satisfied", "unsatisfied", "reached",
            "resolved", "redos", "handled", "handling_minutes", "assist_opinions")
DIMENSIONS = ("department", "category", "area", "channel")
# A dimension's value in a cut that does not keep it, and for a ticket without one
# (no department, no category, no area): primary-key columns cannot be NULL either.
BLANK = (NO_DEPARTMENT, 0, "", "")
# Every dimension alone and every pair: each report filters or groups by at most two.
CUTS = {"+".join(dims): tuple(d in dims for d in DIMENSIONS)
        for size in (1, 2) for dims in combinations(DIMENSIONS, size)}
# A cut's dimension values out of (the ticket's four values, *BLANK): its own where it keeps them.
_PICKS = {name: itemgetter(*(i if k else i + len(DIMENSIONS) for i, k in enumerate(kept)))
          for name, kept in CUTS.items()}


def cut(dimensions):
    """The cut keeping exactly these dimensions (none: the department cut, summed); None if no cut does."""
    name = "+".join(d for d in DIMENSIONS if d in dimensions) or "department"
    return name if name in CUTS else None


class ReportDay(db.Model):
    """One local day of one cell of one cut: department, category, area and channel, or blanks."""

    __tablename__ = "report_days"
    # Reports read one cut's range of days: on SQLite the rows themselves are in that order.
    __table_args__ = {"sqlite_with_rowid": False}

    cut: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    # The ticket's final department for ticket counters, the spell's for spell counters.
    department_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    area: Mapped[str] = mapped_column(String(50), primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
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
    # 协办意见 by the day they were written, under the assisting department that wrote them.
    assist_opinions: Mapped[int] = mapped_column(default=0, server_default="0")


KEY = ("cut", "day", "department_id", "category_id", "area", "channel")


def contributions(ticket, spells, revisits, calendar, opinions=()):
    """What one ticket adds to the department cut: {(day, department_id, counter): amount}.

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
    for opinion in opinions:
        add(opinion.created_at, opinion.department_id, assist_opinions=1)
    return counts


def cells(ticket, counts, into=None):
    """One ticket's contributions spread over every cut: {row key (KEY): {counter: amount}}.

    Every row of a ticket has its category, area and channel: the ticket's own at this moment.
    """
    into = defaultdict(dict) if into is None else into
    own = (ticket.category_id or 0, ticket.area or "", ticket.channel, *BLANK)
    rows = {}  # the rows of one day and department, in every cut
    for (day, department_id, name), amount in counts.items():
        cut_rows = rows.get((day, department_id))
        if cut_rows is None:
            values = (department_id, *own)
            cut_rows = rows[day, department_id] = [into[(cut, day, *pick(values))] for cut, pick in _PICKS.items()]
        for row in cut_rows:
            row[name] = row.get(name, 0) + amount
    return into


def snapshot(ticket):
    """What a ticket, with its spells and revisits, counts for at this moment, in every cut."""
    spells = ticket.assignments
    revisits = ticket.revisits if any(s.end_reason == "revisited" for s in spells) else ()
    # Working minutes are counted for replies only; before one, the local day of each moment is all
    # that is needed, and intake, dispatch and sign are spared the calendar's freshness query.
    calendar = work_calendar() if any(s.replied_at is not None for s in spells) else _LocalDays(local_tz())
    return cells(ticket, contributions(ticket, spells, revisits, calendar, ticket.assist_opinions))


_LocalDays = namedtuple("_LocalDays", "tz")  # what contributions() reads of a calendar when nothing was replied


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
    moves = {}
    for key in set(before) | set(after):
        amounts = Counter(after.get(key, {}))
        amounts.subtract(before.get(key, {}))
        amounts = {name: amount for name, amount in amounts.items() if amount}
        if amounts:
            moves[key] = amounts
    # Rows in one order, so that two transactions never wait for each other's rows crosswise. A
    # change moves the same counters in every cut: one statement per set of counters, executed
    # for all its rows at once, built and compiled once per process.
    groups = defaultdict(list)
    for key, amounts in sorted(moves.items()):
        groups[tuple(sorted(amounts))].append({**dict(zip(KEY, key, strict=True)), **amounts})
    for names, rows in groups.items():
        db.session.execute(_upsert(names), rows)


@cache
def _upsert(names):
    """INSERT … ON CONFLICT DO UPDATE adding the counters `names` (SQLite and PostgreSQL spell it alike).

    As text: SQLAlchemy 2.0 cannot cache the dialects' on_conflict_do_update() statements and compiled
    one on every change (about 1 ms of each intake); a text statement is compiled once per process."""
    target = ReportDay.__table__
    columns = (*KEY, *names)
    quoted = [f'"{name}"' for name in columns]
    sql = (f'INSERT INTO "{target.name}" ({", ".join(quoted)}) VALUES ({", ".join(":" + c for c in columns)}) '
           f'ON CONFLICT ({", ".join(quoted[:len(KEY)])}) DO UPDATE SET '
           + ", ".join(f'"{n}" = "{target.name}"."{n}" + excluded."{n}"' for n in names))
    return text(sql).bindparams(*(bindparam(name, type_=target.c[name].type) for name in columns))


def rebuild(connection, chunk=20000):
    """Recount the whole table from the tickets through `connection` (migrations 0006 and 0012, bulk loads)."""
    inspector = inspect(connection)
    columns = {column["name"] for column in inspector.get_columns("report_days")}
    if "cut" not in columns:
        return  # migration 0006, run before 0012 gives the table its cuts (and recounts it)
    # Migration 0012 recounts a table that has no 协办意见 yet (0013 adds them): it counts what it has.
    counters = tuple(name for name in COUNTERS if name in columns)
    with_opinions = inspector.has_table("assist_opinions")
    calendar = load_calendar(connection, current_app.config)
    connection.execute(delete(ReportDay))
    pending = defaultdict(dict)
    last = connection.scalar(select(func.max(Ticket.id))) or 0
    for first in range(0, last, chunk):
        tickets = list(_tickets(connection, first, first + chunk, with_opinions))
        if not tickets:
            continue
        # Later tickets count from their creation day on: rows of earlier days are complete,
        # as long as tickets were created in id order (if not, adding them up still holds).
        earliest = min(t.created_at for t, *_ in tickets).astimezone(calendar.tz).date()
        _flush(connection, pending, lambda day, earliest=earliest: day < earliest, counters)
        for ticket, spells, revisits, opinions in tickets:
            cells(ticket, contributions(ticket, spells, revisits, calendar, opinions), pending)
    _flush(connection, pending, lambda day: True, counters)


def add(connection, pending, before=None):
    """Add counted cells {row key: {counter: amount}} (`cells`) of tickets new to the table, such as
    imported history, to its rows through `connection`: the bulk path of `rebuild`. With `before`, only
    the cells of earlier days, taken out of `pending`: a load in order of receipt writes each day's
    rows once it has counted everything of that day, and holds only the days still open."""
    _flush(connection, pending, (lambda day: True) if before is None else (lambda day: day < before))


def _flush(connection, pending, done, counters=COUNTERS):
    """Write the pending rows whose day is `done` straight through the driver.

    A rebuild writes about a million rows: SQLAlchemy's handling of each row's parameters
    would take several times as long as the database takes to store them.
    """
    keys = sorted(key for key in pending if done(key[1]))
    if not keys:
        return
    # The key and the counters written, as columns without the model's defaults: the statement
    # names exactly these, in this order, on a table that may predate later counters (0012).
    names = (*KEY, *counters)
    to_day = ReportDay.__table__.c.day.type.bind_processor(connection.dialect) or (lambda day: day)
    rows = [(key[0], to_day(key[1]), *key[2:], *map(amounts.get, counters, repeat(0)))
            for key, amounts in ((key, pending.pop(key)) for key in keys)]
    if connection.dialect.name == "postgresql":
        _copy_adding(connection, names, counters, rows)
        return
    compiled = _upsert(counters).compile(dialect=connection.dialect)
    if compiled.positional:
        assert tuple(compiled.positiontup) == names
    else:
        rows = [dict(zip(names, row, strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, rows)


def _copy_adding(connection, names, counters, rows):
    """PostgreSQL: the rows COPYed into a temporary table, then added to the table's in one INSERT …
    SELECT … ON CONFLICT, as psycopg would run an executemany as one statement per row."""
    load = table("report_days_load", *map(column, names))
    stmt = postgresql.insert(table(ReportDay.__tablename__, *map(column, names))).from_select(
        names, select(*load.c))
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY), set_={
        name: stmt.table.c[name] + stmt.excluded[name] for name in counters})
    quote = connection.dialect.identifier_preparer.quote
    cursor = connection.connection.driver_connection.cursor()
    # Gone at commit; emptied after each use, as one transaction may load several times.
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS report_days_load (LIKE report_days) ON COMMIT DROP")
    with cursor.copy(f"COPY report_days_load ({', '.join(map(quote, names))}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(stmt.compile(dialect=connection.dialect).string)
    cursor.execute("TRUNCATE report_days_load")


def _tickets(connection, first, last, with_opinions=True):
    """Tickets with first < id <= last, each with its spells, revisits and 协办意见, as plain rows."""
    def rows(ticket_id, *columns):
        return connection.execute(
            select(ticket_id, *columns).where(ticket_id > first, ticket_id <= last)).all()

    A, R, T, OP = Assignment, Revisit, Ticket, AssistOpinion
    spells, revisits, opinions = defaultdict(list), defaultdict(list), defaultdict(list)
    for spell in rows(A.ticket_id, A.department_id, A.started_at, A.sign_due_at, A.signed_at,
                      A.complete_due_at, A.replied_at, A.ended_at, A.end_reason):
        spells[spell.ticket_id].append(spell)
    for revisit in rows(R.ticket_id, R.created_at, R.satisfaction, R.resolved, R.outcome):
        revisits[revisit.ticket_id].append(revisit)
    for opinion in rows(OP.ticket_id, OP.department_id, OP.created_at) if with_opinions else ():
        opinions[opinion.ticket_id].append(opinion)
    for ticket in rows(T.id, T.state, T.created_at, T.final_department_id, T.category_id, T.area,
                       T.channel):
        yield ticket, spells[ticket.id], revisits[ticket.id], opinions[ticket.id]
