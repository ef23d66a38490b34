"""The audit trail (审计日志): one row per change to reference data, users and models, never edited."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.timeutil import UTCDateTime


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))  # a key of labels.AUDIT_ENTITIES
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))  # a key of labels.AUDIT_ACTIONS
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    def to_dict(self):
        return {"id": self.id, "at": self.at.isoformat(), "actor_id": self.actor_id, "actor": self.actor_name,
                "entity": self.entity, "entity_id": self.entity_id, "action": self.action,
                "before": self.before, "after": self.after}
