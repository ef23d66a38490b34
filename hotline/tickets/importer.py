"""Importing historical tickets (`flask --app wsgi tickets import`): the whole file checked first,
then written in batches, outside the live workflow.

An imported ticket keeps its times, department, category (confirmed: a label retraining learns
from), outcome, satisfaction and final state; it gets our own number, from the day sequence of
its receipt date, and keeps the original number (or a hash of its row) in `source_ref`, so a
second import of the same file adds nothing. No clock runs on it (its deadline columns stay
empty, so the sweep never sees it), no notification or revisit is queued and no accountability
record is made. A dispatched ticket gets its one dispatch spell, with the due times its policy
gave at dispatch, and a revisit when the file records satisfaction, so that the report counters
(reports/daily.py) count it for its own dates: they are moved in the same transaction, the way
the workflow's signals move them.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import column, insert, select
from sqlalchemy import table as sql_table

from hotline.audit import service as audit
from hotline.directory.calendar import local_tz, policy_for, work_calendar
from hotline.directory.models import Category, Department
from hotline.errors import Forbidden
from hotline.extensions import db
from hotline.reports import daily
from hotline.tickets import import_rows
from hotline.tickets.import_rows import RowError, Validator
from hotline.tickets.models import Assignment, Revisit, Ticket, TicketEvent, TicketSequence
from hotline.tickets.workflow import Role, State
from hotline.timeutil import utcnow

CHUNK = 2000  # rows per INSERT batch
LOOKUP_CHUNK = 500  # values per IN (...) when looking up what exists
PROGRESS_EVERY = 10_000


@dataclass
class ImportReport:
    file: str
    ignored_columns: tuple = ()
    rows: int = 0
    errors: list = field(default_factory=list)  # (line, [reasons]) in line order
    valid: int = 0
    existing: int = 0  # valid rows imported before, by an earlier run
    imported: int = 0
    numbers: tuple = ()  # the first and last number given


def import_tickets(path, actor, mapping=None, dry_run=False, skip_bad=False, progress=None, now=None):
    """Check every row of the file; unless it is a dry run, or a row is bad and not `skip_bad`,
    write the valid rows not imported before. `progress(stage, done, total)` hears of the work.
    The caller commits."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("只有系统管理员可以导入历史工单")
    now = now or utcnow()
    header, rows = import_rows.read_table(path)
    cols = import_rows.columns(header, mapping)
    report = ImportReport(Path(path).name, cols.ignored)
    good = _checked(rows, cols, Validator(_departments(), _categories(), local_tz(), now),
                    report, progress)
    known = _known_refs([t["source_ref"] for t in good])
    fresh = [t for t in good if t["source_ref"] not in known]
    report.valid, report.existing = len(good), len(good) - len(fresh)
    if dry_run or (report.errors and not skip_bad) or not fresh:
        return report
    _write(fresh, actor, now, report, progress)
    audit.record(actor, "ticket", f"import:{report.file}"[:64], "import", now=now, after={
        "file": report.file, "rows": report.rows, "imported": report.imported, "existing": report.existing,
        "bad_lines": [line for line, _ in report.errors][:1000], "numbers": list(report.numbers)})
    return report


def _checked(rows, cols, validator, report, progress):
    good, seen = [], {}
    for line, cells in rows:
        report.rows += 1
        try:
            ticket = validator.check(import_rows.values(cells, cols))
        except RowError as error:
            report.errors.append((line, error.reasons))
        else:
            first = seen.setdefault(ticket["source_ref"], line)
            if first == line:
                good.append(ticket)
            elif ticket["source_ref"].startswith("row:"):
                report.errors.append((line, [f"与第 {first} 行内容完全相同"]))
            else:
                report.errors.append((line, [f"工单编号“{ticket['source_ref']}”与第 {first} 行重复"]))
        if progress and report.rows % PROGRESS_EVERY == 0:
            progress("checked", report.rows, None)
    if progress:
        progress("checked", report.rows, report.rows)
    return good


