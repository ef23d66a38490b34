"""The jobs: plain idempotent functions of `now`, each returning a JSON-able summary."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select

from hotline.directory.recompute import calendar_recompute
from hotline.extensions import db
from hotline.jobs.briefing import daily_briefing
from hotline.jobs.models import JobRun
from hotline.jobs.sweep import deadline_sweep
from hotline.notifications.models import Notification
from hotline.notifications.service import notice, send
from hotline.reports import snapshots
from hotline.tickets import retention
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import Role, State
from hotline.webhooks.delivery import deliver_due


def revisit_queue(now):
    """Flag to the revisitors, once per due time, each ticket whose revisit is past due."""
    flagged = exists().where(Notification.ticket_id == Ticket.id,
                             Notification.kind == "revisit_overdue",
                             Notification.due_at == Ticket.revisit_due_at)
    tickets = db.session.scalars(select(Ticket).where(
        Ticket.state == State.PENDING_REVISIT, Ticket.revisit_due_at <= now, ~flagged,
    ).order_by(Ticket.id)).all()
    send([notice("revisit_overdue", f"工单 {ticket.number} 回访已超期，请尽快回访", now,
                 ticket_id=ticket.id, role=str(Role.REVISITOR), deadline="revisit",
                 due_at=ticket.revisit_due_at) for ticket in tickets])
    return {"flagged": len(tickets)}


def retrain(now):
    """Nightly retraining; hotline.routing owns it, imported here so that its heavy
    dependencies (scikit-learn) load only in the process that trains."""
    from hotline.routing.training import retrain as retrain_models

    return retrain_models(now)


def train_models(now):
    """Training requested from the models page; returns at once when none is waiting. Imported
    here for the same reason as retrain."""
    from hotline.routing.training import train_requested

    return train_requested(now)


def personal_data_retention(now):
    """Remove callers' personal data from tickets finished longer ago than the retention period."""
    return retention.purge(now, current_app.config["HOTLINE_PERSONAL_DATA_RETENTION_DAYS"])


def job_run_pruning(now):
    """Forget runs older than the retention period (the webhook sender alone records 8,640 a day),
    keeping each job's latest run, which /readyz and the metrics read."""
    days = current_app.config["HOTLINE_JOB_RUN_RETENTION_DAYS"]
    latest = select(func.max(JobRun.id)).group_by(JobRun.job)
    removed = db.session.execute(
        delete(JobRun).where(JobRun.finished_at < now - timedelta(days=days), JobRun.id.not_in(latest))
    ).rowcount
    return {"removed": removed, "days": days}


JOBS = {
    "deadline_sweep": deadline_sweep,
    "revisit_queue": revisit_queue,
    "daily_briefing": daily_briefing,
    "hotspots": snapshots.refresh,
    "retrain": retrain,
    "train_models": train_models,
    "calendar_recompute": calendar_recompute,
    "personal_data_retention": personal_data_retention,
    "webhooks": deliver_due,
    "job_run_pruning": job_run_pruning,
}
