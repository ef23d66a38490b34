"""Flask extensions, created unbound and bound to the app in create_app()."""
import fcntl
import os
import sqlite3
import time
from contextlib import suppress

from flask import current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
# Limits are declared on the routes that need them (login); none applies by default.
limiter = Limiter(key_func=get_remote_address)
# Web pages sign in with a session (Flask-Login) and every form and htmx request carries a
# CSRF token (Flask-WTF); the JSON API uses Bearer tokens and is exempt.
login_manager = LoginManager()
csrf = CSRFProtect()


def attach_engine_listeners(engine):
    """SQLite settings on each new connection of the app's engine; nothing for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    if engine.url.database and engine.url.database != ":memory:" and not engine.url.database.startswith("file:"):
        lock_path = f"{os.path.abspath(engine.url.database)}-writer"

        @event.listens_for(engine, "do_connect")
        def connect_as_writer(dialect, record, cargs, cparams):
            connection = sqlite3.connect(*cargs, **cparams, factory=WriterConnection)
            connection.lock_path = lock_path
            return connection

    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    event.listen(engine, "before_cursor_execute", _refuse_unlocked_write)


def reads_first(view):
    """Mark a view that reads before it writes, or only reads: on SQLite its transaction begins
    without the write lock (BEGIN, not BEGIN IMMEDIATE), so that it runs beside other requests
    instead of queuing behind every writer. Before it writes it calls begin_writing(). Every other
    request, command and job takes the lock up front."""
    view.hotline_reads_first = True
    return view


def mark_reads_first():
    """before_request: whether this request's view is marked reads_first."""
    view = current_app.view_functions.get(request.endpoint)
    g.hotline_reads_first = getattr(view, "hotline_reads_first", False)


def begin_writing():
    """The request writes from here on. In a reads_first request on SQLite, the transaction that
    only read so far ends (nothing was written; the objects read stay loaded) and the next one
    takes the write lock at once; the answer then reflects what was read before. Elsewhere the
    transaction already holds the lock (SQLite) or takes row locks as it goes (PostgreSQL)."""
    if not (has_request_context() and g.get("hotline_reads_first")):
        return
    g.hotline_reads_first = False
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep


def _sqlite_pragmas(dbapi_connection, connection_record):
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(_WRITE_LOCK_TIMEOUT * 1000)}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# How long a writer waits for SQLite's write lock before giving up with "database is locked".
_WRITE_LOCK_TIMEOUT = 15.0
# While another writer holds the turn, look again after this long, doubling up to the longest.
_TURN_FIRST_PAUSE, _TURN_LONGEST_PAUSE = 0.0001, 0.001


class WriterConnection(sqlite3.Connection):
    """A pysqlite connection that queues for SQLite's single write lock on a lock file beside the
    database (flock), held from BEGIN IMMEDIATE until its commit or rollback has finished.

    SQLite's own busy handler makes a writer that finds the lock taken sleep 1, 2, 5, 10, 15 … ms
    before each new try, whether the holder needs 0.2 ms more or 20, so that under load a web worker
    slept on past the moment the lock came free (session 12, README "Load"). Here a waiter
    looks again within a millisecond. Processes that do not take the turn (the sqlite3 shell, a
    copy) still meet SQLite's lock, and its busy handler, as before; a process that dies releases
    its turn with its file descriptors."""

    lock_path = None
    _turn_fd = None
    _turn_pid = None
    _holding = False

    def take_turn(self):
        if self.lock_path is None:
            return
        if self._turn_pid != os.getpid():  # a fork's copy must not share its parent's lock
            self._turn_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._turn_pid, self._holding = os.getpid(), False
        if self._holding:
            return
        deadline, pause = time.monotonic() + _WRITE_LOCK_TIMEOUT, _TURN_FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self._turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._holding = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, _TURN_LONGEST_PAUSE)

    def end_turn(self):
        if self._holding and self._turn_pid == os.getpid():
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
        self._holding = False

    def commit(self):
        self._finish(super().commit)

    def rollback(self):
        self._finish(super().rollback)

    def _finish(self, end_transaction):
        try:
            end_transaction()
        finally:
            if not self.in_transaction:
                self.end_turn()

    def close(self):
        try:
            super().close()
        finally:
            self.end_turn()
            if self._turn_fd is not None and self._turn_pid == os.getpid():
                os.close(self._turn_fd)
            self._turn_fd = None


def _sqlite_begin(conn):
    # IMMEDIATE takes the write lock up front, so two requests on one ticket queue
    # instead of failing on a stale snapshot; the loser then sees the new state (409).
    # A reads_first request begins without it until begin_writing().
    deferred = has_request_context() and g.get("hotline_reads_first", False)
    if deferred:
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, WriterConnection):
        try:
            dbapi_connection.take_turn()
        except sqlite3.OperationalError as exc:
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except Exception:
        if isinstance(dbapi_connection, WriterConnection):
            dbapi_connection.end_turn()
        raise


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def _refuse_unlocked_write(conn, cursor, statement, parameters, context, executemany):
    # A write in a transaction begun without the lock would fail under load ("database is
    # locked" once another writer committed): refused always, so that tests find it.
    if statement[:6].upper() in _WRITES and has_request_context() and g.get("hotline_reads_first"):
        raise RuntimeError("a reads_first request wrote without begin_writing()")


# What a database that is down, missing or unreachable raises (SQLite's "database is locked" too:
# a retry later succeeds).
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down_message(exc):
    """One line for the operator of the service: which database, what the driver said, what to check."""
    url = "（未知）"
    with suppress(Exception):
        url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    said = str(getattr(exc, "orig", None) or exc).strip()
    reason = said.splitlines()[0] if said else type(exc).__name__
    return f"无法使用数据库 {url}：{reason}。请检查 DATABASE_URL 和数据库服务是否已启动。"
