"""A `limits` storage in the product's own database, so that every web worker and host counts
login failures in one place without another service (HOTLINE_RATELIMIT_STORAGE_URI may name
Redis instead). Fixed windows: one row per key with its count and when its window ends."""
import random
import time

from limits.storage import Storage
from sqlalchemy import Column, Float, Integer, String, Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from hotline.extensions import db

SCHEME = "hotline-db"
# Expired rows are deleted now and then by the writes themselves.
PRUNE_CHANCE = 0.01

counters = Table(
    "rate_limit_counters", db.Model.metadata,
    Column("key", String(255), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)


class DatabaseStorage(Storage):
    """Counters in the app's database, each change in its own short transaction (it must count
    even when the request that failed rolls back)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key, expiry, amount=1):
        now = time.time()
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.engine.dialect.name]
        statement = insert(counters).values(key=key, count=amount, expires_at=now + expiry)
        expired = counters.c.expires_at <= now
        # A window that ended starts again at this hit; a running one counts on.
        statement = statement.on_conflict_do_update(index_elements=[counters.c.key], set_={
            "count": case((expired, amount), else_=counters.c.count + amount),
            "expires_at": case((expired, now + expiry), else_=counters.c.expires_at),
        }).returning(counters.c.count)
        with db.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.random() < PRUNE_CHANCE:
                connection.execute(delete(counters).where(counters.c.expires_at <= now))
        return count

    def get(self, key):
        with db.engine.connect() as connection:
            count = connection.execute(select(counters.c.count).where(
                counters.c.key == key, counters.c.expires_at > time.time())).scalar()
        return count or 0

    def get_expiry(self, key):
        with db.engine.connect() as connection:
            expiry = connection.execute(select(counters.c.expires_at).where(counters.c.key == key)).scalar()
        return expiry if expiry is not None else time.time()

    def check(self):
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self):
        with db.engine.begin() as connection:
            return connection.execute(delete(counters)).rowcount

    def clear(self, key):
        with db.engine.begin() as connection:
            connection.execute(delete(counters).where(counters.c.key == key))