def _departments():
    rows = db.session.execute(select(Department.id, Department.code, Department.name)).all()
    # Departments disabled since keep their history: the file may name them.
    return import_rows.lookup_table((i, code, name, None) for i, code, name in rows)


def _categories():
    rows = db.session.execute(select(Category.id, Category.parent_id, Category.code, Category.name)).all()
    by_id = {row.id: row for row in rows}

    def path(row):
        names = []
        while row is not None:
            names.append(row.name)
            row = by_id.get(row.parent_id)
        return " / ".join(reversed(names))

    return import_rows.lookup_table((row.id, row.code, row.name, path(row)) for row in rows)


def _known_refs(refs):
    known = set()
    for chunk in _chunks(refs, LOOKUP_CHUNK):
        known.update(db.session.scalars(select(Ticket.source_ref).where(Ticket.source_ref.in_(chunk))))
    return known


def _chunks(items, size):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- writing ---------------------------------------------------------------------------

def _write(tickets, actor, now, report, progress):
    calendar = work_calendar()
    tickets.sort(key=lambda t: t["created_at"])  # numbers in order of receipt, as intake gives them
    numbers = _reserve_numbers(Counter(t["created_at"].astimezone(calendar.tz).date() for t in tickets))
    policies, counters = {}, defaultdict(dict)
    for chunk in _chunks(tickets, CHUNK):
        for ticket in chunk:
            day = ticket["created_at"].astimezone(calendar.tz).date()
            ticket["number"] = f"{day:%Y%m%d}-{next(numbers[day]):06d}"
        _insert(Ticket.__table__, [_ticket_row(t, actor, now) for t in chunk])
        ids = _ids([t["source_ref"] for t in chunk])
        spells, revisits, events = [], [], []
        for ticket in chunk:
            ticket_id = ids[ticket["source_ref"]]
            spell = _spell(ticket_id, ticket, calendar, policies)
            revisit = _revisit(ticket_id, ticket, actor) if spell and ticket["satisfaction"] else None
            spells += [spell] if spell else []
            revisits += [revisit] if revisit else []
            events.append(_event(ticket_id, ticket, actor, now, report.file))
            row = SimpleNamespace(**ticket, final_department_id=ticket["department_id"])
            daily.cells(row, daily.contributions(
                row, [SimpleNamespace(**s) for s in ([spell] if spell else [])],
                [SimpleNamespace(**revisit)] if revisit else [], calendar), counters)
        for model, rows in ((Assignment, spells), (Revisit, revisits), (TicketEvent, events)):
            if rows:
                _insert(model.__table__, rows)
        # Later tickets count from the receipt day of this batch's last (`day`) on: the report rows of
        # earlier days are complete, and written now, one upsert for the batch.
        daily.add(db.session.connection(), counters, before=day)
        report.imported += len(chunk)
        if progress:
            progress("written", report.imported, len(tickets))
    daily.add(db.session.connection(), counters)
    report.numbers = (tickets[0]["number"], tickets[-1]["number"])


def _insert(table, rows):
    """INSERT rows (dicts with the same keys) straight through the driver: COPY on PostgreSQL, where
    psycopg would run an executemany as one statement per row, else one executemany of tuples.
    SQLAlchemy's handling of each row's parameters would take longer than storing them (and the ORM
    would split a batch wherever a row's NULLs differ from the last row's)."""
    connection = db.session.connection()
    dialect = connection.dialect
    # The driver knows nothing of the model's Python-side defaults (version 1, counts 0): supply them.
    defaults = {c.name: c.default.arg(None) if c.default.is_callable else c.default.arg
                for c in table.columns if c.name not in rows[0] and c.default is not None and not c.primary_key}
    given = list(rows[0])
    names = [*given, *defaults]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    values = (tuple(value if process is None or value is None else process(value)
                    for value, process in zip((*map(row.__getitem__, given), *defaults.values()), processors,
                                              strict=True)) for row in rows)
    if dialect.name == "postgresql":
        quote = dialect.identifier_preparer.quote
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    compiled = insert(sql_table(table.name, *map(column, names))).compile(dialect=dialect)
    if compiled.positional:
        assert list(compiled.positiontup) == names
        values = list(values)
    else:
        values = [dict(zip(names, row, strict=True)) for row in values]
    connection.exec_driver_sql(compiled.string, values)


