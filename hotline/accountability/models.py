"""Accountability records: a missed deadline of one assignment, its explanation and verdict."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets.models import Assignment, Ticket
from hotline.timeutil import UTCDateTime, utcnow


class AccountabilityRecord(db.Model):
    """Unique per assignment and deadline kind: a redo's new deadline may be missed anew."""

    __tablename__ = "accountability_records"
    __table_args__ = (
        UniqueConstraint("assignment_id", "kind"),
        Index("ix_accountability_department_status", "department_id", "status"),
        Index("ix_accountability_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(10))  # sign | contact | onsite | complete
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the late step is finally done (or the assignment ends without it); until then
    # lateness runs on, and the deadline sweep looks such records up by this index.
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    late_minutes: Mapped[int | None]
    severity: Mapped[str] = mapped_column(String(20), default="overdue")
    status: Mapped[str] = mapped_column(String(10), default="open")
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    assignment: Mapped[Assignment] = relationship()
    department: Mapped[Department] = relationship()
