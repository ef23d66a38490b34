"""One ticket's whole life over HTTP, checking states, deadlines and the timeline."""
from datetime import datetime

import pytest

from tests.factories import ticket_data


def at(value):
    return datetime.fromisoformat(value)


@pytest.fixture
def flow(api, factory, work_calendar):
    class Flow:
        calendar = work_calendar
        housing = factory.department("housing").id
        eco_env = factory.department("eco_env").id

        def __init__(self):
            response = api("operator1").post("/tickets", json=ticket_data(type="complaint"))
            assert response.status_code == 201, response.json
            self.ticket = response.json

        def do(self, username, action, expect_state, **payload):
            payload.setdefault("version", self.ticket["version"])
            response = api(username).post(f"/tickets/{self.ticket['number']}/{action}", json=payload)
            assert response.status_code == 200, response.json
            previous, self.ticket = self.ticket, response.json
            assert self.ticket["state"] == expect_state
            assert self.ticket["version"] == previous["version"] + 1
            last = self.ticket["events"][-1]
            assert (last["action"], last["from_state"], last["to_state"]) == (
                action, previous["state"], expect_state)
            assert len(self.ticket["events"]) == len(previous["events"]) + 1
            return self.ticket

        def working_days_after(self, start, days):
            return self.calendar.add_working_days(at(start), days)

    return Flow()


def test_ticket_lives_through_extension_redo_and_close(flow):
    t = flow.ticket
    assert t["state"] == "received" and t["sign_due_at"] is None
    assert [e["action"] for e in t["events"]] == ["create"]

    t = flow.do("dispatcher1", "dispatch", "dispatched", department_id=flow.housing)
    assert t["department_id"] == flow.housing
    assert at(t["sign_due_at"]) == flow.working_days_after(t["dispatched_at"], 1)
    assert at(t["complete_due_at"]) == flow.working_days_after(t["dispatched_at"], 5)
    first_dispatch, first_due = t["dispatched_at"], t["complete_due_at"]

    t = flow.do("dept_housing", "sign", "accepted")
    assert t["signed_at"] is not None and t["caller_phone"].count("*") == 4

    t = flow.do("dept_housing", "request_extension", "accepted", days=3, reason="需要协调施工队")
    assert t["pending_extension_days"] == 3 and t["complete_due_at"] == first_due

    t = flow.do("dispatcher1", "approve_extension", "accepted")
    assert at(t["complete_due_at"]) == flow.working_days_after(first_due, 3)
    assert t["extension_days"] == 3 and t["pending_extension_days"] is None

    t = flow.do("dept_housing", "reply", "replied", result="已督促物业修复电梯", outcome="resolved")
    assert t["replied_at"] is not None and t["lateness"] == "on_time"

    t = flow.do("dispatcher1", "approve_reply", "pending_revisit")
    assert at(t["revisit_due_at"]) == flow.working_days_after(t["reply_approved_at"], 2)

    t = flow.do("revisitor1", "revisit", "dispatched", satisfaction="unsatisfied", resolved=False,
                note="电梯修好两天又坏了")
    assert t["reopen_count"] == 1 and t["department_id"] == flow.housing
    assert t["dispatched_at"] > first_dispatch and t["signed_at"] is None
    assert t["replied_at"] is None and t["extension_days"] == 0
    assert at(t["complete_due_at"]) == flow.working_days_after(t["dispatched_at"], 5)

    flow.do("dept_housing", "sign", "accepted")
    flow.do("dept_housing", "reply", "replied", result="更换了电梯主板并回访确认", outcome="resolved")
    flow.do("dispatcher1", "approve_reply", "pending_revisit")
    t = flow.do("revisitor1", "revisit", "closed", satisfaction="satisfied", resolved=True)
    assert t["closed_at"] is not None and t["satisfaction"] == "satisfied" and t["resolved"] is True

    assert [e["action"] for e in t["events"]] == [
        "create", "dispatch", "sign", "request_extension", "approve_extension", "reply",
        "approve_reply", "revisit", "sign", "reply", "approve_reply", "revisit",
    ]
    assert [e["actor"] for e in t["events"]][:3] == ["operator1", "dispatcher1", "dept_housing"]


def test_return_approved_then_redispatched_elsewhere(flow):
    flow.do("dispatcher1", "dispatch", "dispatched", department_id=flow.housing)
    t = flow.do("dept_housing", "request_return", "return_requested", reason="噪音问题不属于住建")
    t = flow.do("dispatcher1", "approve_return", "received", note="改派生态环境局")
    assert t["department_id"] is None and t["sign_due_at"] is None and t["complete_due_at"] is None
    assert t["return_count"] == 1

    t = flow.do("dispatcher1", "dispatch", "dispatched", department_id=flow.eco_env)
    assert t["department_id"] == flow.eco_env
    assert at(t["complete_due_at"]) == flow.working_days_after(t["dispatched_at"], 5)
    assert [e["action"] for e in t["events"]] == [
        "create", "dispatch", "request_return", "approve_return", "dispatch"]


def test_return_rejected_restores_state_and_deadlines(flow):
    dispatched = flow.do("dispatcher1", "dispatch", "dispatched", department_id=flow.housing)
    flow.do("dept_housing", "sign", "accepted")
    flow.do("dept_housing", "request_return", "return_requested", reason="应由区政府处理")
    t = flow.do("dispatcher1", "reject_return", "accepted", reason="物业监管属住建职责")
    assert t["department_id"] == flow.housing
    assert t["complete_due_at"] == dispatched["complete_due_at"]
    assert t["events"][-1]["note"] == "物业监管属住建职责"
