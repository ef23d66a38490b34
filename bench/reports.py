"""Benchmark: report queries over 1,000,000 tickets spread over two years.

    .venv/bin/python bench/reports.py                         # SQLite file in /tmp
    .venv/bin/python bench/reports.py --database postgresql://postgres@127.0.0.1:5432/test

Builds a fresh database (SQLite file, or a schema of its own on PostgreSQL), fills it with
bulk Core inserts in a realistic mix, recounts the daily report table from them as migration
0006 does (bulk inserts bypass the workflow service that keeps it), then times summary,
league table and trends for the second year, and one report filtered by channel, which the
daily table cannot answer. Prints one line per figure.
"""
import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text

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


def make_app(url):
    options = {}
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    config = type("BenchConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options})
    app = create_app(config)
    for command in (["setup"], ["seed-demo"]):
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


def timed(label, function, repeat=3):
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<28} {best * 1000:8.0f} ms (best of {repeat})")
    return best



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite:////tmp/hotline-bench-reports.db")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    args = parser.parse_args()
    url = database_url(args.database)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        generate(args.tickets)
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))
                  for t in ("tickets", "assignments", "revisits", "accountability_records")}
        print(f"{db.engine.dialect.name}: generated {counts} in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        daily.rebuild(db.session.connection())
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        days = db.session.scalar(text("SELECT count(*) FROM report_days"))
        print(f"report_days: {days} rows recounted in {time.perf_counter() - started:.0f} s")
        calendar = work_calendar()
        tz = calendar.tz
        year = queries.Scope(*queries.period(NOW.astimezone(tz).date() - timedelta(days=365),
                                             NOW.astimezone(tz).date() - timedelta(days=1), tz), NOW)
        timed("summary, one year", lambda: queries.summary(year, calendar))
        timed("league table, one year", lambda: queries.league(year, calendar))
        timed("trend by month, one year", lambda: queries.trend(year, calendar, "month"))
        timed("trend by day, one year", lambda: queries.trend(year, calendar, "day"))
        housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
        one = queries.Scope(year.start, year.end, NOW, housing)
        timed("summary, one department", lambda: queries.summary(one, calendar))
        phone = queries.Scope(year.start, year.end, NOW, channel="phone")
        timed("summary, phone only (live)", lambda: queries.summary(phone, calendar), repeat=1)
        db.session.rollback()
    if url.startswith("postgresql"):
        with create_engine(url).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


if __name__ == "__main__":
    main()
