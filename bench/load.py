"""Load benchmark (issue 13): gunicorn with the production settings, driven by locust.

    .venv/bin/python bench/load.py [--database sqlite|postgresql] [--preload 0] [--preload-per-day 5000]
                                   [--users 16,64] [--seconds 30] [--workers 2]

Builds a fresh database (an SQLite file, or a PostgreSQL database of its own on
HOTLINE_BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres), with the demo
city, the default model and --preload tickets (by default a centre's history at 5,000 calls a day:
a million tickets are 200 days, those older than 10 days finished); starts gunicorn (deploy/gunicorn.conf.py,
HOTLINE_ENV=production) on bench/load_app.py, which adds a bare insert endpoint as the floor;
then, at each number of users, runs locust for --seconds per scenario:

- mixed: intake with suggestions, list queries, dispatch and sign, detail pages, dashboard reads;
- intake, classify and floor on their own, in the same run, so that intake's throughput can be
  set against what its parts allow: 1 / (1/classify rate + 1/floor rate).

Prints requests/s and p50/p95/p99 per endpoint and the error count. Targets on a 2-core machine:
0 errors; ≥ 150 creations/s at 16 users; p95 < 200 ms for every endpoint but dashboard reads
(< 1 s); intake ≥ 70 % of what its parts allow.
"""
import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SCENARIOS = ("mixed", "intake", "classify", "floor")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(kind, work):
    if kind == "sqlite":
        return f"sqlite:///{work / 'load.db'}"
    import psycopg

    server = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"hotline_load_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url):
    if url.startswith("postgresql"):
        import psycopg

        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask(env, *args):
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stderr}")


def preload(env, count, per_day):
    if not count:
        return
    from bench.pages import store_tickets
    from config import ProductionConfig, database_url
    from hotline.app import create_app

    os.environ.update(env)
    # The settings as the workers see them: the config module may have been read before env was set
    # (database_url: postgresql:// names the psycopg 3 driver, as config.py does for the workers).
    app = create_app(type("Preload", (ProductionConfig,), {"SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]),
                                                           "SECRET_KEY": env["SECRET_KEY"],
                                                           "HOTLINE_MODEL_DIR": env["HOTLINE_MODEL_DIR"]}))
    store_tickets(app, count, per_day=per_day or None)


def wait_ready(port, seconds=120, server=None, log=None):
    """Until /healthz answers; stops with gunicorn's last words if it exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    said = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log and log.exists() else ""
    exited = " (it exited)" if server is not None and server.poll() is not None else ""
    sys.exit(f"gunicorn did not come up{exited}:\n{said}")


def _tree_cpu_seconds(pid):
    """CPU seconds used so far by a process and its children (gunicorn's master and workers)."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid or stat.parent.name == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def wait_idle(pid, seconds=1800):
    """With tickets preloaded, each worker builds its similarity index over the open tickets of the
    window in a thread of its own after boot; measure once they have: until the workers' CPU falls
    below a tenth of a core over 5 s."""
    deadline, started = time.monotonic() + seconds, time.monotonic()
    used = _tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(5)
        now_used = _tree_cpu_seconds(pid)
        if now_used - used < 0.5:
            print(f"workers idle after {time.monotonic() - started:.0f} s (indexes built)")
            return
        used = now_used
    sys.exit("the workers did not fall idle")


def sign_in(port):
    """Tokens for the users the locust file plays, and the housing bureau's id."""
    tokens = {}
    for username in ("operator1", "dispatcher1", "dept_housing", "supervisor1"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/token", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": username, "password": os.environ.get("HOTLINE_DEMO_PASSWORD",
                                                                             "hotline-demo")}).encode())
        with urllib.request.urlopen(request) as response:
            tokens[username] = json.load(response)["token"]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/departments",
                                     headers={"Authorization": f"Bearer {tokens['dispatcher1']}"})
    with urllib.request.urlopen(request) as response:
        housing = next(d["id"] for d in json.load(response)["items"] if d["code"] == "housing")
    return {"LOAD_TOKENS": json.dumps(tokens), "LOAD_HOUSING_ID": str(housing)}


