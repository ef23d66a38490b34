"""The deadline sweep with a controlled clock: levels, records, urges, notices, idempotency."""
from hotline.extensions import db
from tests.jobs.helpers import counts, local, notices, records, sweep, urges


def refreshed(ticket):
    db.session.expire_all()
    return ticket


def test_ticket_walks_warning_overdue_severe_across_weekend_and_national_day(factory):
    # Dispatched on the last working afternoon before the 2026 National Day week (Oct 1–7).
    ticket = factory.ticket("dispatched", now=local("2026-09-30T15:00"))
    assert ticket.sign_due_at == local("2026-10-08T15:00")
    assert ticket.sign_severe_at == local("2026-10-14T15:00")  # Sat 10th works, Sun 11th does not

    sweep("2026-10-05T12:00")
    assert (refreshed(ticket).sign_level, notices(ticket)) == (0, [])

    sweep("2026-10-08T13:36")
    assert refreshed(ticket).sign_level == 1
    assert [(n.kind, n.deadline) for n in notices(ticket)] == [("warning", "sign")]
    assert records(ticket) == [] and urges(ticket) == []

    version = ticket.version
    sweep("2026-10-08T15:00")
    [record] = records(ticket)
    assert (record.kind, record.severity, record.status) == ("sign", "overdue", "open")
    assert record.due_at == ticket.sign_due_at and record.met_at is None
    assert record.department_id == factory.department("housing").id
    assert record.assignment_id == ticket.assignments[-1].id
    [urge] = urges(ticket)
    assert (urge.actor_id, urge.actor_name, urge.from_state, urge.to_state) == (
        None, "system", "dispatched", "dispatched")
    assert refreshed(ticket).version == version + 1
    assert [n.kind for n in notices(ticket, "overdue")] == ["overdue"]

    sweep("2026-10-14T14:59")
    assert refreshed(ticket).sign_level == 2 and records(ticket, "sign")[0].severity == "overdue"

    sweep("2026-10-14T15:00")
    assert refreshed(ticket).sign_level == 3
    assert [r.severity for r in records(ticket, "sign")] == ["severely_overdue"]
    assert [n.deadline for n in notices(ticket, "severely_overdue")] == ["sign"]
    # The completion clock was missed on the way too: its own single record and urge.
    assert [r.kind for r in records(ticket)] == ["sign", "complete"]
    assert len(urges(ticket)) == 2


def test_second_sweep_at_the_same_moment_changes_nothing(factory):
    tickets = [factory.ticket("dispatched", now=local("2026-11-02T09:00")) for _ in range(3)]
    factory.act(tickets[0], "dept_housing", "sign", now=local("2026-11-02T10:00"))
    db.session.commit()
    first = sweep("2026-11-12T10:00")
    assert first["tickets"] == 3 and first["records"] > 0
    before = counts(), [(t.version, t.sign_level, t.complete_level, t.complete_next_at)
                        for t in map(refreshed, tickets)]

    second = sweep("2026-11-12T10:00")
    assert second == {"tickets": 0, "records_closed": 0}
    after = counts(), [(t.version, t.sign_level, t.complete_level, t.complete_next_at)
                       for t in map(refreshed, tickets)]
    assert after == before


