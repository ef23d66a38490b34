"""Benchmark: `tickets import` of a 100,000-row history file, and the memory of `tickets export`.

    .venv/bin/python bench/import_tickets.py                      # SQLite file in a temp dir
    .venv/bin/python bench/import_tickets.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/import_tickets.py --export-memory      # and export 20,000 vs 200,000 tickets

Writes a CSV of realistic history (tests/integration/history_files.py: Chinese headers, department
names, category paths and codes, one ticket in six answered on the call) to a temp dir, then
imports it through the same function as the CLI into a fresh SQLite file and, when
HOTLINE_TEST_DATABASE_URL or --database-url names a PostgreSQL server, into a database of its own
on that server (`hotline_bench_<pid>`, created through the server's `postgres` database and dropped
afterwards: the shared test database is never touched), printing rows/s and total seconds for each.

--export-memory then tops each database up to --export-rows tickets (200,000) and exports them as
CSV twice, each time in a fresh child process that reports its own peak RSS (VmHWM): once
filtered to about a tenth of them, once all (and once nothing, for the process's own footprint). A
streaming export needs about the same memory for both.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402
from hotline.auth.models import User  # noqa: E402
from hotline.extensions import db  # noqa: E402
from hotline.tickets import importer  # noqa: E402
from hotline.tickets.models import Ticket  # noqa: E402
from tests.conftest import make_app, seed_app  # noqa: E402
from tests.integration.history_files import directory, history_rows, write_csv  # noqa: E402

# history_rows spreads receipt over 2024 from 2 January: up to 7 February is about a tenth of the rows.
TENTH = ("--created-to", "2024-02-07")
NONE = ("--created-to", "2001-01-01")


@contextmanager
def postgres_database(url):
    """The URL of a fresh database on the server of `url`, dropped on leaving."""
    server = make_url(database_url(url))
    name = f"hotline_bench_{os.getpid()}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def fresh_app(url):
    app = make_app(url)
    seed_app(app)
    return app


def run_import(app, path, rows):
    """(seconds, CPU seconds of this process) to import the file through the CLI's function, commit
    included. The CPU time hardly depends on what else the machine runs; on PostgreSQL the server's
    work is not in it."""
    def progress(stage, done, total):
        if stage == "written" and done % 20_000 < importer.CHUNK:
            print(f"  写入 {done}/{total}", file=sys.stderr)

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        started, cpu = time.perf_counter(), time.process_time()
        report = importer.import_tickets(path, admin, progress=progress)
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.imported == rows and not report.errors, (report.imported, report.errors[:3])
    return seconds, cpu


def history_file(app, path, rows, seed):
    with app.app_context():
        started = time.perf_counter()
        write_csv(path, history_rows(rows, *directory(), seed=seed))
    print(f"生成 {rows} 行 CSV（{path.stat().st_size / 2**20:.1f} MB）：{time.perf_counter() - started:.1f} s")
    return path


# The child's own peak RSS in kB. Not getrusage's ru_maxrss: Linux keeps that across exec, so a child
# started from this (large) process would report this process's size. VmHWM belongs to the child's
# own address space, made new by exec.
PEAK_RSS = """
import re, sys
from flask.cli import main
try:
    main()
finally:
    with open("/proc/self/status") as status:
        print(re.search(r"VmHWM:\\s*(\\d+) kB", status.read()).group(1), file=sys.stderr)
"""


def export_rss(url, *filters):
    """(tickets exported, peak RSS in MB) of a fresh child process exporting the tickets as CSV."""
    command = [sys.executable, "-c", PEAK_RSS, "--app", "wsgi", "tickets", "export", "--format", "csv",
               "--output", os.devnull, *filters]
    env = dict(os.environ, DATABASE_URL=url)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    *lines, peak = result.stderr.strip().splitlines()
    count = int(lines[-1].split()[1])  # 已导出 N 张工单到 …
    return count, int(peak) / 1024


def export_memory(label, app, url, work, total):
    """Top the database up to `total` tickets, then print the peak RSS of exporting a tenth and all."""
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Ticket))
    if have < total:
        extra = history_file(app, work / f"more-{label}.csv", total - have, seed=15)
        run_import(app, extra, total - have)
    _, idle_rss = export_rss(url, *NONE)  # the process itself: the app, its libraries and models
    small, small_rss = export_rss(url, *TENTH)
    big, big_rss = export_rss(url)
    print(f"{label}: 导出 {small} 张峰值内存 {small_rss:.1f} MB，导出 {big} 张峰值内存 {big_rss:.1f} MB，"
          f"内存比 {big_rss / small_rss:.3f}（工单数比 {big / small:.1f}）；"
          f"不导出任何工单的同一进程 {idle_rss:.1f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("HOTLINE_TEST_DATABASE_URL"),
                        help="PostgreSQL 服务器（在其上新建并最后删除 hotline_bench_<pid> 数据库）")
    parser.add_argument("--export-memory", action="store_true", help="也测量导出的峰值内存")
    parser.add_argument("--export-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-import-") as work:
        run(args, Path(work))


def run(args, work):
    targets = [("SQLite", f"sqlite:///{work / 'import.db'}")]
    if args.database_url:
        targets.append(("PostgreSQL", args.database_url))
    path = work / "history.csv"
    for label, url in targets:
        with ExitStack() as stack:
            if label == "PostgreSQL":
                url = stack.enter_context(postgres_database(url))
            app = fresh_app(url)
            if not path.exists():
                history_file(app, path, args.rows, seed=14)
            seconds, cpu = run_import(app, path, args.rows)
            print(f"{label}: 导入 {args.rows} 行用时 {seconds:.1f} s（本进程 CPU {cpu:.1f} s），"
                  f"{args.rows / seconds:,.0f} 行/s，每 10 万行 {seconds * 100_000 / args.rows:.1f} s；"
                  f"机器负载 {os.getloadavg()[0]:.1f}")
            if args.export_memory:
                export_memory(label, app, url, work, args.export_rows)
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
