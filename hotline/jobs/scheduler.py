"""The scheduler process (`flask --app wsgi scheduler`): APScheduler fires, jobs decide.

Web workers never start jobs; this process does, in Asia/Shanghai time. Every job also runs
once at start, which is the catch-up after downtime: the sweep works from database state,
and a daily job whose last tick has no recorded run makes it up now. Missed fires while the
process lives are coalesced into one run.
"""
import logging
import os
import signal
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from hotline.jobs.runner import run_job
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """Every `minutes` minutes or `seconds` seconds (a divisor of 60), or daily at `daily_at` local time."""

    minutes: int = 0
    daily_at: time | None = None
    seconds: int = 0

    def trigger(self, tz):
        if self.seconds:
            return CronTrigger(second=f"*/{self.seconds}", timezone=tz)
        if self.daily_at is not None:
            return CronTrigger(hour=self.daily_at.hour, minute=self.daily_at.minute, timezone=tz)
        return CronTrigger(minute=f"*/{self.minutes}", timezone=tz)

    def tick(self, now, tz):
        """The latest fire time at or before `now`: the run a fire at `now` stands for."""
        local = now.astimezone(tz)
        if self.daily_at is not None:
            fire = datetime.combine(local.date(), self.daily_at, tz)
            return fire if fire <= local else fire - timedelta(days=1)
        if self.seconds:
            return local.replace(second=local.second - local.second % self.seconds, microsecond=0)
        return local.replace(minute=local.minute - local.minute % self.minutes, second=0,
                             microsecond=0)

    @property
    def misfire_grace_time(self):
        # A late minute job is superseded by the next fire; a late daily job must still run.
        if self.seconds:
            return self.seconds
        return 30 if self.daily_at is None else None


SCHEDULES = {
    "deadline_sweep": Schedule(minutes=1),
    "revisit_queue": Schedule(minutes=5),
    "daily_briefing": Schedule(daily_at=time(8, 0)),
    "hotspots": Schedule(minutes=15),
    "retrain": Schedule(daily_at=time(2, 30)),
    "train_models": Schedule(minutes=1),
    "calendar_recompute": Schedule(minutes=1),
    "personal_data_retention": Schedule(daily_at=time(3, 30)),
    "webhooks": Schedule(seconds=10),
    "job_run_pruning": Schedule(daily_at=time(3, 45)),
}


def fire(app, name):
    """What APScheduler calls: run the job for the tick it stands for."""
    tz = ZoneInfo(app.config["HOTLINE_TIMEZONE"])
    with app.app_context():
        now = utcnow()
        outcome = run_job(name, now, SCHEDULES[name].tick(now, tz))
    log.info("%s: %s %s", name, outcome["status"], outcome.get("result") or outcome.get("reason"))


def build(app):
    tz = ZoneInfo(app.config["HOTLINE_TIMEZONE"])
    scheduler = BlockingScheduler(timezone=tz)
    start = datetime.now(tz)
    for name, schedule in SCHEDULES.items():
        scheduler.add_job(partial(fire, app, name), schedule.trigger(tz), id=name, name=name,
                          coalesce=True, max_instances=1, next_run_time=start,
                          misfire_grace_time=schedule.misfire_grace_time)
    return scheduler


def run(app):
    """Block until SIGINT or SIGTERM, then exit at once."""
    scheduler = build(app)

    def stop(signum, frame):
        if scheduler.running:  # `make run` sends INT and then TERM
            log.info("signal %s: stopping the scheduler", signum)
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler starting: %s", ", ".join(SCHEDULES))
    scheduler.start()
    # A job still running (a long retraining) is abandoned rather than awaited: each job is
    # one transaction, rolled back when the process ends and made up at the next start.
    os._exit(0)
