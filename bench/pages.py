"""Page benchmark: server time of the workbench pages with 100,000 tickets in the database.

    .venv/bin/python bench/pages.py [--tickets 100000] [--database-url postgresql://…] [--runs 200]

Builds an SQLite file (or a schema of its own on PostgreSQL) holding the demo city, the
default model and N tickets spread over the workflow's states, departments and the last 60
days, with their dispatch spells and clocks; then times each page through the Flask test
client (server time: routing, queries, templates; no network) signed in as the role that
uses it, and prints p50 / p95 per page. Target: p95 < 150 ms for every page.
"""
import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")

from bench.classifier import percentile, synthetic_corpus  # noqa: E402

CALL = "小区楼道的路灯坏了一个多月，晚上出入很不方便，物业一直不修"
STATES = ("received", "dispatched", "accepted", "replied", "pending_revisit", "closed", "answered")


def build(url, n_tickets):
    from sqlalchemy import select, text

    from config import Config, database_url
    from hotline.app import create_app
    from hotline.extensions import db
    from hotline.routing.training import ensure_default_model
    from hotline.tickets.models import Ticket

    settings = {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": "bench",
                "HOTLINE_MODEL_DIR": tempfile.mkdtemp(prefix="bench-pages-models-")}
    if url.startswith("postgres"):
        schema = f"bench_pages_{os.getpid()}"
        from sqlalchemy import create_engine

        with create_engine(database_url(url)).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(type("BenchConfig", (Config,), settings))
    logging.getLogger("hotline.request").setLevel(logging.WARNING)  # one log line per call would drown the figures
    for command in (["setup"], ["seed-demo"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        ensure_default_model()
        db.session.commit()
    store_tickets(app, n_tickets)
    with app.app_context():
        number = db.session.scalar(select(Ticket.number).where(Ticket.state == "accepted").limit(1))
    return app, number


def store_tickets(app, n_tickets, seed=5, per_day=None, open_days=10):
    """N tickets spread over the workflow's states, departments and the last 60 days, with their
    dispatch spells and clocks, written in bulk (bench/load.py reuses it for its preload).

    With `per_day`, the tickets are a centre's history instead: spread over as many days as that many
    calls a day make, those older than `open_days` finished (closed, or answered at once), the newer
    ones over every state."""
    from sqlalchemy import func, insert, select, text

    from hotline.directory.models import Department
    from hotline.extensions import db
    from hotline.tickets.models import Assignment, Ticket

    now = datetime.now(UTC)
    texts, _ = synthetic_corpus(n_tickets, seed=seed)
    with app.app_context():
        first_id = (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
        departments = db.session.scalars(select(Department.id).order_by(Department.id)).all()
        started = time.perf_counter()
        # Minutes back from now: 60 days; a history of `per_day` calls a day (i × 37 walks the span
        # in a scattered order when the span is not a multiple of 37).
        span = 86400 if not per_day else max(1, -(-n_tickets // per_day)) * 1440 + 1
        for first in range(0, n_tickets, 5000):
            tickets, spells = [], []
            for i in range(first, min(first + 5000, n_tickets)):
                state, created = STATES[i % len(STATES)], now - timedelta(minutes=(i * 37) % span)
                if per_day and now - created > timedelta(days=open_days):
                    state = "answered" if i % 10 == 0 else "closed"
                held = state not in ("received", "answered")
                # i // 7: every department gets tickets in every state (7 states, 21 departments).
                department = departments[(i // len(STATES)) % len(departments)] if held else None
                due = created + timedelta(days=5)
                tickets.append({
                    "id": first_id + i, "number": f"B{first_id + i:09d}", "channel": "phone", "type": "complaint",
                    "urgency": "normal",
                    "content": texts[i], "state": state, "department_id": department,
                    "final_department_id": department, "caller_phone": f"139{i:08d}", "created_at": created,
                    "updated_at": created, "version": 1, "reopen_count": 0, "return_count": 0,
                    "revisit_attempts": 0, "extension_days": 0, "is_enterprise": False,
                    "dispatched_at": created if held else None,
                    "sign_warn_at": created + timedelta(hours=6) if held else None,
                    "sign_due_at": created + timedelta(hours=8) if held else None,
                    "sign_severe_at": created + timedelta(days=7) if held else None,
                    "complete_warn_at": due - timedelta(days=1) if held else None,
                    "complete_due_at": due if held else None,
                    "complete_severe_at": due + timedelta(days=7) if held else None,
                    "revisit_due_at": created + timedelta(days=7) if state == "pending_revisit" else None,
                })
                if held:
                    spells.append({"ticket_id": first_id + i, "department_id": department, "kind": "dispatch",
                                   "started_at": created, "sign_due_at": created + timedelta(hours=8),
                                   "complete_due_at": due})
            db.session.execute(insert(Ticket), tickets)
            db.session.execute(insert(Assignment), spells)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"),
                               {"n": first_id + n_tickets - 1})
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"{db.engine.dialect.name}: {n_tickets:,} tickets stored in {time.perf_counter() - started:.0f} s")


def signed_in(app, username):
    from tests.web.conftest import Browser

    return Browser(app.test_client()).login(username)


def time_page(browser, method, path, data, runs):
    call = (lambda: browser.post(path, data)) if method == "post" else (lambda: browser.get(path))
    response = call()
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), percentile(timings, 0.95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-pages-')) / 'bench.db'}"
    app, number = build(url, args.tickets)
    pages = [
        ("operator1", "get", "/intake", None),
        ("operator1", "post", "/intake/suggest", {"content": CALL}),
        ("dispatcher1", "get", "/dispatch/received", None),
        ("dispatcher1", "get", "/dispatch/replies", None),
        ("dept_housing", "get", "/department/dispatched", None),
        ("dept_housing", "get", "/department/accepted", None),
        ("dispatcher1", "get", "/tickets", None),
        ("dispatcher1", "get", "/tickets?state=accepted&lateness=overdue", None),
        ("dispatcher1", "get", f"/tickets/{number}", None),
        ("revisitor1", "get", "/notifications", None),
    ]
    browsers = {}
    print(f"{'page':<46} {'p50 ms':>8} {'p95 ms':>8}")
    for username, method, path, data in pages:
        browser = browsers.setdefault(username, signed_in(app, username))
        p50, p95 = time_page(browser, method, path, data, args.runs)
        print(f"{username + ' ' + method.upper() + ' ' + path:<46} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
