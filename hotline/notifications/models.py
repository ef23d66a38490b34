"""A notification addressed to a department, a user or every holder of a role."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.tickets.models import Ticket
from hotline.timeutil import UTCDateTime, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("recipient_department_id IS NOT NULL OR recipient_user_id IS NOT NULL"
                        " OR recipient_role IS NOT NULL", name="recipient"),
        Index("ix_notifications_department_read", "recipient_department_id", "read_at"),
        Index("ix_notifications_user_read", "recipient_user_id", "read_at"),
        Index("ix_notifications_role_read", "recipient_role", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_role: Mapped[str | None] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[str | None] = mapped_column(String(10))  # sign | contact | onsite | complete | revisit
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ticket: Mapped[Ticket | None] = relationship()


# One notice per ticket, kind, deadline and addressed role: a job that runs twice cannot repeat
# it, while the department and the supervisors each get their own (and read it on their own).
# COALESCE because NULLs never collide in a unique index, and department notices have no role.
Index("uq_notifications_once", Notification.ticket_id, Notification.kind, Notification.deadline,
      Notification.due_at, func.coalesce(Notification.recipient_role, ""), unique=True)
