"""Running a job: take its lock, skip a tick already done, run, record the run, commit once."""
from sqlalchemy import select

from hotline.extensions import db
from hotline.jobs.locks import job_lock
from hotline.jobs.models import JobRun
from hotline.jobs.tasks import JOBS
from hotline.timeutil import utcnow


def run_job(name, now, tick=None):
    """Run job `name` as of `now`; with a tick, at most once per tick across all schedulers."""
    job = JOBS[name]
    started = utcnow()
    try:
        with job_lock(name) as acquired:
            if not acquired:
                db.session.rollback()
                return {"job": name, "status": "skipped", "reason": "locked"}
            if tick is not None and db.session.scalar(
                    select(JobRun.id).where(JobRun.job == name, JobRun.tick == tick)):
                db.session.rollback()
                return {"job": name, "status": "skipped", "reason": "done"}
            result = job(now)
            db.session.add(JobRun(job=name, tick=tick, as_of=now, started_at=started,
                                  finished_at=utcnow(), result=result))
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {"job": name, "status": "ran", "result": result}
