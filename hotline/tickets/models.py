"""Tickets, their append-only events, dispatch assignments, extensions and revisits."""
from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, SmallInteger, String, Table, Text, event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

import hotline.auth.models  # noqa: F401  (users must be mapped before tickets refer to them)
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.labels import URGENCIES
from hotline.timeutil import UTCDateTime, utcnow


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_state_created", "state", "created_at"),
        Index("ix_tickets_department_state", "department_id", "state"),
        Index("ix_tickets_caller_phone", "caller_phone"),
        # How many calls were merged into the tickets of an incident (intake's 同一事项已有 N 次来电).
        Index("ix_tickets_duplicate_of_id", "duplicate_of_id"),
        # A civic app's requests, newest first (GET /open311/v2/requests with a key of scope own).
        Index("ix_tickets_open311_key_created", "open311_key_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(12))
    caller_name: Mapped[str | None] = mapped_column(String(50))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    caller_id_number: Mapped[str | None] = mapped_column(String(18))
    # When the caller's name, phone and ID number were removed at the end of the retention period.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_enterprise: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    area: Mapped[str | None] = mapped_column(String(50), index=True)
    type: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    # What the urgency model detected at intake, and why an operator chose a lower level (SPEC §6).
    detected_urgency: Mapped[str | None] = mapped_column(String(10))
    urgency_reason: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    state: Mapped[str] = mapped_column(String(20), default="received")
    version: Mapped[int] = mapped_column(default=1)
    reopen_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    answer: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(20))
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    resolved: Mapped[bool | None]
    revisit_attempts: Mapped[int] = mapped_column(default=0)
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    state_before_return: Mapped[str | None] = mapped_column(String(20))
    extension_days: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadline clocks started at dispatch (SPEC §4), each with its lateness thresholds.
    sign_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_severe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_severe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_severe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_severe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisit_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadline-sweep bookkeeping (hotline/tickets/deadlines.py): per clock, the lateness level the
    # sweep has acted on (index into LEVELS) and when it next crosses one (NULL: nothing left).
    sign_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    sign_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    contact_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    contact_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    onsite_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    onsite_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    complete_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    complete_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    # What the classifier suggested and what the people finally chose (training data).
    suggested_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    suggested_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    suggested_probability: Mapped[float | None]
    suggested_model_version: Mapped[str | None] = mapped_column(String(40))
    suggestions: Mapped[dict | None] = mapped_column(JSON)
    final_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    final_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # A person chose or accepted category_id (workbench intake/dispatch, or given through the API):
    # only such labels train the models.
    category_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Imported history (hotline/tickets/importer.py): the original 工单编号, or a hash of the row
    # when the file has none, so that importing a file again adds nothing; and when it was imported.
    source_ref: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The Open311 API key a civic app filed the ticket with (hotline/open311/), if any.
    open311_key_id: Mapped[int | None] = mapped_column(ForeignKey("open311_keys.id"))
    # The revisitor calling the citizen now, until when (hotline/revisits/service.py).
    revisit_claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revisit_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[Category | None] = relationship(foreign_keys=[category_id])
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    duplicate_of: Mapped["Ticket | None"] = relationship(remote_side=[id])
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="ticket", order_by="Assignment.id"
    )
    extensions: Mapped[list["ExtensionRequest"]] = relationship(order_by="ExtensionRequest.id")
    revisits: Mapped[list["Revisit"]] = relationship(order_by="Revisit.id")
    assist_opinions: Mapped[list["AssistOpinion"]] = relationship(order_by="AssistOpinion.id")

    @property
    def current_assignment(self):
        if self.department_id is None or not self.assignments:
            return None
        return self.assignments[-1]

    @property
    def assisting_department_ids(self):
        current = self.current_assignment
        return sorted(d.id for d in current.assisting) if current else []

    @property
    def urgency_lowered(self):
        """The operator chose a lower level than the one detected (normal < urgent < emergency)."""
        order = list(URGENCIES)
        return self.detected_urgency is not None and order.index(self.urgency) < order.index(self.detected_urgency)

    @property
    def suggested_assisting_ids(self):
        """The assisting departments (协办) the catalogue gave the suggested lead, to pre-fill dispatch."""
        suggested = (self.suggestions or {}).get("assisting_departments") or ()
        return [d["department_id"] for d in suggested]

    @property
    def pending_extension(self):
        return next((e for e in self.extensions if e.status == "pending"), None)


class TicketEvent(db.Model):
    """One step of a ticket's history; rows are written once and never changed."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


@event.listens_for(TicketEvent, "before_update")
@event.listens_for(TicketEvent, "before_delete")
def _refuse_history_change(mapper, connection, target):
    raise RuntimeError("ticket events are append-only")


assignment_assists = Table(
    "assignment_assists",
    db.Model.metadata,
    Column("assignment_id", ForeignKey("assignments.id"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)


class Assignment(db.Model):
    """One spell of a ticket with a lead department: a dispatch, a re-dispatch or a redo."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_department_ticket", "department_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(12))  # dispatch | redo
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # returned | revisited | merged

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")
    department: Mapped[Department] = relationship()
    assisting: Mapped[list[Department]] = relationship(secondary=assignment_assists)


class AssistOpinion(db.Model):
    """An assisting department's opinion (协办意见) on the spell it assists, shown to the lead."""

    __tablename__ = "assist_opinions"
    # Reports count them by day and by the department that wrote them.
    __table_args__ = (Index("ix_assist_opinions_created_department", "created_at", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class Revisit(db.Model):
    __tablename__ = "revisits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    satisfaction: Mapped[str] = mapped_column(String(20))
    resolved: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))  # closed | redo | retry
    revisitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketSequence(db.Model):
    """Per-day counter behind human-readable numbers such as 20261127-000123."""

    __tablename__ = "ticket_sequences"

    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