def run_locust(port, scenario, users, seconds, texts, out, signed, warm_up=False):
    prefix = out / f"{scenario}-{users}{'-warm' if warm_up else ''}"
    env = os.environ | signed | {"LOAD_SCENARIO": scenario, "LOAD_TEXTS": str(texts)}
    done = subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                   cwd=ROOT, env=env, capture_output=True, text=True)
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust ({scenario}, {users} users) failed:\n{done.stderr[-3000:]}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] not in ("login", "setup")]
    if warm_up:
        return rows
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, encoding="utf-8") as handle:
            for row in list(csv.DictReader(handle))[:3]:
                print(f"  failures of {row['Name']} ({scenario}, {users} users): "
                      f"{row['Occurrences']} × {row['Error'][:200]}")
    if len(rows) < 2:
        sys.exit(f"locust ({scenario}, {users} users) made no {scenario} requests:\n{done.stderr[-3000:]}")
    return rows


def print_rows(title, rows):
    print(f"\n{title}")
    print(f"  {'endpoint':<34} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>7}")
    for row in rows:
        print(f"  {row['Name'] if row['Name'] != 'Aggregated' else 'all':<34} "
              f"{float(row['Requests/s']):8.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
              f"{row['Failure Count']:>7}")


def rate(rows, name):
    return next(float(r["Requests/s"]) for r in rows if r["Name"] == name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--preload", type=int, default=0)
    parser.add_argument("--preload-per-day", type=int, default=5000,
                        help="the preload as a centre's history: this many calls a day, those older than 10 days "
                             "finished; 0: all in the last 60 days, over every state (a backlog of open tickets)")
    parser.add_argument("--users", default="16,64")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = prepare_database(args.database, work)
    port = free_port()
    env = os.environ | {"HOTLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": url,
                        "HOTLINE_MODEL_DIR": str(work / "models"), "HOTLINE_PORT": str(port),
                        "HOTLINE_WORKERS": str(args.workers), "HOTLINE_THREADS": str(args.threads),
                        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
                        "HOTLINE_LOGIN_LIMIT": "1000 per minute", "OMP_NUM_THREADS": "1"}
    gunicorn = None
    try:
        for command in (["setup"], ["seed-demo"], ["model", "ensure-default"]):
            flask(env, *command)
        preload(env, args.preload, args.preload_per_day)
        from bench.classifier import synthetic_corpus

        texts = work / "calls.txt"
        # One call per line: a call's own line breaks become spaces (split, they were fragments that
        # intake rightly refuses as too short, counted as errors).
        calls = [" ".join(text.split()) for text in synthetic_corpus(5000, seed=11)[0]]
        texts.write_text("\n".join(calls), encoding="utf-8")
        server_log = open(work / "gunicorn.log", "w", encoding="utf-8")  # gunicorn's output, for a start that fails
        gunicorn = subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "bench.load_app:app"],
                                    cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        wait_ready(port, server=gunicorn, log=work / "gunicorn.log")
        if args.preload:
            wait_idle(gunicorn.pid)
        signed = sign_in(port)
        for scenario in SCENARIOS:  # every worker loads its models and fills its caches first
            run_locust(port, scenario, 8, 5, texts, work, signed, warm_up=True)
        print(f"{args.database}, {args.preload:,} tickets preloaded, gunicorn with {args.workers} workers × "
              f"{args.threads} threads, {args.seconds} s per scenario")
        for users in (int(u) for u in args.users.split(",")):
            results = {s: run_locust(port, s, users, args.seconds, texts, work, signed) for s in SCENARIOS}
            for scenario in SCENARIOS:
                print_rows(f"{users} users · {scenario}", results[scenario])
            intake = rate(results["intake"], "POST /tickets")
            classify, floor = rate(results["classify"], "POST /classify"), rate(results["floor"], "POST /bench/floor")
            allowed = 1 / (1 / classify + 1 / floor)
            print(f"\n  {users} users: intake {intake:.0f}/s; its parts allow 1/(1/{classify:.0f} + 1/{floor:.0f})"
                  f" = {allowed:.0f}/s; intake is {intake / allowed:.0%} of that")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(30)
        drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
