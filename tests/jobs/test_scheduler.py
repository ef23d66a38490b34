"""The scheduler: ticks, catch-up at start, one run per tick, locks against a second scheduler."""
import json
import subprocess
import sys
import threading
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline.accountability.models import AccountabilityRecord
from hotline.extensions import db
from hotline.jobs import scheduler
from hotline.jobs.locks import holder_alive, holder_name, job_lock
from hotline.jobs.models import JobLock, JobRun
from hotline.jobs.runner import run_job
from hotline.timeutil import utcnow
from tests.jobs.helpers import SHANGHAI, local, urges

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("schedule, now, tick", [
    (scheduler.Schedule(minutes=1), "2026-11-02T09:00:59", "2026-11-02T09:00"),
    (scheduler.Schedule(minutes=5), "2026-11-02T09:14:10", "2026-11-02T09:10"),
    (scheduler.Schedule(daily_at=time(8)), "2026-11-02T08:00:00", "2026-11-02T08:00"),
    (scheduler.Schedule(daily_at=time(8)), "2026-11-02T07:59:59", "2026-11-01T08:00"),
    (scheduler.Schedule(daily_at=time(2, 30)), "2026-11-02T23:00", "2026-11-02T02:30"),
])
def test_tick_is_the_latest_fire_time(schedule, now, tick):
    assert schedule.tick(local(now), SHANGHAI) == local(tick)


def test_scheduler_runs_every_job_at_start_then_on_its_trigger(app):
    built = scheduler.build(app)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == set(scheduler.SCHEDULES) >= {"deadline_sweep", "revisit_queue", "daily_briefing",
                                                      "hotspots", "retrain"}
    assert str(built.timezone) == "Asia/Shanghai"
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1
        assert abs((job.next_run_time - utcnow()).total_seconds()) < 60  # catch-up at start
    assert jobs["deadline_sweep"].misfire_grace_time == 30
    assert jobs["daily_briefing"].misfire_grace_time is None
    assert str(jobs["daily_briefing"].trigger) == "cron[hour='8', minute='0']"
    assert str(jobs["hotspots"].trigger) == "cron[minute='*/15']"


def test_a_tick_runs_once(factory):
    factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    tick = local("2026-11-03T09:00")
    assert run_job("deadline_sweep", tick, tick)["status"] == "ran"
    assert run_job("deadline_sweep", tick, tick) == {
        "job": "deadline_sweep", "status": "skipped", "reason": "done"}
    runs = db.session.scalars(select(JobRun)).all()
    assert [(r.job, r.tick, r.result["records"]) for r in runs] == [("deadline_sweep", tick, 1)]


