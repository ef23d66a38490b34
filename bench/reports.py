"""Benchmark: report queries over 1,000,000 tickets spread over two years, with and without filters.

    .venv/bin/python bench/reports.py                         # SQLite file in /tmp
    .venv/bin/python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/reports.py --reuse --runs 20       # time again, same data

Builds a fresh database (SQLite file, or a schema of its own on PostgreSQL), fills it with
bulk Core inserts in a realistic mix, recounts the daily report table from them as the
migrations do (bulk inserts bypass the workflow service that keeps it), then times every
dashboard query of the second year (summary, league table, trend by day, week and month,
categories, areas), each unfiltered and filtered by one department, one top-level category
with its sub-categories, one area and one channel. Each query runs --runs times, the queries
taking turns so that a burst of load on the shared machine falls on all of them; the table
gives the best of the first 3 runs, the median and the 95th percentile. Last, the phone-only
summary computed live, as it was before the daily table had cuts. --reuse keeps the data
(the SQLite file, the PostgreSQL schema) for the next run and times it without rebuilding.
"""
import argparse
import math
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text

from config import TestingConfig, database_url
from hotline.accountability.models import AccountabilityRecord
from hotline.app import create_app
from hotline.directory.calendar import work_calendar
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.reports import daily, queries
from hotline.tickets.models import Assignment, Revisit, Ticket

SCHEMA = "bench_reports"
START = datetime(2024, 12, 1, tzinfo=UTC)
DAYS = 730
CHUNK = 20000
CHANNELS = ["phone"] * 6 + ["web", "wechat", "app", "provincial"]
AREAS = ["城东区", "城西区", "高新区", "江北区"]
HOUR = timedelta(hours=1)
NOW = START + timedelta(days=DAYS)