def test_downtime_is_caught_up_in_one_sweep_without_duplicates(factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    sweep("2026-12-01T09:00")  # the scheduler was down for weeks: straight to severely overdue
    assert (ticket.sign_level, ticket.complete_level) == (3, 3)
    assert [(r.kind, r.severity) for r in records(ticket)] == [
        ("sign", "severely_overdue"), ("complete", "severely_overdue")]
    assert [n.kind for n in notices(ticket)] == ["severely_overdue"] * 2
    [urge] = urges(ticket)
    assert urge.data == {"automatic": True, "deadlines": ["sign", "complete"]}


def test_approved_extension_before_due_prevents_the_overdue_record(factory):
    ticket = factory.ticket("accepted", now=local("2026-11-02T09:00"))
    old_due = ticket.complete_due_at
    factory.act(ticket, "dept_housing", "request_extension", {"days": 3, "reason": "需要协调施工队"},
                now=local("2026-11-05T09:00"))
    factory.act(ticket, "dispatcher1", "approve_extension", now=local("2026-11-05T10:00"))
    db.session.commit()
    assert ticket.complete_due_at > old_due

    sweep(old_due)
    assert records(ticket) == [] and urges(ticket) == []

    sweep(ticket.complete_due_at)
    [record] = records(ticket)
    assert (record.kind, record.due_at) == ("complete", ticket.complete_due_at)


def test_redo_starts_a_new_deadline_with_its_own_record(factory):
    ticket = factory.ticket("accepted", now=local("2026-11-02T09:00"))
    first_due = ticket.complete_due_at
    sweep("2026-11-10T09:00")
    [late] = records(ticket, "complete")
    factory.act(ticket, "dept_housing", "reply", {"result": "已督促物业修复电梯", "outcome": "resolved"},
                now=local("2026-11-10T10:00"))
    factory.act(ticket, "dispatcher1", "approve_reply", now=local("2026-11-10T11:00"))
    factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "unsatisfied", "resolved": False},
                now=local("2026-11-11T09:00"))
    db.session.commit()
    assert ticket.state == "dispatched" and ticket.complete_due_at > first_due
    assert (ticket.sign_level, ticket.complete_level) == (0, 0)

    sweep("2026-11-11T09:00")
    assert late.met_at == local("2026-11-10T10:00")
    # Due Friday 17:30: all of Monday and an hour on Tuesday, in working minutes.
    assert late.late_minutes == 7 * 60 + 60
    assert len(records(ticket)) == 1

    sweep("2026-11-25T09:00")
    redo = [r for r in records(ticket, "complete") if r.id != late.id]
    assert len(redo) == 1 and redo[0].due_at == ticket.complete_due_at
    assert redo[0].assignment_id == ticket.assignments[-1].id != late.assignment_id


def test_step_done_late_between_sweeps_is_still_held_to_account(factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    assert ticket.sign_due_at == local("2026-11-02T17:30")
    sweep("2026-11-02T17:00")
    factory.act(ticket, "dept_housing", "sign", now=local("2026-11-03T09:25"))
    db.session.commit()

    sweep("2026-11-03T09:30")
    [record] = records(ticket, "sign")
    # Late in working time: the evening and night before 09:00 do not count.
    assert (record.met_at, record.late_minutes) == (local("2026-11-03T09:25"), 25)
    assert urges(ticket) == [] and notices(ticket, "overdue") == []
    assert ticket.sign_next_at is None


def test_rejected_reply_restarts_the_clock_it_had_stopped(factory):
    ticket = factory.ticket("replied", now=local("2026-11-02T09:00"))
    sweep("2026-11-09T09:00")  # the on-time reply is judged once: no record
    assert records(ticket) == [] and ticket.complete_next_at is None
    factory.act(ticket, "dispatcher1", "reject_reply", {"reason": "答复不完整"},
                now=local("2026-11-09T10:00"))
    db.session.commit()

    sweep("2026-11-09T10:00")
    [record] = records(ticket, "complete")
    assert record.due_at == ticket.complete_due_at and record.met_at is None
    assert len(urges(ticket)) == 1


def test_a_withdrawn_record_is_reopened_when_the_clock_runs_out_after_all(factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    sweep("2026-11-03T10:00")
    [record] = records(ticket, "sign")
    # What a calendar recompute does when a change makes the record wrong: withdraw it and let the
    # clock run again from on time, due later.
    record.status = "withdrawn"
    ticket.sign_level, ticket.sign_next_at = 0, local("2026-11-04T09:00")
    db.session.commit()
    summary = sweep("2026-11-04T09:00")
    [reopened] = records(refreshed(ticket), "sign")
    assert (reopened.id, reopened.status, reopened.detected_at) == (record.id, "open", local("2026-11-04T09:00"))
    assert summary["records"] == 1
