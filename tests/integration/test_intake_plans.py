"""Intake's queries use index lookups only, so that it stays flat as the table grows (issue 13):
every statement POST /tickets runs is explained, and none may scan a table that grows with the
tickets."""
import re
import time

import pytest
from sqlalchemy import event, text

from hotline.extensions import db
from hotline.routing import similar
from tests.api.support import api, tokens  # noqa: F401
from tests.factories import ticket_data

# Tables whose size grows with the tickets; scanning the small reference tables is fine.
GROWING = ("tickets", "ticket_events", "assignments", "assignment_assists", "report_days", "notifications",
           "revisits", "audit_entries", "ticket_sequences", "assist_opinions", "accountability_records")


def _statements(app, call):
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if not executemany and re.match(r"\s*(SELECT|UPDATE|DELETE)", statement, re.I):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen


def _scans(app, statement, parameters):
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters or ()).all()
            lines = [row[-1] for row in plan]
            return [line for line in lines if re.match(rf"SCAN ({'|'.join(GROWING)})\b", line)]
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # tiny test tables: ask for the indexed plan
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters or None).all()
        lines = [row[0] for row in plan]
        db.session.rollback()
        return [line for line in lines if re.search(rf"Seq Scan on ({'|'.join(GROWING)})\b", line)]


@pytest.mark.parametrize("gap", [False, True], ids=["ids-in-order", "an-id-missing"])
def test_every_statement_of_intake_looks_up_by_index(app, api, gap):
    api("operator1").post("/tickets", json=ticket_data())  # warm: caches and the similarity index
    if gap:  # as if another intake's transaction still held an id below the newest indexed
        with app.app_context():
            similar.ticket_index().gaps[1] = time.monotonic()
    statements = _statements(app, lambda: api("operator1").post("/tickets", json=ticket_data(
        content="小区电梯又坏了，老人上不了楼", caller_phone="13700001111")))
    assert len(statements) >= 3
    assert gap == any("UNION ALL" in statement for statement, parameters in statements)
    scanning = {statement: scans for statement, parameters in statements
                if (scans := _scans(app, statement, parameters))}
    assert scanning == {}


def test_the_check_sees_a_table_scan(app):
    assert _scans(app, "SELECT id FROM tickets WHERE content = 'x'", ())
    assert not _scans(app, "SELECT id FROM tickets WHERE number = '20260101-000001'", ())


def test_intake_does_not_ask_whether_the_calendar_changed(app, api):
    # A new ticket's number and report day need only the local date (HOTLINE_TIMEZONE): the calendar's
    # freshness query is for working minutes, which nothing counts before a reply.
    api("operator1").post("/tickets", json=ticket_data())
    statements = _statements(app, lambda: api("operator1").post("/tickets", json=ticket_data(
        content="小区路灯坏了一个月，晚上走路看不见", caller_phone="13700002222")))
    assert any("ticket_sequences" in statement for statement, _ in statements)
    assert not [statement for statement, _ in statements if "calendar_years" in statement]
