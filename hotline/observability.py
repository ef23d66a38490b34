"""Observability (SPEC §10): structured request logs with a request id, health and readiness
probes, and Prometheus metrics.

- Every request gets an id (the caller's X-Request-ID when it is a sane token, else a new one),
  returned in the X-Request-ID header and written with one JSON log line per request.
- /healthz answers while the process is up; /readyz only when the database answers, an active
  category model loads and the scheduler finished a job recently.
- /metrics (Prometheus text format, prometheus_client): request latency by endpoint from this
  process (all gunicorn workers together when PROMETHEUS_MULTIPROC_DIR is set, as
  deploy/gunicorn.conf.py does), and, read from the database at scrape time so that every web
  host reports the same: open tickets by lateness level, the last run of each job and the
  deadline sweep's duration, and the active model versions. Only loopback callers, or callers
  with HOTLINE_METRICS_TOKEN as their Bearer token, may read it.
"""
import hmac
import json
import logging
import os
import re
import sys
import time
from datetime import timedelta
from uuid import uuid4

from flask import Blueprint, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError

from hotline.errors import Forbidden
from hotline.extensions import db
from hotline.timeutil import utcnow

bp = Blueprint("observability", __name__)
log = logging.getLogger("hotline.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LOOPBACK = {"127.0.0.1", "::1"}
LATENESS_LEVELS = ("on_time", "warning", "overdue", "severely_overdue")

REQUEST_SECONDS = Histogram(
    "hotline_request_duration_seconds", "Time to answer a request, by endpoint",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10),
)


class JsonLines(logging.Formatter):
    """One JSON object per log record: the record's message and whatever `extra` it carries."""

    FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms", "user_id", "remote")

    def format(self, record):
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def init_app(app):
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
    if not app.testing and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _start():
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    endpoint = request.endpoint or "unmatched"
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if endpoint != "static":
        REQUEST_SECONDS.labels(request.method, endpoint, str(response.status_code)).observe(seconds)
    user = g.get("user")
    log.info("%s %s %s", request.method, request.path, response.status_code, extra={
        "request_id": g.get("request_id"), "method": request.method, "path": request.path, "endpoint": endpoint,
        "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
        "user_id": _user_id(user), "remote": request.remote_addr})
    return response


def _user_id(user):
    """The user's id without reading the row again (it expired with the request's commit)."""
    if user is None:
        return None
    identity = sa_inspect(user, raiseerr=False)
    return identity.identity[0] if identity is not None and identity.identity else getattr(user, "id", None)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": _check_database(), "model": _check_model(), "scheduler": _check_scheduler()}
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not_ready", checks=checks), 200 if ready else 503


def _check_database():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "detail": f"数据库不可用：{str(exc).splitlines()[0]}"}
    return {"ok": True, "detail": "数据库可用"}


def _check_model():
    from hotline.routing import registry

    try:
        models = registry.active_models()
    except SQLAlchemyError as exc:
        return {"ok": False, "detail": f"无法读取模型：{str(exc).splitlines()[0]}"}
    if "category" not in models:
        return {"ok": False, "detail": "没有可用的分类模型（flask --app wsgi model ensure-default）"}
    return {"ok": True, "detail": f"分类模型 {models['category'][0]} 已加载"}


def _check_scheduler():
    from hotline.jobs.models import JobRun

    limit = current_app.config["HOTLINE_SCHEDULER_STALE_SECONDS"]
    try:
        last = db.session.scalar(select(func.max(JobRun.finished_at)))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "detail": f"无法读取任务记录：{str(exc).splitlines()[0]}"}
    if last is None:
        return {"ok": False, "detail": "调度器尚未运行过任务"}
    age = (utcnow() - last).total_seconds()
    if age > limit:
        return {"ok": False, "detail": f"调度器已 {int(age)} 秒没有完成任务（限 {limit} 秒）"}
    return {"ok": True, "detail": f"调度器 {int(age)} 秒前完成任务"}


@bp.get("/metrics")
def metrics():
    _allow_scrape()
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_FromDatabase(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _allow_scrape():
    token = current_app.config.get("HOTLINE_METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
        return
    forwarded = request.headers.get("X-Forwarded-For") and not current_app.config["HOTLINE_TRUSTED_PROXIES"]
    if request.remote_addr in LOOPBACK and not forwarded:
        return
    raise Forbidden("指标只对本机或持有 HOTLINE_METRICS_TOKEN 的采集端开放")


class _ThisProcess:
    """This process's own metrics (a single process, or the tests)."""

    def collect(self):
        yield from REQUEST_SECONDS.collect()


class _FromDatabase:
    """Figures every host reports alike, read when Prometheus scrapes."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from hotline.jobs.models import JobRun
        from hotline.routing.models import ClassifierModel
        from hotline.tickets.models import Ticket
        from hotline.tickets.service import lateness_condition
        from hotline.tickets.workflow import OPEN_STATES

        now = utcnow()
        open_tickets = GaugeMetricFamily("hotline_open_tickets", "Open tickets by lateness level", labels=["level"])
        for level in LATENESS_LEVELS:
            count = db.session.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.state.in_(OPEN_STATES), lateness_condition(level, now)))
            open_tickets.add_metric([level], count)
        yield open_tickets

        last_runs = GaugeMetricFamily("hotline_job_last_run_timestamp_seconds",
                                      "When each job last finished (Unix time)", labels=["job"])
        for job, finished in db.session.execute(select(JobRun.job, func.max(JobRun.finished_at)).group_by(JobRun.job)):
            last_runs.add_metric([job], finished.timestamp())
        yield last_runs

        sweep = GaugeMetricFamily("hotline_deadline_sweep_duration_seconds",
                                  "How long the latest deadline sweep took")
        latest = db.session.execute(select(JobRun.started_at, JobRun.finished_at).where(
            JobRun.job == "deadline_sweep", JobRun.finished_at >= now - timedelta(days=1))
            .order_by(JobRun.id.desc()).limit(1)).first()
        if latest is not None:
            sweep.add_metric([], (latest.finished_at - latest.started_at).total_seconds())
        yield sweep

        active = GaugeMetricFamily("hotline_active_model", "The active model of each kind (1)",
                                   labels=["kind", "version"])
        for kind, version in db.session.execute(select(ClassifierModel.kind, ClassifierModel.version)
                                                .where(ClassifierModel.active)):
            active.add_metric([kind, version], 1)
        yield active
