"""What the jobs keep: runs per tick, lock rows (SQLite) and the stored daily briefings."""
from datetime import date, datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow


class JobRun(db.Model):
    """One finished run; a scheduled run records its tick so that no tick runs twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    # The scheduled fire time; NULL for a run started by hand.
    tick: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The moment the job judged "now" (differs from started_at for `jobs run --now`).
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class JobLock(db.Model):
    """SQLite has no advisory locks: a row per job, held until it is released or expires."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DailyBriefing(db.Model):
    """The daily briefing (日报) for one local day, as computed the morning after."""

    __tablename__ = "daily_briefings"

    day: Mapped[date] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)
