"""Sweep bookkeeping on a ticket's clocks: the level reached, the next crossing, the stop.

Each clock (sign, contact, onsite, complete) carries `<kind>_level`, the lateness level the
sweep has acted on, and `<kind>_next_at`, when the sweep must look at it again. The sweep
finds its work with `<kind>_next_at <= now` on an index, so it costs what changes, not what
is open. The listeners below keep both columns true while the workflow service replaces or
reopens clocks, without the service knowing about the sweep.
"""
from sqlalchemy import event
from sqlalchemy.orm.base import NO_VALUE

from hotline.tickets.deadlines import Clock
from hotline.tickets.models import Ticket
from hotline.tickets.service import CLOCK_KINDS

EDGES = ("warn", "due", "severe")  # EDGES[n]: where a clock at LEVELS[n] crosses the next level
# What stops each clock (as in tickets.service.lateness); closing the ticket stops them all.
STOPPED_BY = {
    "sign": ("signed_at",),
    "contact": ("contacted_at", "replied_at"),
    "onsite": ("onsite_at", "replied_at"),
    "complete": ("replied_at",),
}


def clock_of(ticket, kind):
    if getattr(ticket, f"{kind}_due_at") is None:
        return None
    return Clock(*(getattr(ticket, f"{kind}_{edge}_at") for edge in EDGES))


def stopped_at(ticket, kind, ignore=()):
    moments = [getattr(ticket, name) for name in STOPPED_BY[kind] if name not in ignore]
    return min((m for m in moments + [ticket.closed_at] if m is not None), default=None)


def next_crossing(clock, level):
    """When a clock that reached LEVELS[level] crosses the next level; None after the last."""
    return getattr(clock, f"{EDGES[level]}_at") if level < len(EDGES) else None


def _clock_replaced(kind):
    # warn_at changes whenever the service replaces a clock (dispatch, redo, extension,
    # return): the new clock starts from on_time, to be looked at when it warns.
    def reset(ticket, value, oldvalue, initiator):
        if value != oldvalue:
            setattr(ticket, f"{kind}_level", 0)
            setattr(ticket, f"{kind}_next_at", value)
    return reset


for _kind in CLOCK_KINDS:
    event.listen(getattr(Ticket, f"{_kind}_warn_at"), "set", _clock_replaced(_kind),
                 active_history=True)


@event.listens_for(Ticket.replied_at, "set", active_history=True)
def _reply_withdrawn(ticket, value, oldvalue, initiator):
    """A rejected reply (退回重办) restarts the clocks it stopped, from the level they had."""
    if value is not None or oldvalue is None or oldvalue is NO_VALUE:
        return
    for kind, stoppers in STOPPED_BY.items():
        clock = clock_of(ticket, kind)
        if ("replied_at" not in stoppers or clock is None
                or getattr(ticket, f"{kind}_next_at") is not None
                or stopped_at(ticket, kind, ignore=("replied_at",)) is not None):
            continue
        setattr(ticket, f"{kind}_next_at", next_crossing(clock, getattr(ticket, f"{kind}_level")))
