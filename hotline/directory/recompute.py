"""The calendar_recompute job: open tickets' deadlines redone after a calendar or working-hours change.

A change request only queues a CalendarRecompute row; this job (every minute in the scheduler,
or `flask --app wsgi jobs run calendar_recompute`) returns at once while none is pending. Otherwise
it recomputes every clock of each open ticket's current spell from the spell's start, as the
calendar now stands, with the ticket's policy and approved extension days (the service's
spell_clocks, as dispatch and extension use). Where a clock moved it rewrites the ticket's and
the assignment's due times, lowers a lateness level the change undid (the sweep raises levels
itself at its next pass), withdraws accountability records that the new clock says were not
late when detected, and appends a "recompute" event with old → new due times. The report
counters are then recounted. Running it twice changes nothing the second time.
"""
from collections import Counter

from flask import current_app
from sqlalchemy import select

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.calendar import local_tz, pending_recomputes, work_calendar
from hotline.extensions import db
from hotline.jobs.sweep import SYSTEM_ACTOR
from hotline.labels import DEADLINE_KINDS
from hotline.reports.daily import rebuild
from hotline.tickets.deadlines import (
    CLOCK_KINDS,
    EDGES,
    LEVELS,
    clock_of,
    next_crossing,
    stopped_at,
)
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.service import spell_clocks
from hotline.tickets.workflow import OPEN_STATES, State

OVERDUE = LEVELS.index("overdue")
CHUNK = 500
OTHER_LABELS = {"return_due_at": "退单申请时限", "revisit_due_at": "回访时限"}


def calendar_recompute(now):
    pending = pending_recomputes()
    if not pending:
        return {"pending": 0}
    calendar = work_calendar()
    ids = db.session.scalars(select(Ticket.id).where(
        Ticket.department_id.is_not(None), Ticket.closed_at.is_(None), Ticket.state.in_(OPEN_STATES),
    ).order_by(Ticket.id)).all()
    summary = Counter()
    for start in range(0, len(ids), CHUNK):
        tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids[start:start + CHUNK]))
                                     .order_by(Ticket.id).with_for_update()).all()
        records = _open_records(tickets)
        for ticket in tickets:
            summary.update(recompute_ticket(ticket, calendar, now, records))
    # Handling times of replied spells depend on the calendar too, so everything is recounted, from the
    # rows as just moved: the recount reads the tables through the connection, which does not flush.
    db.session.flush()
    rebuild(db.session.connection())
    for row in pending:
        row.done_at = now
    db.session.flush()
    return {"pending": len(pending), "checked": len(ids), **summary}


def _open_records(tickets):
    return {(r.assignment_id, r.kind): r for r in db.session.scalars(select(AccountabilityRecord).where(
        AccountabilityRecord.ticket_id.in_([t.id for t in tickets]),
        AccountabilityRecord.status != "withdrawn"))}


def recompute_ticket(ticket, calendar, now, records):
    """Bring one ticket's deadlines in line with `calendar`; {counter: n} of what it changed."""
    spell = ticket.current_assignment
    if spell is None or spell.ended_at is not None:
        return {}
    clocks = spell_clocks(ticket, calendar, spell.started_at, ticket.extension_days)
    moved = {kind: (clock_of(ticket, kind), clocks.get(kind)) for kind in CLOCK_KINDS
             if clock_of(ticket, kind) != clocks.get(kind)}
    others = _other_due_times(ticket, spell, calendar)
    if not moved and not others:
        return {}
    for name, value in recomputed_marks(ticket, clocks, now).items():
        setattr(ticket, name, value)
    for kind in CLOCK_KINDS:
        for edge in EDGES:
            clock = clocks.get(kind)
            setattr(ticket, f"{kind}_{edge}_at", getattr(clock, f"{edge}_at") if clock else None)
    for name, (_, new) in others.items():
        setattr(ticket, name, new)
    spell.sign_due_at, spell.complete_due_at = clocks["sign"].due_at, clocks["complete"].due_at
    withdrawn = _correct_records(ticket, spell, clocks, now, records)
    _record_event(ticket, moved, others, withdrawn, now)
    return {"tickets": 1, "withdrawn": len(withdrawn)}


