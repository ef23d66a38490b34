"""One runner per job at a time, however many schedulers were started by mistake.

PostgreSQL: a transaction-level advisory lock, released by the job's commit or rollback.
SQLite: a row in job_locks with an expiry, so that a crashed holder cannot block forever.
"""
import zlib
from contextlib import contextmanager
from datetime import timedelta
from uuid import uuid4

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hotline.extensions import db
from hotline.jobs.models import JobLock
from hotline.timeutil import utcnow

# Longer than any job runs; only a holder that died leaves a lock to expire.
LOCK_TTL = timedelta(minutes=30)


@contextmanager
def job_lock(name):
    """Yield whether this process holds the lock for job `name`."""
    if db.engine.dialect.name == "postgresql":
        yield _advisory_lock(name)
    else:
        with _lock_row(name) as acquired:
            yield acquired


def _advisory_lock(name):
    # Keyed by schema too: advisory locks are per database, and each schema is its own hotline.
    schema = db.session.scalar(text("SELECT current_schema()"))
    key = zlib.crc32(f"hotline:{schema}:{name}".encode())
    return db.session.scalar(select(func.pg_try_advisory_xact_lock(key)))


@contextmanager
def _lock_row(name):
    holder, wall = uuid4().hex, utcnow()
    # Lock rows are committed on their own: other processes must see them while the job runs.
    db.session.execute(sqlite_insert(JobLock).values(name=name, holder="", expires_at=wall)
                       .on_conflict_do_nothing())
    taken = db.session.execute(
        update(JobLock).where(JobLock.name == name, JobLock.expires_at <= wall)
        .values(holder=holder, expires_at=wall + LOCK_TTL)
    ).rowcount == 1
    db.session.commit()
    try:
        yield taken
    finally:
        if taken:
            db.session.rollback()
            db.session.execute(update(JobLock).where(JobLock.name == name, JobLock.holder == holder)
                               .values(expires_at=utcnow()))
            db.session.commit()