def make_app(url, fresh=True):
    """The app on an empty database (`fresh`) or on the one a previous run left."""
    options = {}
    if url.startswith("sqlite:///") and fresh:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            if fresh:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        engine.dispose()
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    config = type("BenchConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options})
    app = create_app(config)
    for command in (["setup"], ["seed-demo", "--if-new"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    return app


def _ticket(i, created, rng, categories, user_id):
    return {
        "id": i, "number": f"B{i:09d}", "channel": rng.choice(CHANNELS), "content": "基准测试工单内容",
        "area": rng.choice(AREAS), "type": "complaint", "urgency": "normal",
        "category_id": rng.choice(categories), "state": "answered", "created_at": created,
        "updated_at": created, "created_by_id": user_id, "closed_at": None, "department_id": None,
        "final_department_id": None,
    }


def _dispatched(ticket, rng, departments, ids, rows):
    """Fill the ticket's assignments, revisits and accountability records: one life story."""
    created = ticket["created_at"]
    department = rng.choice(departments)
    start = created + timedelta(minutes=rng.randrange(5, 120))
    if rng.random() < 0.04:  # returned within hours, then re-dispatched elsewhere
        rows["assignments"].append(_spell(ids, ticket, department, "dispatch", start,
                                          ended=start + 3 * HOUR, end_reason="returned"))
        department, start = rng.choice(departments), start + 4 * HOUR
    for kind in ("dispatch", "redo"):
        late_sign, late_reply = rng.random() < 0.03, rng.random() < 0.05
        signed = start + (30 * HOUR if late_sign else rng.randrange(1, 20) * HOUR)
        due = start + timedelta(days=7)
        replied = due + rng.randrange(1, 240) * HOUR if late_reply else start + rng.randrange(24, 160) * HOUR
        if replied > NOW:
            rows["assignments"].append(_spell(ids, ticket, department, kind, start, signed=signed))
            ticket.update(state="accepted", department_id=department, final_department_id=department)
            return
        revisit_at = replied + rng.randrange(2, 40) * HOUR
        satisfaction = rng.choices(["satisfied", "basically_satisfied", "unsatisfied", "unreachable"],
                                   [80, 10, 6, 4])[0]
        redo = satisfaction == "unsatisfied" and kind == "dispatch"
        spell = _spell(ids, ticket, department, kind, start, signed=signed, replied=replied,
                       ended=revisit_at, end_reason="revisited")
        rows["assignments"].append(spell)
        rows["revisits"].append({"ticket_id": ticket["id"], "satisfaction": satisfaction,
                                 "resolved": None if satisfaction == "unreachable" else rng.random() < 0.9,
                                 "outcome": "redo" if redo else "closed", "revisitor_id": ticket["created_by_id"],
                                 "created_at": revisit_at})
        if late_reply and rng.random() < 0.98:
            rows["records"].append({"ticket_id": ticket["id"], "assignment_id": spell["id"],
                                    "department_id": department, "kind": "complete", "due_at": due,
                                    "detected_at": due, "severity": "overdue", "status": "open"})
        ticket.update(state="closed", department_id=department, final_department_id=department,
                      closed_at=revisit_at)
        if not redo:
            return
        start = revisit_at


def _spell(ids, ticket, department, kind, start, signed=None, replied=None, ended=None, end_reason=None):
    return {"id": next(ids), "ticket_id": ticket["id"], "department_id": department, "kind": kind,
            "started_at": start, "sign_due_at": start + 24 * HOUR, "signed_at": signed,
            "complete_due_at": start + timedelta(days=7), "replied_at": replied, "ended_at": ended,
            "end_reason": end_reason}


def generate(total, seed=12345):
    rng = random.Random(seed)
    departments = list(db.session.scalars(select(Department.id)))
    categories = list(db.session.scalars(select(Category.id).where(Category.level == 3)))
    user_id = db.session.scalar(text("SELECT id FROM users WHERE username = 'operator1'"))
    ids = iter(range(1, 10 * total))
    step = DAYS * 86400 / total
    rows = {"tickets": [], "assignments": [], "revisits": [], "records": []}
    tables = {"tickets": Ticket.__table__, "assignments": Assignment.__table__,
              "revisits": Revisit.__table__, "records": AccountabilityRecord.__table__}
    for i in range(1, total + 1):
        created = START + timedelta(seconds=i * step)
        ticket = _ticket(i, created, rng, categories, user_id)
        roll = rng.random()
        if roll < 0.04:
            ticket.update(state="invalid", closed_at=created)
        elif roll < 0.62:
            ticket.update(closed_at=created)
        else:
            _dispatched(ticket, rng, departments, ids, rows)
        rows["tickets"].append(ticket)
        if len(rows["tickets"]) >= CHUNK or i == total:
            for name in ("tickets", "assignments", "revisits", "records"):
                if rows[name]:
                    db.session.execute(insert(tables[name]), rows[name])
                rows[name] = []
            db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('assignments', 'id'), "
                                "(SELECT max(id) FROM assignments))"))
    db.session.commit()


def reports(calendar):
    """Every dashboard query as (name, function of a scope)."""
    found = [("summary", lambda s: queries.summary(s, calendar)),
             ("league table", lambda s: queries.league(s, calendar))]
    found += [(f"trend by {g}", lambda s, g=g: queries.trend(s, calendar, g)) for g in queries.GRANULARITIES]
    found += [("categories", lambda s: queries.by_category(s, calendar, 1)),
              ("areas", lambda s: queries.by_area(s, calendar))]
    return found


def filters(year):
    """The year unfiltered and with each filter; the category is a whole branch of the taxonomy."""
    housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
    branch = db.session.scalar(select(Category.id).where(Category.level == 1).order_by(Category.id))
    return [("none", year), ("department", replace(year, department_id=housing)),
            ("category", replace(year, category_ids=queries.category_ids(branch))),
            ("area", replace(year, area=AREAS[0])), ("channel", replace(year, channel="phone"))]


def measure(cases, runs):
    """{case name: [seconds per run]}, the cases taking turns run by run."""
    times = {name: [] for name, _ in cases}
    for _ in range(runs):
        for name, function in cases:
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
            db.session.rollback()
    return times


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def print_table(times, runs):
    print(f"{'query (one year)':<36} {'best of 3':>10} {'median':>8} {'p95':>8}   ({runs} runs, ms)")
    for name, values in times.items():
        print(f"{name:<36} {min(values[:3]) * 1000:10.0f} {statistics.median(values) * 1000:8.0f} "
              f"{p95(values) * 1000:8.0f}")
    worst = max(times, key=lambda name: p95(times[name]))
    print(f"slowest p95: {worst}, {p95(times[worst]) * 1000:.0f} ms")


def build(total):
    started = time.perf_counter()
    generate(total)
    counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))
              for t in ("tickets", "assignments", "revisits", "accountability_records")}
    print(f"{db.engine.dialect.name}: generated {counts} in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    daily.rebuild(db.session.connection())
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"report_days recounted in {time.perf_counter() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", "--database", dest="database",
                        default="sqlite:////tmp/hotline-bench-reports.db")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10, help="runs of each query (at least 3)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the data an earlier --reuse run left, building it only if missing")
    args = parser.parse_args()
    url = database_url(args.database)
    app = make_app(url, fresh=not args.reuse)
    with app.app_context():
        if not db.session.scalar(select(func.count(Ticket.id))):
            build(args.tickets)
        rows = db.session.execute(select(daily.ReportDay.cut, func.count()).group_by(daily.ReportDay.cut))
        print("report_days rows per cut:", dict(sorted(rows.all())))
        calendar = work_calendar()
        tz = calendar.tz
        year = queries.Scope(*queries.period(NOW.astimezone(tz).date() - timedelta(days=365),
                                             NOW.astimezone(tz).date() - timedelta(days=1), tz), NOW)
        cases = [(f"{report}, {name}" if name != "none" else report,
                  lambda function=function, scope=scope: function(scope))
                 for name, scope in filters(year) for report, function in reports(calendar)]
        print_table(measure(cases, max(args.runs, 3)), max(args.runs, 3))
        phone = replace(year, channel="phone")
        with patch.object(queries, "_daily_cut", lambda *args: None):
            live = measure([("summary, phone (live)", lambda: queries.summary(phone, calendar))], 1)
        print(f"summary, phone only, computed live: {live['summary, phone (live)'][0] * 1000:.0f} ms")
        db.session.rollback()
    if url.startswith("postgresql") and not args.reuse:
        with create_engine(url).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


if __name__ == "__main__":
    main()
