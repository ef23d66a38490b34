"""One runner per job at a time, however many schedulers were started by mistake.

PostgreSQL: a transaction-level advisory lock, released by the job's commit or rollback.
SQLite: a row in job_locks naming its holder process, with an expiry. SQLite is a file on one
machine, so a runner that finds the lock held checks whether the holder process still lives
and takes over at once from a dead one (killed mid-sweep, say); the expiry is the last resort
for a holder on another machine sharing the file.
"""
import os
import socket
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


def _process_start(pid):
    """The process's start time in clock ticks since boot ("" where /proc is missing): with the
    pid it names one process, whatever later process reuses the pid."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


def holder_name():
    """host:pid:start:nonce of this process, at most 64 characters."""
    pid = os.getpid()
    return f"{socket.gethostname()[:24]}:{pid}:{_process_start(pid)}:{uuid4().hex[:8]}"


def holder_alive(holder):
    """Whether the process named by `holder` may still run. Only a process of this machine can
    be seen dead; any other holder (or one written before names had this form) counts as alive
    until its lock expires."""
    host, _, rest = holder.partition(":")
    pid, _, rest = rest.partition(":")
    start = rest.partition(":")[0]
    if host != socket.gethostname()[:24] or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    current = _process_start(pid)
    if current:
        return current == start
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _lock_row(name):
    holder, wall = holder_name(), utcnow()
    # Lock rows are committed on their own: other processes must see them while the job runs.
    db.session.execute(sqlite_insert(JobLock).values(name=name, holder="", expires_at=wall)
                       .on_conflict_do_nothing())
    current = db.session.execute(select(JobLock.holder, JobLock.expires_at).where(JobLock.name == name)).one()
    free = JobLock.expires_at <= wall
    if current.holder and current.expires_at > wall and not holder_alive(current.holder):
        free = JobLock.holder == current.holder  # its holder died: take over from exactly that one
    taken = db.session.execute(
        update(JobLock).where(JobLock.name == name, free)
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
