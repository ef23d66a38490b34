"""Workflow rules beyond the transition table: windows, clocks, redo, merge, history (SPEC §3–4)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.errors import InvalidInput, InvalidTransition
from hotline.extensions import db
from hotline.tickets import deadlines
from hotline.tickets.models import ExtensionRequest, Ticket, TicketEvent
from hotline.tickets.workflow import TERMINAL_STATES

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Thursday before the Qingming holiday (Sat 4 – Mon 6 April 2026): working-day arithmetic
# and calendar-day arithmetic disagree from here on.
T0 = datetime(2026, 4, 2, 10, 0, tzinfo=SHANGHAI)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DEADLINES = tuple(f"{kind}_{edge}_at" for kind in ("sign", "contact", "onsite", "complete")
                  for edge in ("warn", "due", "severe")) + ("return_due_at",)
# Normal complaints (the factory's default): sign within 1, complete within 5 working days.
SIGN_DAYS, COMPLETE_DAYS = 1, 5
REASON = {"reason": "不属于本单位职责"}
REPLY = {"result": "已联系物业完成维修", "outcome": "resolved"}


@pytest.fixture
def settings(app):
    return app.config


def _fresh(ticket):
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def _deadlines(ticket):
    return {name: getattr(ticket, name) for name in DEADLINES}


def _events(ticket):
    return db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                              .order_by(TicketEvent.id)).all()


def _refused(factory, ticket, username, action, payload, now, error=InvalidTransition):
    """Perform and expect `error`; return it after checking nothing was written."""
    before = (ticket.state, ticket.version, len(_events(ticket)), _deadlines(ticket))
    with pytest.raises(error) as raised:
        factory.act(ticket, username, action, payload, now=now)
    db.session.rollback()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.version, len(_events(ticket)), _deadlines(ticket)) == before
    return raised.value


def _assert_clocks_start_at(ticket, start, calendar, settings):
    assert ticket.dispatched_at == start
    assert ticket.sign_due_at == calendar.add_working_days(start, SIGN_DAYS)
    assert ticket.complete_due_at == calendar.add_working_days(start, COMPLETE_DAYS)
    assert ticket.complete_severe_at == calendar.add_working_days(
        ticket.complete_due_at, settings["HOTLINE_SEVERE_AFTER_DAYS"])
    assert ticket.return_due_at == calendar.add_working_days(
        start, settings["HOTLINE_RETURN_WINDOW_DAYS"])


# --- returns -------------------------------------------------------------------------

def test_return_window_is_two_working_days_from_dispatch(factory, work_calendar):
    ticket = factory.ticket("dispatched", now=T0)
    # Thursday + 2 working days skips the weekend and the Monday holiday.
    assert ticket.return_due_at == datetime(2026, 4, 7, 10, 0, tzinfo=SHANGHAI)
    assert ticket.return_due_at == work_calendar.add_working_days(T0, 2)


@pytest.mark.parametrize("state", ["dispatched", "accepted"])
def test_return_request_is_allowed_until_the_window_ends(factory, state):
    ticket = factory.ticket(state, now=T0)
    factory.act(ticket, "dept_housing", "request_return", REASON, now=ticket.return_due_at)
    assert ticket.state == "return_requested"


@pytest.mark.parametrize("state", ["dispatched", "accepted"])
def test_return_request_after_the_window_is_refused(factory, state):
    ticket = factory.ticket(state, now=T0)
    error = _refused(factory, ticket, "dept_housing", "request_return", REASON,
                     now=ticket.return_due_at + MINUTE)
    assert error.code == "return_window_passed"


@pytest.mark.parametrize("state", ["dispatched", "accepted"])
def test_reject_return_restores_the_state_and_the_original_deadlines(factory, state):
    ticket = factory.ticket(state, now=T0)
    deadlines, signed_at = _deadlines(ticket), ticket.signed_at
    factory.act(ticket, "dept_housing", "request_return", REASON, now=T0 + HOUR)
    factory.act(ticket, "dispatcher1", "reject_return", {"reason": "属于本单位职责"},
                now=T0 + 2 * HOUR)
    db.session.commit()
    ticket = _fresh(ticket)
    assert ticket.state == state
    assert ticket.state_before_return is None
    assert _deadlines(ticket) == deadlines
    assert ticket.signed_at == signed_at
    assert ticket.department.code == "housing"
    assert [a.ended_at for a in ticket.assignments] == [None]


def test_approve_return_clears_department_and_deadlines(factory):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "request_return", REASON, now=T0 + HOUR)
    factory.act(ticket, "dispatcher1", "approve_return", {}, now=T0 + 2 * HOUR)
    db.session.commit()
    ticket = _fresh(ticket)
    assert ticket.state == "received"
    assert ticket.department_id is None
    assert ticket.state_before_return is None
    assert _deadlines(ticket) == dict.fromkeys(DEADLINES)
    assert ticket.return_count == 1
    [assignment] = ticket.assignments
    assert (assignment.ended_at, assignment.end_reason) == (T0 + 2 * HOUR, "returned")
    assert deadlines.lateness(ticket, T0 + timedelta(days=60)) == "on_time"


def test_redispatch_after_return_starts_new_clocks_for_the_new_department(
        factory, work_calendar, settings):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "request_return", REASON, now=T0 + HOUR)
    factory.act(ticket, "dispatcher1", "approve_return", {}, now=T0 + 2 * HOUR)
    redispatched = datetime(2026, 4, 7, 14, 0, tzinfo=SHANGHAI)
    eco_env = factory.department("eco_env")
    factory.act(ticket, "dispatcher1", "dispatch", {"department_id": eco_env.id},
                now=redispatched)
    db.session.commit()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.department_id, ticket.signed_at) == (
        "dispatched", eco_env.id, None)
    _assert_clocks_start_at(ticket, redispatched, work_calendar, settings)
    first, second = ticket.assignments
    assert first.end_reason == "returned"
    assert (second.department_id, second.kind, second.started_at, second.ended_at) == (
        eco_env.id, "dispatch", redispatched, None)
    assert (second.sign_due_at, second.complete_due_at) == (
        ticket.sign_due_at, ticket.complete_due_at)
    factory.act(ticket, "dept_eco_env", "sign", {}, now=redispatched + HOUR)
    assert ticket.state == "accepted"


# --- extensions ----------------------------------------------------------------------

def _extend(factory, ticket, days, now, decision="approve_extension", payload=None):
    factory.act(ticket, "dept_housing", "request_extension",
                {"days": days, "reason": "需要协调施工单位"}, now=now)
    factory.act(ticket, "dispatcher1", decision, payload or {}, now=now + MINUTE)


@pytest.mark.parametrize("offset", [timedelta(0), MINUTE, timedelta(days=3)],
                         ids=["at-due", "minute-after", "days-after"])
def test_extension_request_from_the_due_time_on_is_refused(factory, offset):
    ticket = factory.ticket("accepted", now=T0)
    error = _refused(factory, ticket, "dept_housing", "request_extension",
                     {"days": 2, "reason": "需要协调施工单位"}, now=ticket.complete_due_at + offset)
    assert error.code == "extension_too_late"


def test_extension_request_just_before_the_due_time_is_pending(factory):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "request_extension",
                {"days": 2, "reason": "需要协调施工单位"}, now=ticket.complete_due_at - MINUTE)
    assert ticket.pending_extension.days == 2


def test_second_pending_extension_is_refused(factory):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "request_extension",
                {"days": 2, "reason": "需要协调施工单位"}, now=T0 + HOUR)
    db.session.commit()
    error = _refused(factory, ticket, "dept_housing", "request_extension",
                     {"days": 1, "reason": "还需要一天"}, now=T0 + 2 * HOUR)
    assert error.code == "extension_pending"


@pytest.mark.parametrize("granted", [(10,), (6, 4), (3, 3, 4)], ids=str)
def test_extensions_up_to_ten_working_days_in_total_are_granted(factory, work_calendar, granted):
    ticket = factory.ticket("accepted", now=T0)
    original_due = ticket.complete_due_at
    for i, days in enumerate(granted):
        _extend(factory, ticket, days, now=T0 + i * HOUR)
    assert ticket.extension_days == 10
    assert ticket.complete_due_at == work_calendar.add_working_days(original_due, 10)


@pytest.mark.parametrize(("granted", "asked"), [((10,), 1), ((6,), 5), ((4, 4), 3)], ids=str)
def test_extension_beyond_ten_working_days_in_total_is_refused(factory, granted, asked):
    ticket = factory.ticket("accepted", now=T0)
    for i, days in enumerate(granted):
        _extend(factory, ticket, days, now=T0 + i * HOUR)
    db.session.commit()
    error = _refused(factory, ticket, "dept_housing", "request_extension",
                     {"days": asked, "reason": "还需要时间"}, now=T0 + 5 * HOUR,
                     error=InvalidInput)
    assert error.code == "extension_limit"


@pytest.mark.parametrize("days", [1, 3, 10])
def test_approved_extension_moves_the_due_time_by_that_many_working_days(
        factory, work_calendar, settings, days):
    ticket = factory.ticket("accepted", now=T0)
    before = _deadlines(ticket)
    _extend(factory, ticket, days, now=T0 + HOUR)
    db.session.commit()
    ticket = _fresh(ticket)
    due = ticket.complete_due_at
    assert due == work_calendar.add_working_days(before["complete_due_at"], days)
    assert work_calendar.working_minutes_between(before["complete_due_at"], due) == (
        days * work_calendar.minutes_per_day)
    assert ticket.complete_severe_at == work_calendar.add_working_days(
        due, settings["HOTLINE_SEVERE_AFTER_DAYS"])
    assert before["complete_warn_at"] < ticket.complete_warn_at < due
    assert ticket.sign_due_at == before["sign_due_at"]
    assert ticket.current_assignment.complete_due_at == due
    assert (ticket.extension_days, ticket.extensions[0].status) == (days, "approved")


def test_rejected_extension_leaves_the_due_time(factory):
    ticket = factory.ticket("accepted", now=T0)
    before = _deadlines(ticket)
    _extend(factory, ticket, 3, now=T0 + HOUR, decision="reject_extension",
            payload={"reason": "理由不充分"})
    db.session.commit()
    ticket = _fresh(ticket)
    assert _deadlines(ticket) == before
    assert ticket.extension_days == 0
    assert ticket.pending_extension is None
    assert db.session.scalar(select(ExtensionRequest.status)) == "rejected"


# --- replies -------------------------------------------------------------------------

def test_reject_reply_returns_to_accepted_with_the_original_due_time(factory, work_calendar):
    ticket = factory.ticket("accepted", now=T0)
    before = _deadlines(ticket)
    factory.act(ticket, "dept_housing", "reply", REPLY, now=T0 + timedelta(days=1))
    factory.act(ticket, "dispatcher1", "reject_reply", {"reason": "答复未解决问题"},
                now=T0 + timedelta(days=1, hours=1))
    db.session.commit()
    ticket = _fresh(ticket)
    assert ticket.state == "accepted"
    assert _deadlines(ticket) == before
    assert ticket.complete_due_at == work_calendar.add_working_days(T0, COMPLETE_DAYS)
    assert ticket.replied_at is None
    assert ticket.current_assignment.replied_at is None
    assert ticket.signed_at == T0
    # The rejected reply no longer meets the clock.
    assert deadlines.lateness(ticket, ticket.complete_due_at) == "overdue"


# --- revisits ------------------------------------------------------------------------

REVISIT_AT = datetime(2026, 4, 8, 15, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
def test_satisfied_revisit_closes(factory, satisfaction):
    ticket = factory.ticket("pending_revisit", now=T0)
    factory.act(ticket, "revisitor1", "revisit",
                {"satisfaction": satisfaction, "resolved": True}, now=REVISIT_AT)
    db.session.commit()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.closed_at, ticket.satisfaction) == (
        "closed", REVISIT_AT, satisfaction)
    assert ticket.reopen_count == 0
    assert ticket.current_assignment.end_reason == "revisited"


def test_unsatisfied_revisit_redoes_with_the_same_department_and_new_clocks(
        factory, work_calendar, settings):
    ticket = factory.ticket("pending_revisit", now=T0)
    factory.act(ticket, "revisitor1", "revisit",
                {"satisfaction": "unsatisfied", "resolved": False}, now=REVISIT_AT)
    db.session.commit()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.department.code, ticket.reopen_count) == (
        "dispatched", "housing", 1)
    _assert_clocks_start_at(ticket, REVISIT_AT, work_calendar, settings)
    assert (ticket.signed_at, ticket.replied_at, ticket.reply_approved_at, ticket.closed_at) == (
        None, None, None, None)
    first, redo = ticket.assignments
    assert (first.ended_at, first.end_reason) == (REVISIT_AT, "revisited")
    assert (redo.kind, redo.department_id, redo.started_at, redo.ended_at) == (
        "redo", ticket.department_id, REVISIT_AT, None)
    assert _events(ticket)[-1].to_state == "dispatched"
    factory.act(ticket, "dept_housing", "sign", {}, now=REVISIT_AT + HOUR)
    assert ticket.state == "accepted"


def test_unsatisfied_revisit_with_a_close_reason_closes(factory):
    ticket = factory.ticket("pending_revisit", now=T0)
    close_reason = "诉求超出政策范围，已解释"
    factory.act(ticket, "revisitor1", "revisit",
                {"satisfaction": "unsatisfied", "resolved": False, "close_reason": close_reason},
                now=REVISIT_AT)
    db.session.commit()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.reopen_count, ticket.satisfaction) == (
        "closed", 0, "unsatisfied")
    assert _events(ticket)[-1].note == close_reason


def test_unreachable_stays_pending_twice_and_closes_on_the_third_attempt(factory, settings):
    assert settings["HOTLINE_UNREACHABLE_ATTEMPTS"] == 3
    ticket = factory.ticket("pending_revisit", now=T0)
    states = []
    for attempt in range(3):
        factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "unreachable"},
                    now=REVISIT_AT + attempt * HOUR)
        states.append((ticket.state, ticket.revisit_attempts))
    db.session.commit()
    assert states == [("pending_revisit", 1), ("pending_revisit", 2), ("closed", 3)]
    ticket = _fresh(ticket)
    assert [r.outcome for r in ticket.revisits] == ["retry", "retry", "closed"]
    assert [e.to_state for e in _events(ticket)[-3:]] == [
        "pending_revisit", "pending_revisit", "closed"]
    assert ticket.closed_at == REVISIT_AT + 2 * HOUR


def test_unreachable_attempts_count_again_after_a_redo(factory):
    ticket = factory.ticket("pending_revisit", now=T0)
    for attempt in range(2):
        factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "unreachable"},
                    now=REVISIT_AT + attempt * HOUR)
    factory.act(ticket, "revisitor1", "revisit",
                {"satisfaction": "unsatisfied", "resolved": False}, now=REVISIT_AT + 2 * HOUR)
    later = REVISIT_AT + timedelta(days=1)
    for username, action, payload in (("dept_housing", "sign", {}),
                                      ("dept_housing", "reply", REPLY),
                                      ("dispatcher1", "approve_reply", {})):
        factory.act(ticket, username, action, payload, now=later)
    factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "unreachable"},
                now=later + HOUR)
    assert ticket.state == "pending_revisit"


# --- merging -------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["received", "dispatched", "accepted"])
def test_merge_marks_the_ticket_a_duplicate_of_the_target(factory, state):
    ticket = factory.ticket(state, now=T0)
    target = factory.ticket("dispatched", now=T0)
    factory.act(ticket, "operator1", "merge", {"target_number": target.number}, now=T0 + HOUR)
    db.session.commit()
    ticket = _fresh(ticket)
    assert (ticket.state, ticket.duplicate_of_id, ticket.closed_at) == (
        "merged", target.id, T0 + HOUR)
    assert [a.end_reason for a in ticket.assignments] == ["merged"] * len(ticket.assignments)
    assert _fresh(target).state == "dispatched"


@pytest.mark.parametrize("target_state", sorted(TERMINAL_STATES))
def test_merge_into_a_terminal_ticket_is_refused(factory, target_state):
    ticket = factory.ticket("received", now=T0)
    target = factory.ticket(target_state, now=T0)
    error = _refused(factory, ticket, "operator1", "merge", {"target_number": target.number},
                     now=T0 + HOUR)
    assert error.code == "invalid_merge_target"
    assert _fresh(ticket).duplicate_of_id is None


def test_merge_into_itself_is_refused(factory):
    ticket = factory.ticket("received", now=T0)
    error = _refused(factory, ticket, "operator1", "merge", {"target_number": ticket.number},
                     now=T0 + HOUR)
    assert error.code == "invalid_merge_target"


# --- history -------------------------------------------------------------------------

def test_timeline_records_every_step_in_order(factory):
    ticket = factory.ticket("closed", now=T0)
    events = _events(ticket)
    assert [e.action for e in events] == [
        "create", "dispatch", "sign", "reply", "approve_reply", "revisit"]
    assert [e.from_state for e in events[1:]] == [e.to_state for e in events[:-1]]
    assert events[-1].to_state == ticket.state


def test_event_cannot_be_updated(factory):
    ticket = factory.ticket("dispatched", now=T0)
    event = _events(ticket)[-1]
    event.note = "改写历史"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert _events(_fresh(ticket))[-1].note is None


def test_event_cannot_be_deleted(factory):
    ticket = factory.ticket("dispatched", now=T0)
    count = len(_events(ticket))
    db.session.delete(_events(ticket)[0])
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(TicketEvent.id))
                             .where(TicketEvent.ticket_id == ticket.id)) == count


# --- lateness ------------------------------------------------------------------------

# (state the ticket is in, the clock that decides its lateness)
CLOCKS = [("dispatched", "sign"), ("accepted", "complete")]
MOMENTS = [
    ("warn", -MINUTE, "on_time"),
    ("warn", timedelta(0), "warning"),
    ("due", -MINUTE, "warning"),
    ("due", timedelta(0), "overdue"),
    ("severe", -MINUTE, "overdue"),
    ("severe", timedelta(0), "severely_overdue"),
]


@pytest.mark.parametrize(("state", "kind"), CLOCKS, ids=[k for _, k in CLOCKS])
def test_lateness_advances_with_time(factory, work_calendar, settings, state, kind):
    ticket = factory.ticket(state, now=T0)
    limit_days = {"sign": SIGN_DAYS, "complete": COMPLETE_DAYS}[kind]
    minutes = limit_days * work_calendar.minutes_per_day
    edges = {edge: getattr(ticket, f"{kind}_{edge}_at") for edge in ("warn", "due", "severe")}
    due = work_calendar.add_working_minutes(T0, minutes)
    assert edges == {
        "warn": work_calendar.add_working_minutes(T0, minutes * 0.8),
        "due": due,
        "severe": work_calendar.add_working_days(due, settings["HOTLINE_SEVERE_AFTER_DAYS"]),
    }
    levels = [deadlines.lateness(ticket, edges[edge] + offset) for edge, offset, _ in MOMENTS]
    assert levels == [level for _, _, level in MOMENTS]


def test_late_reply_stays_overdue(factory):
    ticket = factory.ticket("accepted", now=T0)
    replied_at = ticket.complete_due_at + HOUR
    factory.act(ticket, "dept_housing", "reply", REPLY, now=replied_at)
    later = ticket.complete_severe_at + timedelta(days=30)
    assert deadlines.lateness(ticket, replied_at) == "overdue"
    assert deadlines.lateness(ticket, later) == "overdue"
    factory.act(ticket, "dispatcher1", "approve_reply", {}, now=replied_at + HOUR)
    factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "satisfied", "resolved": True},
                now=replied_at + 2 * HOUR)
    db.session.commit()
    ticket = _fresh(ticket)
    assert ticket.state == "closed"
    assert deadlines.lateness(ticket, later) == "overdue"


def test_reply_in_time_stays_on_time(factory):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "reply", REPLY, now=ticket.complete_due_at - MINUTE)
    assert deadlines.lateness(ticket, ticket.complete_severe_at + timedelta(days=30)) == "on_time"


def test_reply_after_the_severe_threshold_stays_severely_overdue(factory):
    ticket = factory.ticket("accepted", now=T0)
    factory.act(ticket, "dept_housing", "reply", REPLY, now=ticket.complete_severe_at + HOUR)
    assert deadlines.lateness(ticket, ticket.complete_severe_at + timedelta(days=30)) == (
        "severely_overdue")

