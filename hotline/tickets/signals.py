"""What the workflow service announces about each ticket change, inside its transaction.

Subscribers (the report counters, later notifications and webhooks) run synchronously in the
same session, so what they write commits or rolls back with the change itself.
"""
from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace

_signals = Namespace()
# Before a workflow action changes a ticket (not sent on creation).
ticket_changing = _signals.signal("ticket-changing")
# After a ticket was created ("create") or changed by a workflow action.
ticket_changed = _signals.signal("ticket-changed")
# The deadline sweep, in its transaction: send(now, crossings=[(ticket id, [deadline kinds])]) for the
# clocks that have just run out (each with its new accountability record).
tickets_overdue = _signals.signal("tickets-overdue")


@dataclass
class TicketChange:
    ticket: object
    action: str
    actor: object
    now: datetime
    from_state: str | None
    # What a subscriber noted on ticket_changing, under its own key, for ticket_changed.
    memo: dict = field(default_factory=dict)