def _ids(refs):
    """{source_ref: id} of the tickets just written: writing without RETURNING (COPY or a plain
    executemany), then one look-up per batch, is several times faster than INSERT … RETURNING in order."""
    ids = {}
    for chunk in _chunks(refs, LOOKUP_CHUNK):
        ids.update(db.session.execute(select(Ticket.source_ref, Ticket.id).where(Ticket.source_ref.in_(chunk))).all())
    return ids


def _reserve_numbers(per_day):
    """{day: iterator of the next numbers of that day's sequence}, `per_day[day]` of them reserved
    (the sequence rows locked until commit, as intake's _next_number locks them)."""
    rows = {}
    for days in _chunks(sorted(per_day), LOOKUP_CHUNK):
        rows.update((row.day, row) for row in db.session.scalars(
            select(TicketSequence).where(TicketSequence.day.in_(days)).with_for_update()))
    starts = {}
    for day, count in per_day.items():
        row = rows.get(day)
        if row is None:
            row = TicketSequence(day=day, last=0)
            db.session.add(row)
        starts[day] = iter(range(row.last + 1, row.last + count + 1))
        row.last += count
    db.session.flush()
    return starts


TICKET_COLUMNS = ("channel", "caller_name", "caller_phone", "caller_id_number", "is_enterprise", "subject",
                  "content", "address", "area", "type", "urgency", "category_id", "department_id", "state",
                  "answer", "result", "outcome", "satisfaction", "resolved", "invalid_reason", "created_at",
                  "dispatched_at", "signed_at", "replied_at", "closed_at", "source_ref", "number")


def _ticket_row(ticket, actor, now):
    return {**{name: ticket[name] for name in TICKET_COLUMNS},
            "final_department_id": ticket["department_id"], "final_category_id": ticket["category_id"],
            # A person filed the ticket under this category: a label for retraining (routing/training.py).
            "category_confirmed": ticket["category_id"] is not None,
            "created_by_id": actor.id, "updated_at": now, "imported_at": now}


def _spell(ticket_id, ticket, calendar, policies):
    """The dispatch spell of a closed ticket, its due times as the policy gave them at dispatch."""
    if ticket["state"] != State.CLOSED:
        return None
    key = ticket["urgency"], ticket["type"]
    if key not in policies:
        policies[key] = policy_for(*key)
    start = ticket["dispatched_at"]
    return {"ticket_id": ticket_id, "department_id": ticket["department_id"], "kind": "dispatch",
            "started_at": start, "sign_due_at": policies[key].sign.due(calendar, start),
            "signed_at": ticket["signed_at"], "complete_due_at": policies[key].complete.due(calendar, start),
            "replied_at": ticket["replied_at"], "ended_at": ticket["closed_at"],
            # Closed after a revisit when the file says how satisfied the citizen was.
            "end_reason": "revisited" if ticket["satisfaction"] else "imported"}


def _revisit(ticket_id, ticket, actor):
    # Stamped with the spell's end, as the workflow stamps the revisit that closes a ticket.
    return {"ticket_id": ticket_id, "satisfaction": ticket["satisfaction"], "resolved": ticket["resolved"],
            "note": "历史导入", "outcome": "closed", "revisitor_id": actor.id, "created_at": ticket["closed_at"]}


def _event(ticket_id, ticket, actor, now, file):
    ref = ticket["source_ref"]
    original = "" if ref.startswith("row:") else f"，原编号 {ref}"
    return {"ticket_id": ticket_id, "action": "import", "from_state": None, "to_state": ticket["state"],
            "actor_id": actor.id, "actor_name": actor.username, "note": f"导入历史工单（{file}{original}）",
            "data": {"source_ref": ref, "file": file}, "created_at": now}