def test_a_held_lock_makes_a_second_runner_do_nothing(app, factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    held, release = threading.Event(), threading.Event()

    def other_scheduler():
        with app.app_context(), job_lock("deadline_sweep") as acquired:
            assert acquired
            held.set()
            release.wait(10)
            db.session.rollback()

    thread = threading.Thread(target=other_scheduler)
    thread.start()
    try:
        assert held.wait(10)
        outcome = run_job("deadline_sweep", local("2026-11-03T09:00"))
    finally:
        release.set()
        thread.join()
    assert outcome == {"job": "deadline_sweep", "status": "skipped", "reason": "locked"}
    assert urges(ticket) == []
    assert run_job("deadline_sweep", local("2026-11-03T09:00"))["status"] == "ran"


def test_an_expired_lock_row_is_taken_over(app, factory):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("lock rows are the SQLite mechanism; PostgreSQL uses advisory locks")
    db.session.add(JobLock(name="revisit_queue", holder="crashed", expires_at=local("2026-01-01T00:00")))
    db.session.commit()
    assert run_job("revisit_queue", local("2026-11-03T09:00"))["status"] == "ran"
    lock = db.session.get(JobLock, "revisit_queue")
    assert lock.holder != "crashed" and lock.expires_at <= utcnow()


def test_two_schedulers_on_postgresql_run_each_tick_once(app, factory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two schedulers need a server database (PostgreSQL advisory locks)")
    tickets = [factory.ticket("dispatched", now=local("2026-11-02T09:00")) for _ in range(20)]
    ticks = [local("2026-11-03T09:00"), local("2026-11-10T09:00")]
    barrier, outcomes = threading.Barrier(2), []

    def scheduler_process():
        for tick in ticks:
            barrier.wait(10)
            with app.app_context():
                outcomes.append(run_job("deadline_sweep", tick, tick))

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o["status"] for o in outcomes) == ["ran", "ran", "skipped", "skipped"]
    assert db.session.scalar(select(func.count(JobRun.id))) == 2
    records = db.session.scalars(select(AccountabilityRecord)).all()
    assert sorted((r.ticket_id, r.kind) for r in records) == sorted(
        (t.id, kind) for t in tickets for kind in ("sign", "complete"))
    assert all(len(urges(t)) == 2 for t in tickets)


def test_cli_runs_a_job_as_if_at_a_moment(runner, factory):
    factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    result = runner.invoke(args=["jobs", "run", "deadline_sweep", "--now", "2026-11-03T09:00"])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert (outcome["status"], outcome["result"]["records"]) == ("ran", 1)
    run = db.session.scalar(select(JobRun))
    assert (run.tick, run.as_of) == (None, local("2026-11-03T09:00"))


@pytest.mark.parametrize("args", [["jobs", "run", "nap"], ["jobs", "run", "deadline_sweep", "--now", "soon"]])
def test_cli_refuses_unknown_jobs_and_moments(runner, args):
    assert runner.invoke(args=args).exit_code == 2


KILLED_MID_SWEEP = """
import os, sys
from config import TestingConfig
from hotline.app import create_app
from hotline.jobs.locks import holder_alive, holder_name, job_lock
app = create_app(type("Killed", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": sys.argv[1]}))
with app.app_context(), job_lock("deadline_sweep") as acquired:
    print("held" if acquired else "refused", flush=True)
    os._exit(9)  # dies holding the lock, as a scheduler killed mid-sweep does
"""


def test_a_lock_left_by_a_killed_scheduler_is_taken_over_at_once(app, factory):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("lock rows are the SQLite mechanism; PostgreSQL's advisory locks end with the connection")
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    db.session.commit()
    done = subprocess.run([sys.executable, "-c", KILLED_MID_SWEEP, app.config["SQLALCHEMY_DATABASE_URI"]],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9 and done.stdout.strip() == "held", done.stderr
    db.session.expire_all()
    left = db.session.get(JobLock, "deadline_sweep")
    assert left.expires_at > utcnow()  # still held on paper, for another half hour
    assert not holder_alive(left.holder)
    outcome = run_job("deadline_sweep", local("2026-11-03T09:00"))
    assert outcome["status"] == "ran" and urges(ticket) != []


def test_only_a_holder_seen_dead_on_this_machine_loses_its_lock():
    assert holder_alive(holder_name())
    ended = subprocess.run([sys.executable, "-c", "from hotline.jobs.locks import holder_name; print(holder_name())"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert not holder_alive(ended)
    # Another machine's holder cannot be seen: it counts as alive until the lock expires.
    assert holder_alive("some-other-host:1:1:abcd")
    assert holder_alive("crashed")


def test_old_runs_are_pruned_but_each_jobs_latest_is_kept(ctx):
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    for job, finished in [("deadline_sweep", old), ("deadline_sweep", old), ("deadline_sweep", recent),
                          ("daily_briefing", old)]:
        db.session.add(JobRun(job=job, tick=None, as_of=finished, started_at=finished, finished_at=finished,
                              result={}))
    db.session.commit()
    done = run_job("job_run_pruning", now)
    assert done["result"] == {"removed": 2, "days": 30}
    left = db.session.execute(select(JobRun.job, JobRun.finished_at).where(JobRun.job != "job_run_pruning")
                              .order_by(JobRun.job)).all()
    # The briefing's only run is old but its latest: kept, as /readyz and the metrics read it.
    assert [(job, when.date()) for job, when in left] == [("daily_briefing", old.date()),
                                                           ("deadline_sweep", recent.date())]
    assert scheduler.SCHEDULES["job_run_pruning"].daily_at == time(3, 45)
