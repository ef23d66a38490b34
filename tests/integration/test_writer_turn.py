"""SQLite's writers queue for their turn on a lock file beside the database (hotline.extensions.
WriterConnection): held from BEGIN IMMEDIATE until the commit or rollback has finished, so that a
waiting writer goes on as soon as the lock is free instead of sleeping through SQLite's busy handler."""
import fcntl
import os
import threading

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from hotline import extensions
from hotline.extensions import WriterConnection, attach_engine_listeners


@pytest.fixture
def database(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the writers' turn is SQLite's; PostgreSQL locks rows")
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


@pytest.fixture
def engine(database):
    """An engine of its own on the test database, set up as the app sets up its own."""
    engine = create_engine(f"sqlite:///{database}")
    attach_engine_listeners(engine)
    yield engine
    engine.dispose()


def _turn_is_free(database):
    """Whether another process could take the writers' turn now (and leave it free again)."""
    fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken above
    return True


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_writer_holds_its_turn_from_begin_until_its_transaction_ends(database, engine, end):
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, WriterConnection)
        assert _turn_is_free(database)
        transaction = connection.begin()
        connection.execute(text("UPDATE ticket_sequences SET last = last"))
        assert not _turn_is_free(database)
        getattr(transaction, end)()
        assert _turn_is_free(database)


def test_a_waiting_writer_goes_on_only_after_the_holder_has_committed(database, engine):
    committed, order = threading.Event(), []

    def second_writer():
        with engine.begin() as connection:  # waits here for the turn
            order.append(("second began", committed.is_set()))
            connection.execute(text("UPDATE ticket_sequences SET last = last"))

    with engine.connect() as first:
        with first.begin():
            first.execute(text("UPDATE ticket_sequences SET last = last"))
            waiter = threading.Thread(target=second_writer)
            waiter.start()
            waiter.join(timeout=0.3)
            assert waiter.is_alive() and not order  # queued behind the first writer
        committed.set()
    waiter.join(timeout=30)
    assert order == [("second began", True)]
    assert _turn_is_free(database)


def test_a_writer_that_never_gets_its_turn_gives_up_as_database_unavailable(api, database, engine, monkeypatch):
    operator = api("operator1")  # signing in writes: before the turn is taken away
    monkeypatch.setattr(extensions, "_WRITE_LOCK_TIMEOUT", 0.2)
    fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process holds the turn and never lets go
        answer = operator.post("/tickets", json={
            "channel": "phone", "type": "complaint", "content": "小区楼下的路灯坏了一个星期，晚上出门看不清路",
            "caller_phone": "13800001111", "area": "城东区"})
    finally:
        os.close(fd)
    assert answer.status_code == 503, answer.json
    assert answer.json["error"]["code"] == "database_unavailable"
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM tickets WHERE caller_phone = '13800001111'")) == 0


def test_a_writer_that_fails_to_begin_gives_its_turn_back(database, engine, monkeypatch):
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection

        def refuse(statement, *args, **kwargs):
            raise OperationalError(statement, None, Exception("disk I/O error"))

        monkeypatch.setattr(connection, "exec_driver_sql", refuse)
        with pytest.raises(OperationalError, match="disk I/O error"):
            connection.begin()
        assert not dbapi_connection._holding and _turn_is_free(database)


def test_writers_that_do_not_take_the_turn_still_meet_sqlite_s_own_lock(database, engine):
    import sqlite3

    outsider = sqlite3.connect(database, isolation_level=None, timeout=30)  # the sqlite3 shell, say
    try:
        outsider.execute("BEGIN IMMEDIATE")
        done = []

        def writer():
            with engine.begin() as connection:
                connection.execute(text("UPDATE ticket_sequences SET last = last"))
            done.append(True)

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=0.3)
        assert thread.is_alive() and not done  # the turn was free, SQLite's lock was not
        outsider.execute("COMMIT")
        thread.join(timeout=30)
        assert done == [True]
    finally:
        outsider.close()
