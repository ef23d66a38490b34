"""The deadline sweep (SPEC §4–5): warn, mark overdue, hold to account, urge, escalate.

Idempotent: a clock's level and next crossing (hotline/tickets/deadlines.py) say what has been
done, so a second sweep at the same moment finds nothing, and a sweep after downtime
catches up in one pass. One accountability record per assignment and deadline kind; one
notification per ticket, level and deadline; one automatic urge when a record is made.
"""
from collections import Counter, defaultdict

from sqlalchemy import and_, bindparam, func, insert, or_, select, union, update

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.calendar import local_tz, policy_for, work_calendar
from hotline.extensions import db
from hotline.labels import DEADLINE_KINDS, LATENESS
from hotline.notifications.models import Notification
from hotline.notifications.service import notice, send
from hotline.tickets.deadlines import (
    CLOCK_KINDS,
    LEVELS,
    STOPPED_BY,
    clock_of,
    next_crossing,
    stopped_at,
)
from hotline.tickets.models import Assignment, Ticket, TicketEvent
from hotline.tickets.signals import tickets_overdue
from hotline.tickets.workflow import Role

WARNING, OVERDUE = LEVELS.index("warning"), LEVELS.index("overdue")
SYSTEM_ACTOR = "system"
# Tickets locked and loaded per round trip; keeps IN lists well inside every driver's limits.
CHUNK = 500


def deadline_sweep(now):
    crossing = union(*(
        select(Ticket.id).where(getattr(Ticket, f"{kind}_next_at") <= now) for kind in CLOCK_KINDS
    ))
    ids = sorted(db.session.scalars(crossing))
    summary = Counter()
    for start in range(0, len(ids), CHUNK):
        _Batch(ids[start:start + CHUNK], now, summary).run()
    summary["records_closed"] = close_records(now)
    db.session.flush()
    return {"tickets": len(ids), **summary}


# The columns the sweep reads: rows, not ORM objects, so a thousand crossings stay cheap.
COLUMNS = ["id", "number", "state", "version", "closed_at",
           *{name for stoppers in STOPPED_BY.values() for name in stoppers},
           *(f"{kind}_{part}" for kind in CLOCK_KINDS
             for part in ("warn_at", "due_at", "severe_at", "level", "next_at"))]


