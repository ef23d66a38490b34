"""Bad input of any kind gets a clear 400 in the one error format, and nothing is written."""
import json

import pytest

from tests.api.support import api, assert_error, department_ids, make_ticket, snapshot, tokens  # noqa: F401
from tests.factories import ticket_data

DROP = object()
REASON = "需要协调多个部门共同处理"


def ticket_body(**changes):
    """A valid intake body with some fields replaced, or removed when given DROP."""
    body = ticket_data()
    for name, value in changes.items():
        if value is DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def with_departments(value, ids):
    """Payloads name departments as "@code"; swap in the seeded ids."""
    if isinstance(value, dict):
        return {k: with_departments(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [with_departments(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    return value


# --- intake ----------------------------------------------------------------------------

CREATE_CASES = [
    # (changes to a valid body, error code, field named in details)
    pytest.param({"content": DROP}, "invalid_input", "content", id="missing_content"),
    pytest.param({"content": "   ab   "}, "invalid_input", "content", id="content_short_after_trim"),
    pytest.param({"content": "      "}, "invalid_input", "content", id="content_blank"),
    pytest.param({"content": "长" * 5001}, "invalid_input", "content", id="content_over_5000"),
    pytest.param({"content": 1234567}, "invalid_input", "content", id="content_not_a_string"),
    pytest.param({"channel": DROP}, "invalid_input", "channel", id="missing_channel"),
    pytest.param({"channel": "fax"}, "invalid_input", "channel", id="unknown_channel"),
    pytest.param({"type": "rumour"}, "invalid_input", "type", id="unknown_type"),
    pytest.param({"urgency": "critical"}, "invalid_input", "urgency", id="unknown_urgency"),
    pytest.param({"is_enterprise": "yes"}, "invalid_input", "is_enterprise", id="enterprise_as_string"),
    pytest.param({"is_enterprise": 1}, "invalid_input", "is_enterprise", id="enterprise_as_number"),
    pytest.param({"category_id": "3"}, "invalid_input", "category_id", id="category_as_string"),
    pytest.param({"category_id": 0}, "invalid_input", "category_id", id="category_zero"),
    pytest.param({"category_id": 999999}, "unknown_category", "category_id", id="unknown_category"),
    pytest.param({"priority": "high"}, "invalid_input", "priority", id="unknown_field"),
    pytest.param({"caller_phone": "138abcd5678"}, "invalid_input", "caller_phone", id="phone_letters"),
    pytest.param({"caller_phone": "1" * 25}, "invalid_input", "caller_phone", id="phone_too_long"),
    pytest.param({"caller_phone": "12"}, "invalid_input", "caller_phone", id="phone_too_short"),
    pytest.param({"caller_phone": 13812345678}, "invalid_input", "caller_phone", id="phone_as_number"),
    pytest.param({"caller_id_number": "12345"}, "invalid_input", "caller_id_number", id="bad_id_number"),
    pytest.param({"caller_name": "张" * 51}, "invalid_input", "caller_name", id="name_too_long"),
]


@pytest.mark.parametrize(("changes", "code", "field"), CREATE_CASES)
def test_create_rejects_bad_field(api, snapshot, changes, code, field):
    before = snapshot()
    error = assert_error(api("operator1").post("/tickets", json=ticket_body(**changes)), 400, code)
    assert field in error["details"]
    assert snapshot() == before


def test_create_reports_every_bad_field_at_once(api, snapshot):
    before = snapshot()
    body = ticket_body(channel="fax", urgency="critical", content="ab")
    error = assert_error(api("operator1").post("/tickets", json=body), 400, "invalid_input")
    assert {"channel", "urgency", "content"} <= set(error["details"])
    assert snapshot() == before


@pytest.mark.parametrize(("content", "stored"), [
    pytest.param("   abcde   ", "abcde", id="five_after_trim"),
    pytest.param("长" * 5000, "长" * 5000, id="exactly_5000"),
])
def test_create_accepts_content_at_the_length_limits(api, content, stored):
    response = api("operator1").post("/tickets", json=ticket_body(content=content))
    assert response.status_code == 201, response.json
    assert response.json["content"] == stored


def _body_cases():
    valid = json.dumps(ticket_data())
    return [
        pytest.param(dict(data=valid[:-5], content_type="application/json"), id="malformed_json"),
        pytest.param(dict(json=[json.loads(valid)]), id="json_array"),
        pytest.param(dict(json="小区电梯坏了"), id="json_string"),
        pytest.param(dict(data="null", content_type="application/json"), id="json_null"),
        pytest.param(dict(data=valid, content_type="text/plain"), id="json_as_text_plain"),
        pytest.param(dict(data=json.loads(valid)), id="form_encoded"),
        pytest.param(dict(data=b"\xff\xfe{}", content_type="application/json"), id="not_utf8"),
        pytest.param({}, id="no_body"),
    ]


@pytest.mark.parametrize("request_body", _body_cases())
def test_create_rejects_body_that_is_not_a_json_object(api, snapshot, request_body):
    before = snapshot()
    assert_error(api("operator1").post("/tickets", **request_body), 400, "invalid_json")
    assert snapshot() == before


@pytest.mark.parametrize("request_body", _body_cases())
def test_action_rejects_body_that_is_not_a_json_object(api, make_ticket, snapshot, request_body):
    number = make_ticket("received")
    before = snapshot()
    assert_error(api("dispatcher1").post(f"/tickets/{number}/dispatch", **request_body),
                 400, "invalid_json")
    assert snapshot() == before


# --- workflow actions ------------------------------------------------------------------

ACTION_CASES = [
    # (state, user, action, payload, error code, field named in details or None)
    pytest.param("received", "dispatcher1", "dispatch", {"department_id": 999999},
                 "unknown_department", "department_id", id="dispatch_unknown_department"),
    pytest.param("received", "dispatcher1", "dispatch",
                 {"department_id": "@housing", "assisting_department_ids": ["@eco_env", 999999]},
                 "unknown_department", "department_id", id="dispatch_unknown_assisting"),
    pytest.param("received", "dispatcher1", "dispatch",
                 {"department_id": "@housing", "assisting_department_ids": ["@eco_env", "@housing"]},
                 "invalid_assisting", None, id="dispatch_lead_also_assisting"),
    pytest.param("received", "dispatcher1", "dispatch", {"department_id": "@housing", "category_id": 999999},
                 "unknown_category", "category_id", id="dispatch_unknown_category"),
    pytest.param("received", "dispatcher1", "dispatch", {"department_id": "3"},
                 "invalid_input", "department_id", id="dispatch_department_as_string"),
    pytest.param("received", "dispatcher1", "dispatch", {"note": "请尽快处理"},
                 "invalid_input", "department_id", id="dispatch_without_department"),
    pytest.param("received", "dispatcher1", "dispatch",
                 {"department_id": "@housing", "assisting_department_ids": "@eco_env"},
                 "invalid_input", "assisting_department_ids", id="dispatch_assisting_not_a_list"),
    pytest.param("received", "dispatcher1", "dispatch", {"department_id": "@housing", "urgent": True},
                 "invalid_input", "urgent", id="dispatch_unknown_field"),
    pytest.param("received", "dispatcher1", "dispatch", {"department_id": "@housing", "version": "1"},
                 "invalid_input", "version", id="dispatch_version_as_string"),
    pytest.param("received", "operator1", "answer", {"answer": "   "},
                 "invalid_input", "answer", id="answer_blank"),
    pytest.param("received", "operator1", "invalidate", {},
                 "invalid_input", "reason", id="invalidate_without_reason"),
    pytest.param("received", "operator1", "merge", {"target_number": "20990101-999999"},
                 "unknown_ticket", None, id="merge_into_unknown_ticket"),
    pytest.param("received", "operator1", "merge", {},
                 "invalid_input", "target_number", id="merge_without_target"),
    pytest.param("accepted", "dept_housing", "request_extension", {"days": 0, "reason": REASON},
                 "invalid_input", "days", id="extension_0_days"),
    pytest.param("accepted", "dept_housing", "request_extension", {"days": 11, "reason": REASON},
                 "invalid_input", "days", id="extension_11_days"),
    pytest.param("accepted", "dept_housing", "request_extension", {"days": "3", "reason": REASON},
                 "invalid_input", "days", id="extension_days_as_string"),
    pytest.param("accepted", "dept_housing", "request_extension", {"days": 2.5, "reason": REASON},
                 "invalid_input", "days", id="extension_fractional_days"),
    pytest.param("accepted", "dept_housing", "request_extension", {"days": 3},
                 "invalid_input", "reason", id="extension_without_reason"),
    pytest.param("accepted", "dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "fixed"},
                 "invalid_input", "outcome", id="reply_unknown_outcome"),
    pytest.param("accepted", "dept_housing", "reply", {"result": "已处理", "outcome": "resolved"},
                 "invalid_input", "result", id="reply_result_too_short"),
    pytest.param("accepted", "dept_housing", "request_return", {"reason": " "},
                 "invalid_input", "reason", id="return_blank_reason"),
    pytest.param("pending_revisit", "revisitor1", "revisit", {"satisfaction": "satisfied"},
                 "invalid_input", "resolved", id="revisit_satisfied_without_resolved"),
    pytest.param("pending_revisit", "revisitor1", "revisit", {"satisfaction": "unsatisfied", "note": "还没修"},
                 "invalid_input", "resolved", id="revisit_unsatisfied_without_resolved"),
    pytest.param("pending_revisit", "revisitor1", "revisit", {"satisfaction": "satisfied", "resolved": "true"},
                 "invalid_input", "resolved", id="revisit_resolved_as_string"),
    pytest.param("pending_revisit", "revisitor1", "revisit", {"satisfaction": "happy", "resolved": True},
                 "invalid_input", "satisfaction", id="revisit_unknown_satisfaction"),
    pytest.param("dispatched", "supervisor1", "urge", {},
                 "invalid_input", "note", id="urge_without_note"),
]


@pytest.mark.parametrize(("state", "username", "action", "payload", "code", "field"), ACTION_CASES)
def test_action_rejects_bad_input(api, make_ticket, snapshot, department_ids,
                                  state, username, action, payload, code, field):
    number = make_ticket(state)
    before = snapshot()
    response = api(username).post(f"/tickets/{number}/{action}",
                                  json=with_departments(payload, department_ids))
    error = assert_error(response, 400, code)
    if field is not None:
        assert field in error["details"]
    assert snapshot() == before


def test_extension_beyond_ten_working_days_in_total_is_refused(api, make_ticket, snapshot):
    number = make_ticket("accepted")
    department = api("dept_housing")
    first = department.post(f"/tickets/{number}/request_extension", json={"days": 7, "reason": REASON})
    assert first.status_code == 200, first.json
    approved = api("dispatcher1").post(f"/tickets/{number}/approve_extension", json={})
    assert approved.status_code == 200 and approved.json["extension_days"] == 7

    before = snapshot()
    response = department.post(f"/tickets/{number}/request_extension", json={"days": 4, "reason": REASON})
    error = assert_error(response, 400, "extension_limit")
    assert error["details"] == {"days": 4, "already": 7}
    assert snapshot() == before

    last = department.post(f"/tickets/{number}/request_extension", json={"days": 3, "reason": REASON})
    assert last.status_code == 200 and last.json["pending_extension_days"] == 3


def test_unreachable_revisit_needs_no_resolved(api, make_ticket):
    number = make_ticket("pending_revisit")
    response = api("revisitor1").post(f"/tickets/{number}/revisit", json={"satisfaction": "unreachable"})
    assert response.status_code == 200, response.json
    assert response.json["revisit_attempts"] == 1 and response.json["state"] == "pending_revisit"


# --- list filters ----------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    pytest.param("state=foo", "state", id="unknown_state"),
    pytest.param("page=0", "page", id="page_0"),
    pytest.param("page=-1", "page", id="page_negative"),
    pytest.param("page=two", "page", id="page_not_a_number"),
    pytest.param("per_page=1000", "per_page", id="per_page_1000"),
    pytest.param("per_page=0", "per_page", id="per_page_0"),
    pytest.param("created_from=notadate", "created_from", id="created_from_not_a_date"),
    pytest.param("created_to=2026-02-30", "created_to", id="created_to_impossible_date"),
    pytest.param("overdue=maybe", "overdue", id="overdue_not_a_boolean"),
    pytest.param("department_id=housing", "department_id", id="department_not_an_id"),
    pytest.param("urgency=critical", "urgency", id="unknown_urgency"),
    pytest.param("type=rumour", "type", id="unknown_type"),
    pytest.param("channel=fax", "channel", id="unknown_channel"),
    pytest.param("q=" + "路" * 101, "q", id="q_too_long"),
    pytest.param("colour=red", "colour", id="unknown_param"),
])
def test_list_rejects_bad_filter(api, query, field):
    error = assert_error(api("operator1").get(f"/tickets?{query}"), 400, "invalid_input")
    # A union such as `date | datetime` names each branch: "created_from.date".
    assert field in {key.split(".")[0] for key in error["details"]}


# --- input the database would refuse: stopped before it, never a 500 -------------------

def test_create_rejects_nul_character(api, snapshot):
    before = snapshot()
    response = api("operator1").post("/tickets", json=ticket_body(content="小区电梯坏了\x00一个星期没人修"))
    assert_error(response, 400, "invalid_input")
    assert snapshot() == before


BIG = 2**63


@pytest.mark.parametrize(("username", "path", "body"), [
    pytest.param("operator1", "/tickets", ticket_body(category_id=BIG), id="create_category"),
    pytest.param("dispatcher1", "/tickets/{number}/dispatch", {"department_id": BIG}, id="dispatch_department"),
    pytest.param("operator1", f"/tickets?department_id={BIG}", None, id="list_department"),
    pytest.param("operator1", f"/tickets?page={10**20}", None, id="list_page"),
])
def test_out_of_range_number_is_400(api, make_ticket, username, path, body):
    path = path.format(number=make_ticket("received"))
    caller = api(username)
    response = caller.get(path) if body is None else caller.post(path, json=body)
    assert_error(response, 400)


@pytest.mark.parametrize("query", ["created_to=9999-12-31", "created_from=0001-01-01"])
def test_list_with_extreme_date_is_not_a_server_error(api, make_ticket, query):
    number = make_ticket("received")
    response = api("operator1").get(f"/tickets?{query}")
    if response.status_code == 200:
        assert [t["number"] for t in response.json["items"]] == [number]
    else:
        assert_error(response, 400, "invalid_input")
