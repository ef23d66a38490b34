"""The classifier model registry and the dispatch catalogue (派单目录)."""
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow


class ClassifierModel(db.Model):
    """A trained model on disk; one per kind is active, and activation needs no restart."""

    __tablename__ = "classifier_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # category | department
    version: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=False, index=True)
    n_samples: Mapped[int]
    data_hash: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(20))  # seed | tickets | file
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_dict(self):
        return {
            "id": self.id, "kind": self.kind, "version": self.version, "active": self.active,
            "n_samples": self.n_samples, "metrics": self.metrics, "source": self.source,
            "created_at": self.created_at.isoformat(),
            "activated_at": self.activated_at.isoformat() if self.activated_at else None,
        }


catalogue_assists = Table(
    "catalogue_assists",
    db.Model.metadata,
    Column("entry_id", ForeignKey("catalogue_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class CatalogueEntry(db.Model):
    """Category × area → lead department and assisting departments; area NULL means anywhere."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (UniqueConstraint("category_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    area: Mapped[str | None] = mapped_column(String(50))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))

    category: Mapped[Category] = relationship()
    lead: Mapped[Department] = relationship()
    assisting: Mapped[list[Department]] = relationship(secondary=catalogue_assists)