class _Batch:
    """Tickets locked in id order, with their current assignments and what already exists."""

    def __init__(self, ids, now, summary):
        self.now, self.summary = now, summary
        self.tz = local_tz()
        self.tickets = db.session.execute(
            select(*(getattr(Ticket, c) for c in COLUMNS)).where(Ticket.id.in_(ids))
            .order_by(Ticket.id).with_for_update()
        ).all()
        latest = select(func.max(Assignment.id)).where(Assignment.ticket_id.in_(ids)).group_by(
            Assignment.ticket_id)
        self.assignments = {
            ticket_id: (assignment_id, department_id)
            for ticket_id, assignment_id, department_id in db.session.execute(
                select(Assignment.ticket_id, Assignment.id, Assignment.department_id)
                .where(Assignment.id.in_(latest)))
        }
        self.records = {
            (r.assignment_id, r.kind): r
            for r in db.session.scalars(select(AccountabilityRecord).where(
                AccountabilityRecord.assignment_id.in_([a for a, _ in self.assignments.values()])))
        }
        self.notified = set(db.session.execute(
            select(Notification.ticket_id, Notification.kind, Notification.deadline,
                   Notification.due_at).where(Notification.ticket_id.in_(ids))).tuples())
        self.changes, self.new_records, self.new_events, self.new_notices = {}, [], [], []
        self.overdue = []  # (ticket id, the deadline kinds that have just run out)

    def run(self):
        for ticket in self.tickets:
            newly_overdue = [kind for kind in CLOCK_KINDS if self.advance(ticket, kind)]
            if newly_overdue:
                self.urge(ticket, newly_overdue)
                self.overdue.append((ticket.id, newly_overdue))
        self.write()
        tickets_overdue.send(self.now, crossings=self.overdue)

    def write(self):
        """Everything in a few executemany statements (ORM flushes cost seconds per thousand)."""
        by_columns = defaultdict(list)
        for ticket_id, values in self.changes.items():
            by_columns[tuple(sorted(values))].append({"ticket_id": ticket_id, **values})
        table = Ticket.__table__
        for columns, rows in by_columns.items():
            db.session.execute(update(table).where(table.c.id == bindparam("ticket_id"))
                               .values({c: bindparam(c) for c in columns}), rows)
        for model, rows in ((AccountabilityRecord, self.new_records), (TicketEvent, self.new_events)):
            if rows:
                db.session.execute(insert(model), rows)
        send(self.new_notices)

    def advance(self, ticket, kind):
        """Bring one clock to its level now; True if it has just become overdue and runs on."""
        next_at = getattr(ticket, f"{kind}_next_at")
        if next_at is None or next_at > self.now:
            return False
        clock, stop = clock_of(ticket, kind), stopped_at(ticket, kind)
        old = getattr(ticket, f"{kind}_level")
        # A stopped clock is judged once, at the moment it stopped, and then left alone.
        new = LEVELS.index(clock.level(self.now, stop))
        self.changes.setdefault(ticket.id, {}).update({
            f"{kind}_level": new,
            f"{kind}_next_at": None if stop else next_crossing(clock, new),
        })
        self.summary[f"{kind}_{LEVELS[new]}"] += 1
        created = new >= OVERDUE and self.hold_to_account(ticket, kind, clock, LEVELS[new])
        if stop is None and new > old and new >= WARNING:
            self.notify(ticket, kind, clock, LEVELS[new])
        return created and stop is None

    def hold_to_account(self, ticket, kind, clock, level):
        assignment_id, department_id = self.assignments[ticket.id]
        record = self.records.get((assignment_id, kind))
        if record is not None and record.status == "withdrawn":
            # A calendar change had made it wrong; the clock, recomputed, has now run out after all.
            record.status, record.due_at, record.detected_at, record.severity = "open", clock.due_at, self.now, level
            self.summary["records"] += 1
            return True
        if record is not None:
            if level == "severely_overdue":
                record.severity = level
            return False
        self.new_records.append(dict(
            ticket_id=ticket.id, assignment_id=assignment_id, department_id=department_id,
            kind=kind, due_at=clock.due_at, detected_at=self.now, severity=level, status="open",
        ))
        self.summary["records"] += 1
        return True

    def notify(self, ticket, kind, clock, level):
        key = (ticket.id, level, kind, clock.due_at)
        if key in self.notified:
            return
        self.notified.add(key)
        due = clock.due_at.astimezone(self.tz)
        text = f"工单 {ticket.number} {DEADLINE_KINDS[kind]}{LATENESS[level]}（时限 {due:%Y-%m-%d %H:%M}）"
        recipients = [{"department_id": self.assignments[ticket.id][1]}]
        if level == "severely_overdue":
            recipients.append({"role": str(Role.SUPERVISOR)})  # 通报: management hears of it too
        for recipient in recipients:
            self.new_notices.append(notice(level, text, self.now, ticket_id=ticket.id, deadline=kind,
                                           due_at=clock.due_at, **recipient))
            self.summary["notifications"] += 1

    def urge(self, ticket, kinds):
        """The automatic 催办, appended like any workflow event (SPEC §3: the scheduler urges)."""
        labels = "、".join(DEADLINE_KINDS[k] for k in kinds)
        self.new_events.append(dict(
            ticket_id=ticket.id, action="urge", from_state=ticket.state, to_state=ticket.state,
            actor_id=None, actor_name=SYSTEM_ACTOR, note=f"系统自动催办：{labels}已超期",
            data={"automatic": True, "deadlines": kinds}, created_at=self.now,
        ))
        # The row is locked: its version can be raised here as the service would.
        self.changes[ticket.id].update(version=ticket.version + 1, updated_at=self.now)
        self.summary["urges"] += 1


def close_records(now):
    """Fill met_at and late_minutes of records whose late step is done or whose spell ended."""
    record, ticket, assignment = AccountabilityRecord, Ticket, Assignment
    rows = db.session.execute(
        select(record, ticket, assignment)
        .join(ticket, record.ticket_id == ticket.id)
        .join(assignment, record.assignment_id == assignment.id)
        .where(record.met_at.is_(None), or_(
            assignment.ended_at.is_not(None),
            and_(record.kind == "sign", assignment.signed_at.is_not(None)),
            and_(record.kind == "contact", ticket.contacted_at.is_not(None)),
            and_(record.kind == "onsite", ticket.onsite_at.is_not(None)),
            ticket.reply_approved_at.is_not(None),
        ))
    ).tuples().all()
    policies, closed = {}, 0
    for rec, t, a in rows:
        end = _lateness_end(rec.kind, t, a)
        if end is None or end > now:
            continue
        if (t.urgency, t.type) not in policies:
            policies[t.urgency, t.type] = policy_for(t.urgency, t.type)
        limit = getattr(policies[t.urgency, t.type], rec.kind)
        if limit is None or limit.unit == "clock_minutes":
            minutes = (end - rec.due_at).total_seconds() / 60
        else:
            minutes = work_calendar().working_minutes_between(rec.due_at, end)
        rec.met_at, rec.late_minutes = end, max(0, round(minutes))
        closed += 1
    return closed


def _lateness_end(kind, ticket, assignment):
    """When lateness stopped: the step done, else the end of the department's spell."""
    if assignment.ended_at is not None:
        done = assignment.signed_at if kind == "sign" else assignment.replied_at
        return min(m for m in (done, assignment.ended_at) if m is not None)
    if kind == "sign":
        return assignment.signed_at
    # A reply counts once approved: a rejected one (退回重办) leaves the deadline running.
    reply = ticket.replied_at if ticket.reply_approved_at is not None else None
    own = {"contact": ticket.contacted_at, "onsite": ticket.onsite_at}.get(kind)
    return min((m for m in (own, reply) if m is not None), default=None)
