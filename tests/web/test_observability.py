"""Request ids, structured logs, health and readiness, Prometheus metrics (issue 13, observability)."""
import json
import logging
from datetime import timedelta

from sqlalchemy import delete

from hotline.extensions import db
from hotline.jobs.models import JobRun
from hotline.observability import JsonLines
from hotline.routing import registry
from hotline.timeutil import utcnow
from tests.api.support import api, make_ticket, tokens  # noqa: F401
from tests.routing.conftest import small_model  # noqa: F401


def test_every_response_carries_a_request_id_and_keeps_a_sane_given_one(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-ID"]) == 32 and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a_b"}).headers["X-Request-ID"] == "lb-42.a_b"
    for odd in ("x" * 65, "two words", "<script>"):
        given = client.get("/healthz", headers={"X-Request-ID": odd}).headers["X-Request-ID"]
        assert len(given) == 32 and given != odd
    assert client.get("/api/v1/no-such").headers["X-Request-ID"]


def test_one_json_log_line_per_request_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="hotline.request")
    response = client.get("/api/v1/tickets", headers={"X-Request-ID": "trace-1"})
    record = next(r for r in caplog.records if getattr(r, "request_id", None) == "trace-1")
    line = json.loads(JsonLines().format(record))
    assert line["request_id"] == "trace-1" and line["status"] == response.status_code == 401
    assert line["path"] == "/api/v1/tickets" and line["endpoint"] == "tickets_api.list_tickets"
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_healthz_needs_nothing_but_the_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def _job_run(minutes_ago):
    moment = utcnow() - timedelta(minutes=minutes_ago)
    db.session.add(JobRun(job="deadline_sweep", tick=moment, as_of=moment, started_at=moment,
                          finished_at=moment + timedelta(seconds=2), result={}))
    db.session.commit()


def test_readyz_checks_database_model_and_scheduler(app, client, small_model):
    with app.app_context():
        db.session.execute(delete(JobRun))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "not_ready"
    checks = response.json["checks"]
    assert checks["database"]["ok"]
    assert not checks["model"]["ok"] and "没有可用的分类模型" in checks["model"]["detail"]
    assert not checks["scheduler"]["ok"] and "尚未运行" in checks["scheduler"]["detail"]

    with app.app_context():
        registry.activate(registry.register(small_model, "category", "seed").version)
        db.session.commit()
    assert client.get("/readyz").json["checks"]["model"]["ok"]

    with app.app_context():
        _job_run(minutes_ago=30)
    checks = client.get("/readyz").json["checks"]
    assert not checks["scheduler"]["ok"] and "没有完成任务" in checks["scheduler"]["detail"]

    with app.app_context():
        _job_run(minutes_ago=1)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "ready"


def test_metrics_report_latency_open_tickets_jobs_and_models(app, client, api, make_ticket, small_model):
    make_ticket("dispatched")
    with app.app_context():
        _job_run(minutes_ago=1)
        registry.activate(registry.register(small_model, "category", "seed").version)
        db.session.commit()
    api("operator1").get("/tickets")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hotline_request_duration_seconds_bucket{endpoint="tickets_api.list_tickets"' in text
    assert 'hotline_open_tickets{level="on_time"} 1.0' in text
    assert 'hotline_job_last_run_timestamp_seconds{job="deadline_sweep"}' in text
    assert "hotline_deadline_sweep_duration_seconds 2.0" in text
    assert 'hotline_active_model{kind="category",version=' in text


def test_metrics_are_for_this_machine_or_the_scraper_with_the_token(app, client):
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    app.config["HOTLINE_METRICS_TOKEN"] = "scrape-secret"
    try:
        assert client.get("/metrics", environ_base=outside,
                          headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/metrics", environ_base=outside,
                          headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    finally:
        app.config["HOTLINE_METRICS_TOKEN"] = None
