"""Personal data retention (issue 13): finished tickets lose the caller's personal data after the
period; open ones and the report figures keep everything."""
from datetime import timedelta

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.reports import queries
from hotline.reports.scope import report_scope
from hotline.tickets import retention
from hotline.tickets.models import Ticket
from hotline.timeutil import utcnow
from tests.jobs.helpers import local

OLD = local("2024-03-04T10:00")


def _summary(user, day_from, day_to):
    query = type("Q", (), {"date_from": day_from, "date_to": day_to, "department_id": None, "category_id": None,
                           "area": None, "channel": None})()
    scope, calendar, _ = report_scope(query, user, utcnow())
    return queries.summary(scope, calendar)


def test_finished_tickets_past_the_period_lose_personal_data_and_keep_everything_else(factory):
    old_closed = factory.ticket("closed", now=OLD, caller_id_number="110101199003071234")
    old_answered = factory.ticket("answered", now=OLD)
    old_open = factory.ticket("dispatched", now=OLD)
    recent = factory.ticket("closed", now=utcnow() - timedelta(days=10))
    supervisor = factory.user("supervisor1")
    before = _summary(supervisor, OLD.date(), OLD.date() + timedelta(days=30))

    summary = retention.purge(utcnow(), days=365)
    db.session.commit()
    assert summary["purged"] == 2
    db.session.expire_all()
    for ticket in (old_closed, old_answered):
        assert (ticket.caller_name, ticket.caller_phone, ticket.caller_id_number) == (None, None, None)
        assert ticket.personal_data_purged_at is not None and ticket.content and ticket.closed_at
    assert old_open.caller_phone and recent.caller_phone  # still being handled / still within the period
    assert _summary(supervisor, OLD.date(), OLD.date() + timedelta(days=30)) == before

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "personal_data")).one()
    assert entry.action == "purge" and entry.after["purged"] == 2 and entry.actor_name == "system"
    # A second run finds nothing left and writes no entry.
    assert retention.purge(utcnow(), days=365)["purged"] == 0
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "personal_data")).all()) == 1


def test_the_daily_job_uses_the_configured_period(app, factory):
    ticket = factory.ticket("closed", now=OLD)
    app.config["HOTLINE_PERSONAL_DATA_RETENTION_DAYS"] = 100_000
    try:
        assert run_job("personal_data_retention", utcnow())["result"]["purged"] == 0
    finally:
        app.config["HOTLINE_PERSONAL_DATA_RETENTION_DAYS"] = 730
    assert run_job("personal_data_retention", utcnow())["result"]["purged"] == 1
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).caller_phone is None


def test_the_command_counts_first_and_purges_on_request(runner, factory):
    ticket = factory.ticket("closed", now=OLD)
    dry = runner.invoke(args=["tickets", "purge-personal-data", "--days", "365", "--dry-run"])
    assert dry.exit_code == 0 and "1 张（未修改）" in dry.output
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).caller_phone
    done = runner.invoke(args=["tickets", "purge-personal-data", "--days", "365"])
    assert done.exit_code == 0 and "已删除 1 张" in done.output
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).caller_phone is None
    bad = runner.invoke(args=["tickets", "purge-personal-data", "--days", "0"])
    assert bad.exit_code == 2
