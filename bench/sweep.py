"""Deadline sweep cost: 100,000 open tickets, of which 1,000 cross a level, on SQLite and PostgreSQL.

    .venv/bin/python bench/sweep.py                      # SQLite file in a temporary directory
    .venv/bin/python bench/sweep.py --database-url postgresql://postgres@127.0.0.1:5432/test

PostgreSQL runs in a schema of its own (`bench_sweep`), dropped and recreated each time.
The crossing tickets go from warning to overdue, the dearest crossing: each gets an
accountability record, an automatic urge event and a notification.
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from config import Config, database_url
from hotline.accountability.models import AccountabilityRecord
from hotline.app import create_app
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.tickets.models import Assignment, Ticket

SCHEMA = "bench_sweep"
BATCH = 5000
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def make_app(url):
    settings = {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": "bench"}
    if url.startswith("postgres"):
        engine = create_engine(database_url(url))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    app = create_app(type("BenchConfig", (Config,), settings))
    for command in (["setup"], ["seed-demo"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    return app


def ticket_row(n, departments, crossing):
    """An accepted complaint: signed, its completion clock in warning (crossing) or on time."""
    dispatched = NOW - timedelta(days=3 if crossing else 1, minutes=n % 600)
    due = NOW - timedelta(minutes=1 + n % 30) if crossing else NOW + timedelta(days=4, minutes=n % 600)
    warn = due - timedelta(days=1)
    return {
        "id": n, "number": f"B{n:09d}", "channel": "phone", "type": "complaint",
        "urgency": "normal", "content": "小区电梯坏了一个星期，物业一直不修", "state": "accepted",
        "department_id": departments[n % len(departments)], "version": 3,
        "reopen_count": 0, "return_count": 0, "revisit_attempts": 0, "extension_days": 0,
        "is_enterprise": False, "created_at": dispatched, "updated_at": dispatched,
        "dispatched_at": dispatched, "signed_at": dispatched + timedelta(hours=1),
        "sign_warn_at": dispatched, "sign_due_at": dispatched, "sign_severe_at": dispatched,
        "sign_level": 0, "sign_next_at": None,
        "complete_warn_at": warn, "complete_due_at": due, "complete_severe_at": due + timedelta(days=7),
        "complete_level": 1 if crossing else 0, "complete_next_at": due if crossing else warn,
        "contact_level": 0, "onsite_level": 0,
    }


def assignment_row(ticket):
    return {"id": ticket["id"], "ticket_id": ticket["id"], "department_id": ticket["department_id"],
            "kind": "dispatch", "started_at": ticket["dispatched_at"],
            "sign_due_at": ticket["sign_due_at"], "signed_at": ticket["signed_at"],
            "complete_due_at": ticket["complete_due_at"]}


def populate(total, crossing):
    departments = db.session.scalars(select(Department.id)).all()
    # Crossing tickets spread evenly through the table, as they would be in life.
    step = total // crossing if crossing else total + 1
    for start in range(1, total + 1, BATCH):
        rows = [ticket_row(n, departments, n % step == 0)
                for n in range(start, min(start + BATCH, total + 1))]
        db.session.execute(insert(Ticket), rows)
        db.session.execute(insert(Assignment), [assignment_row(r) for r in rows])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(now):
    started = time.perf_counter()
    outcome = run_job("deadline_sweep", now)
    return time.perf_counter() - started, outcome["result"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--crossing", type=int, default=1_000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-sweep-')}/bench.db"
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        populate(args.tickets, args.crossing)
        backend = db.engine.dialect.name
        print(f"{backend}: {args.tickets:,} open tickets inserted in {time.perf_counter() - started:.1f} s")
        # Quiet sweeps a minute apart before any ticket crosses: the first one is cold.
        quiet = [timed(NOW - timedelta(minutes=minutes))[0] for minutes in range(65, 60, -1)]
        print(f"{backend}: sweep, none crossing:        {statistics.median(quiet) * 1000:7.1f} ms median"
              f" of 5 (first {quiet[0] * 1000:.1f} ms)")
        busy, result = timed(NOW)
        print(f"{backend}: sweep, {args.crossing:,} crossing:       {busy * 1000:7.1f} ms  {result}")
        again, result = timed(NOW)
        print(f"{backend}: same sweep again (nothing): {again * 1000:7.1f} ms  {result}")
        records = db.session.scalar(select(func.count(AccountabilityRecord.id)))
        assert records == args.crossing, records
    if backend == "postgresql":
        with app.app_context():
            db.session.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
            db.session.commit()


if __name__ == "__main__":
    main()
