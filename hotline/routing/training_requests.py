"""Training requested from the admin page: the row the scheduler's job claims and reports progress on."""
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from hotline.audit import service as audit
from hotline.errors import Conflict
from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow

STATUSES = {"pending": "排队中", "running": "训练中", "done": "已完成", "failed": "失败"}
# Longer than a training on a year of tickets takes; a running request older than this lost its process.
STALE_AFTER = timedelta(minutes=30)


class TrainingRequest(db.Model):
    __tablename__ = "training_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    stage: Mapped[str] = mapped_column(String(100), default="等待调度进程开始训练")
    percent: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500))

    @property
    def finished(self):
        return self.status in ("done", "failed")

    def to_dict(self):
        return {"id": self.id, "status": self.status, "stage": self.stage, "percent": self.percent,
                "requested_at": self.requested_at.isoformat(),
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "result": self.result or {}, "error": self.error}


def latest():
    return db.session.scalar(select(TrainingRequest).order_by(TrainingRequest.id.desc()).limit(1))


def _unfinished(now):
    return db.session.scalar(select(TrainingRequest).where(
        (TrainingRequest.status == "pending")
        | ((TrainingRequest.status == "running") & (TrainingRequest.started_at > now - STALE_AFTER))
    ).limit(1))


def request_training(actor, now=None):
    """Queue one training from confirmed tickets; refused while another is queued or running."""
    now = now or utcnow()
    if _unfinished(now) is not None:
        raise Conflict("已有训练任务在排队或进行中，请等待其完成", code="training_in_progress")
    row = TrainingRequest(requested_by_id=getattr(actor, "id", None), requested_at=now, status="pending",
                          stage="等待调度进程开始训练", percent=0, result={})
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "model", f"training-{row.id}", "train", None, {"status": "pending"}, now=now)
    return row


def claim(now):
    """Mark the oldest pending request running and commit, so that one job alone trains it."""
    db.session.execute(
        update(TrainingRequest)
        .where(TrainingRequest.status == "running", TrainingRequest.started_at <= now - STALE_AFTER)
        .values(status="failed", stage="训练中断", error="调度进程在训练中停止，请重新发起训练", finished_at=now)
    )
    pending = db.session.scalar(select(TrainingRequest.id).where(TrainingRequest.status == "pending")
                                .order_by(TrainingRequest.id).limit(1))
    taken = pending is not None and db.session.execute(
        update(TrainingRequest).where(TrainingRequest.id == pending, TrainingRequest.status == "pending")
        .values(status="running", started_at=now, stage="开始训练", percent=1)
    ).rowcount == 1
    db.session.commit()
    return db.session.get(TrainingRequest, pending) if taken else None


def progress(row, stage, percent):
    """Record and commit a stage at once: the admin page polls it from another process."""
    row.stage, row.percent = stage, percent
    db.session.commit()
