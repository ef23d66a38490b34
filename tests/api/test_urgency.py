"""Urgency on the ticket (SPEC §2, §4, §6): detected at intake, chosen by the operator, lowered
only with a reason; an emergency gets the emergency clocks at dispatch."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.directory.calendar import work_calendar
from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.api.support import api, assert_error, department_ids, snapshot, tokens  # noqa: F401
from tests.factories import ticket_data

GAS_LEAK = "小区里燃气泄漏了，味道很大"
FIRE = "楼下着火了，浓烟很大，快来救人"
CRACKED_WALL = "小区外墙裂缝很大，随时可能倒塌，担心砸到人"  # a hazard: urgent
ELEVATOR = "小区电梯坏了一个星期，物业一直不修，老人上下楼很困难"  # normal


def create(api, **fields):
    return api("operator1").post("/tickets", json=ticket_data(**fields))


def _create_event(ticket):
    return next(e for e in ticket["events"] if e["action"] == "create")


@pytest.mark.parametrize("content, level", [(FIRE, "emergency"), (CRACKED_WALL, "urgent"), (ELEVATOR, "normal")])
def test_no_urgency_takes_the_detected_level(api, content, level):
    response = create(api, content=content)
    assert response.status_code == 201, response.json
    ticket = response.json
    assert (ticket["urgency"], ticket["detected_urgency"], ticket["urgency_reason"]) == (level, level, None)
    assert ticket["suggestions"]["urgency"]["level"] == level  # one judgement, kept twice
    event = _create_event(ticket)
    assert event["data"] == {"detected_urgency": level, "urgency": level}


def test_explicit_null_urgency_is_auto_detection(api):
    response = create(api, content=GAS_LEAK, urgency=None)
    assert response.status_code == 201, response.json
    assert response.json["urgency"] == "emergency"


def test_lowering_without_a_reason_is_refused_and_writes_nothing(api, snapshot):
    before = snapshot()
    error = assert_error(create(api, content=FIRE, urgency="normal"), 400, "urgency_reason_required")
    assert "urgency_reason" in error["details"]
    assert "系统识别为「特急」，调低为「一般」须填写调低原因" in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("content, chosen", [(FIRE, "urgent"), (FIRE, "normal"), (CRACKED_WALL, "normal")])
def test_lowering_with_a_reason_keeps_both_levels_and_the_reason(api, content, chosen):
    response = create(api, content=content, urgency=chosen, urgency_reason="消防已到场处置，市民来电反映后续问题")
    assert response.status_code == 201, response.json
    ticket = response.json
    assert ticket["urgency"] == chosen and ticket["detected_urgency"] != chosen
    assert ticket["urgency_reason"] == "消防已到场处置，市民来电反映后续问题"
    event = _create_event(ticket)
    assert event["data"] == {"detected_urgency": ticket["detected_urgency"], "urgency": chosen,
                             "urgency_reason": "消防已到场处置，市民来电反映后续问题"}
    assert "话务员调低为" in event["note"] and "调低原因：消防已到场处置" in event["note"]


def test_a_higher_level_than_detected_needs_no_reason(api):
    response = create(api, content=ELEVATOR, urgency="emergency")
    assert response.status_code == 201, response.json
    ticket = response.json
    assert (ticket["urgency"], ticket["detected_urgency"], ticket["urgency_reason"]) == ("emergency", "normal", None)
    assert _create_event(ticket)["note"] == "系统识别紧急程度：一般；话务员调高为：特急"


def test_a_reason_without_lowering_is_kept_as_the_operators_explanation(api):
    # What the operator typed is never thrown away mid-call: kept, and not called a lowering.
    response = create(api, content=ELEVATOR, urgency="urgent", urgency_reason="老人被困家中无法下楼")
    assert response.status_code == 201, response.json
    ticket = response.json
    assert (ticket["urgency"], ticket["urgency_reason"]) == ("urgent", "老人被困家中无法下楼")
    assert _create_event(ticket)["note"] == "系统识别紧急程度：一般；话务员调高为：紧急；说明：老人被困家中无法下楼"


@pytest.mark.parametrize("fields, field", [
    ({"urgency": "critical"}, "urgency"),
    ({"urgency": "auto"}, "urgency"),
    ({"urgency": 2}, "urgency"),
    ({"urgency": "normal", "urgency_reason": "无"}, "urgency_reason"),
    ({"urgency": "normal", "urgency_reason": "长" * 501}, "urgency_reason"),
    ({"urgency": "normal", "urgency_reason": 5}, "urgency_reason"),
])
def test_bad_urgency_values_are_refused(api, snapshot, fields, field):
    before = snapshot()
    error = assert_error(create(api, content=FIRE, **fields), 400, "invalid_input")
    assert field in error["details"]
    assert snapshot() == before


def test_emergency_from_the_text_gets_the_emergency_clocks_at_dispatch(api, app, department_ids):
    ticket = create(api, content=FIRE).json
    assert ticket["urgency"] == "emergency"
    response = api("dispatcher1").post(f"/tickets/{ticket['number']}/dispatch",
                                       json={"department_id": department_ids["housing"], "version": 1})
    assert response.status_code == 200, response.json
    dispatched = response.json
    start = datetime.fromisoformat(dispatched["dispatched_at"])
    # Emergency policy (SPEC §4): sign 30 min, contact 1 h, on site 2 h in clock time.
    assert datetime.fromisoformat(dispatched["sign_due_at"]) == start + timedelta(minutes=30)
    assert datetime.fromisoformat(dispatched["contact_due_at"]) == start + timedelta(hours=1)
    assert datetime.fromisoformat(dispatched["onsite_due_at"]) == start + timedelta(hours=2)
    with app.app_context():
        stored = db.session.scalar(select(Ticket).where(Ticket.number == ticket["number"]))
        assert stored.complete_due_at == work_calendar().add_working_days(start, 3)


def test_normal_ticket_has_no_contact_or_onsite_clock(api, department_ids):
    ticket = create(api, content=ELEVATOR).json
    dispatched = api("dispatcher1").post(f"/tickets/{ticket['number']}/dispatch",
                                         json={"department_id": department_ids["housing"]}).json
    assert dispatched["urgency"] == "normal"
    assert dispatched["contact_due_at"] is None and dispatched["onsite_due_at"] is None


def test_openapi_documents_the_urgency_fields(client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["TicketCreate"]
    properties = schema["properties"]
    assert "urgency" not in schema.get("required", [])
    assert "自动识别" in properties["urgency"]["description"]
    assert "调低原因" in properties["urgency_reason"]["description"]
    assert {"detected_urgency", "urgency_reason"} <= set(
        client.get("/api/v1/openapi.json").json["components"]["schemas"]["TicketOut"]["properties"])
