"""Knowledge articles."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow


class KnowledgeArticle(db.Model):
    """A policy answer; shown at intake while active and within its validity dates."""

    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Local dates, both inclusive; NULL means no limit on that side.
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    tags: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def current_on(self, day):
        """Whether operators see the article on `day`."""
        return (self.active and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))

    def to_dict(self):
        return {"id": self.id, "title": self.title, "body": self.body,
                "category_id": self.category_id, "source_department_id": self.source_department_id,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "tags": list(self.tags or []), "active": self.active,
                "updated_at": self.updated_at.isoformat()}
