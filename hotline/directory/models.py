"""Departments, the category taxonomy, the working calendar and time-limit policies."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    area: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(12), default="municipal", server_default="municipal")
    active: Mapped[bool] = mapped_column(default=True)

    def to_dict(self):
        return {"id": self.id, "code": self.code, "name": self.name, "area": self.area,
                "kind": self.kind, "active": self.active}


class Category(db.Model):
    """A node of the 3-level taxonomy (e.g. 城乡建设 / 物业管理 / 物业服务)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    level: Mapped[int]
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Category | None"] = relationship(remote_side=[id])

    @property
    def path(self):
        node, names = self, []
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    def to_dict(self):
        return {"id": self.id, "parent_id": self.parent_id, "level": self.level,
                "code": self.code, "name": self.name, "path": self.path, "active": self.active}


class CalendarDay(db.Model):
    """A day that differs from the Monday–Friday rule: a holiday or a make-up working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    name: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(10), default="package")  # package | admin


class CalendarYear(db.Model):
    """A year whose holiday arrangement is known; other years fall back to Monday–Friday."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Setting(db.Model):
    """A centre-wide setting an admin edits (today: the working hours), over its config default."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TimeLimitPolicy(db.Model):
    """Time limits for an urgency and (optionally) a ticket type; the most specific row wins."""

    __tablename__ = "time_limit_policies"
    __table_args__ = (UniqueConstraint("urgency", "ticket_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    urgency: Mapped[str] = mapped_column(String(10))
    ticket_type: Mapped[str | None] = mapped_column(String(12))
    sign_limit: Mapped[int]
    sign_unit: Mapped[str] = mapped_column(String(16))
    complete_limit: Mapped[int]
    complete_unit: Mapped[str] = mapped_column(String(16))
    contact_minutes: Mapped[int | None]
    onsite_minutes: Mapped[int | None]


class CalendarRecompute(db.Model):
    """A calendar or working-hours change whose open tickets' deadlines the job has yet to recompute."""

    __tablename__ = "calendar_recomputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(50))
    # NULL while pending; the job looks pending rows up by this index every minute.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