def _other_due_times(ticket, spell, calendar):
    """{column: (old, new)} of the return window and revisit due times the change moves."""
    config = current_app.config
    wanted = {}
    if ticket.return_due_at is not None:
        wanted["return_due_at"] = calendar.add_working_days(spell.started_at, config["HOTLINE_RETURN_WINDOW_DAYS"])
    if ticket.state == State.PENDING_REVISIT and ticket.reply_approved_at is not None:
        wanted["revisit_due_at"] = calendar.add_working_days(ticket.reply_approved_at, config["HOTLINE_REVISIT_DAYS"])
    return {name: (getattr(ticket, name), new) for name, new in wanted.items() if getattr(ticket, name) != new}


def recomputed_marks(ticket, clocks, now):
    """The sweep bookkeeping for recomputed clocks replacing the ticket's: {column: value}.

    Unlike a new spell (deadlines.sweep_marks) a recomputed clock keeps what the sweep did
    unless the change undid it: the level falls to what the new clock says at `now`, never
    rises here; a level the new clock reached sooner is left for the sweep's next pass, which
    then warns and holds to account as usual.
    """
    marks = {}
    for kind in CLOCK_KINDS:
        new = clocks.get(kind)
        if new == clock_of(ticket, kind):
            continue
        if new is None:
            marks[f"{kind}_level"], marks[f"{kind}_next_at"] = 0, None
            continue
        stop = stopped_at(ticket, kind)
        had, judged = getattr(ticket, f"{kind}_level"), LEVELS.index(new.level(now, stop))
        level = min(had, judged)
        settled = stop is not None and judged <= had
        marks[f"{kind}_level"] = level
        marks[f"{kind}_next_at"] = None if settled else next_crossing(new, level)
    return marks


def _correct_records(ticket, spell, clocks, now, records):
    """Withdraw the spell's records the new clocks say were not late when detected; move the rest."""
    withdrawn = []
    for kind, clock in clocks.items():
        record = records.get((spell.id, kind))
        if record is None or record.due_at == clock.due_at:
            continue
        stop = stopped_at(ticket, kind)
        at_detection = clock.level(record.detected_at, stop if stop and stop <= record.detected_at else None)
        if LEVELS.index(at_detection) < OVERDUE:
            record.status = "withdrawn"
            withdrawn.append(kind)
        else:
            # The next sweep recounts how late the step was against the new due time.
            record.due_at, record.met_at, record.late_minutes = clock.due_at, None, None
            if LEVELS.index(clock.level(now, stop)) >= OVERDUE:
                record.severity = clock.level(now, stop)
    return withdrawn


def _record_event(ticket, moved, others, withdrawn, now):
    tz = local_tz()

    def shown(moment):
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "无"

    parts = [f"{DEADLINE_KINDS[kind]}时限 {shown(old.due_at if old else None)} → {shown(new.due_at if new else None)}"
             for kind, (old, new) in moved.items() if (old and old.due_at) != (new and new.due_at)]
    parts += [f"{OTHER_LABELS[name]} {shown(old)} → {shown(new)}" for name, (old, new) in others.items()]
    parts += [f"撤销{DEADLINE_KINDS[kind]}超期追责记录" for kind in withdrawn]
    ticket.version += 1
    ticket.updated_at = now
    db.session.add(TicketEvent(
        ticket=ticket, action="recompute", from_state=ticket.state, to_state=ticket.state, actor_id=None,
        actor_name=SYSTEM_ACTOR, created_at=now,
        note="工作日历调整，时限重算：" + ("；".join(parts) or "预警与严重超期时点调整"),
        data={"due": {kind: [old and old.due_at.isoformat(), new and new.due_at.isoformat()]
                      for kind, (old, new) in moved.items()},
              "withdrawn": withdrawn},
    ))

