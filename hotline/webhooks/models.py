"""What webhooks keep: the endpoints admins register and the outbox of deliveries to them."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow

TO_SEND = "status IN ('pending', 'failed')"


class WebhookEndpoint(db.Model):
    """A receiver of events; `secret` signs every delivery and is shown to the admin only once."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)  # codes of labels.WEBHOOK_EVENTS
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_dict(self):
        """Everything but the secret."""
        return {"id": self.id, "name": self.name, "url": self.url, "events": list(self.events),
                "active": self.active, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(),
                "secret_rotated_at": self.secret_rotated_at.isoformat() if self.secret_rotated_at else None}


class WebhookDelivery(db.Model):
    """One event for one endpoint (the outbox row), written in the transaction of the change."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The delivery job's query: due rows by time; delivered and given-up rows stay out of it.
        Index("ix_webhook_deliveries_due", "next_attempt_at", sqlite_where=text(TO_SEND),
              postgresql_where=text(TO_SEND)),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)  # X-Hotline-Delivery
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(String(36))  # the same for every endpoint of one event
    event: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # labels.WEBHOOK_STATUSES
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender's claim: no other process sends the row until the claim is released or expires.
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()

    def to_dict(self):
        return {"id": self.id, "delivery_id": self.delivery_id, "endpoint_id": self.endpoint_id,
                "event_id": self.event_id, "event": self.event, "payload": self.payload, "status": self.status,
                "attempts": self.attempts, "next_attempt_at": _iso(self.next_attempt_at),
                "last_attempt_at": _iso(self.last_attempt_at), "last_status_code": self.last_status_code,
                "last_error": self.last_error, "delivered_at": _iso(self.delivered_at),
                "created_at": self.created_at.isoformat()}


def _iso(moment):
    return moment.isoformat() if moment else None
