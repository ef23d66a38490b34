"""SQLite has one writer at a time. Requests that only read, and intake's suggestion part, run
without the write lock (reads_first), so that they no longer queue behind every writer; the moment
intake writes it takes the lock (begin_writing), and a write in a lock-free transaction is refused."""
import sqlite3
import threading
import time

import pytest
from sqlalchemy import insert, make_url

from hotline.extensions import db
from hotline.tickets.models import TicketEvent

CALL = {"channel": "phone", "type": "complaint", "content": "小区楼下的路灯坏了一个星期，晚上出门看不清路",
        "caller_phone": "13800001111", "area": "城东区", "address": "城东区幸福路18号"}


@pytest.fixture
def hold_lock(app):
    """hold_lock() → a second connection to the SQLite file that holds the write lock, as another
    worker's request does while it writes; it commits a change when released. Signing in writes
    (the login counters), so tokens are taken before."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the write lock up front (BEGIN IMMEDIATE) is SQLite's; PostgreSQL locks rows")
    connection = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database,
                                 isolation_level=None, timeout=30)

    def hold():
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE ticket_sequences SET last = last")  # a write: it commits something
        return connection

    yield hold
    if connection.in_transaction:
        connection.execute("COMMIT")
    connection.close()


def test_reads_and_suggestions_answer_while_another_request_holds_the_write_lock(app, api, hold_lock):
    # Before, every request began with BEGIN IMMEDIATE: these waited for the lock (15 s) and then
    # answered 503 database_unavailable.
    operator, supervisor = api("operator1"), api("supervisor1")
    hold_lock()
    assert operator.post("/classify", json={"content": CALL["content"], "area": "城东区"}).status_code == 200
    assert operator.get("/tickets?per_page=5").status_code == 200
    assert supervisor.get("/reports/summary").status_code == 200


def test_intake_reads_its_suggestion_beside_a_writer_then_waits_for_the_lock_and_saves(app, api, hold_lock):
    operator = api("operator1")
    other_writer = hold_lock()
    answers = []

    def take_call():
        with app.app_context():
            answers.append(operator.post("/tickets", json=CALL))
            db.session.remove()

    caller = threading.Thread(target=take_call)
    caller.start()
    time.sleep(0.5)  # intake has read what it suggests and waits for the lock
    assert not answers
    other_writer.execute("COMMIT")  # what intake read is now older than the database
    caller.join(timeout=30)
    # The read part ended before the write began, so intake wrote on a fresh snapshot rather than
    # failing on a stale one ("database is locked").
    assert answers[0].status_code == 201, answers[0].json
    assert answers[0].json["suggestions"]["stage"] == "catalogue" and "similar" in answers[0].json["suggestions"]
    assert answers[0].json["number"]


def test_a_write_without_the_lock_is_refused(app, ctx):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the guard watches SQLite's transactions begun without the lock")
    with app.test_request_context("/api/v1/tickets"):
        from flask import g

        g.hotline_reads_first = True
        with pytest.raises(RuntimeError, match="begin_writing"):
            db.session.execute(insert(TicketEvent).values(ticket_id=1, action="note", created_at=None))
        db.session.rollback()
