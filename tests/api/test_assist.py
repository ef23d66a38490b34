"""协办意见 (assist_reply) over HTTP: an assisting department of the current spell has its say,
the ticket's state stays, the lead department reads it and is notified (SPEC §3)."""
import pytest

from tests.api.support import api, assert_error, department_ids, make_ticket, snapshot, tokens  # noqa: F401

OPINION = "该路段供水管网属我局管辖，已安排人员配合现场排查"


@pytest.fixture
def assisted(make_ticket, department_ids):
    """A ticket led by housing with water assisting, walked on by `steps`."""
    def make(*steps):
        dispatch = ("dispatcher1", "dispatch", {"department_id": department_ids["housing"],
                                                "assisting_department_ids": [department_ids["water"]]})
        return make_ticket("received", steps=[dispatch, *steps])
    return make


def assist(api, number, username="dept_water", **payload):
    return api(username).post(f"/tickets/{number}/assist_reply", json={"opinion": OPINION, **payload})


SIGN = ("dept_housing", "sign", {})
STEPS_TO = {
    "dispatched": (),
    "accepted": (SIGN,),
    "return_requested": (SIGN, ("dept_housing", "request_return", {"reason": "不属于本单位职责"})),
}


@pytest.mark.parametrize("state", sorted(STEPS_TO))
def test_assisting_department_adds_an_opinion_without_changing_the_state(api, assisted, department_ids, state):
    number = assisted(*STEPS_TO[state])
    before = api("dept_water").get(f"/tickets/{number}").json
    response = assist(api, number, version=before["version"])
    assert response.status_code == 200, response.json
    ticket = response.json
    assert ticket["state"] == state and ticket["version"] == before["version"] + 1
    event = ticket["events"][-1]
    assert (event["action"], event["from_state"], event["to_state"], event["note"]) == (
        "assist_reply", state, state, OPINION)
    assert event["data"] == {"department_id": department_ids["water"], "department_name": "市水务集团"}
    assert [(o["department_id"], o["opinion"]) for o in ticket["assist_opinions"]] == [
        (department_ids["water"], OPINION)]


def test_lead_department_reads_the_opinion_and_is_notified(api, assisted, department_ids):
    number = assisted(SIGN)
    assert assist(api, number).status_code == 200
    lead = api("dept_housing").get(f"/tickets/{number}").json
    assert [o["department_name"] for o in lead["assist_opinions"]] == ["市水务集团"]
    notices = [n for n in api("dept_housing").get("/notifications").json["items"] if n["kind"] == "assist_opinion"]
    assert [(n["ticket_number"], n["kind_label"]) for n in notices] == [(number, "协办意见")]
    assert "市水务集团" in notices[0]["text"] and number in notices[0]["text"]
    # The assistant itself and other departments get no such notice.
    for username in ("dept_water", "dept_eco_env"):
        items = api(username).get("/notifications").json["items"]
        assert not [n for n in items if n["kind"] == "assist_opinion"]


def test_two_opinions_are_both_kept_in_order(api, assisted):
    number = assisted(SIGN)
    assert assist(api, number).status_code == 200
    assert assist(api, number, opinion="排查完毕，管网无漏点").status_code == 200
    opinions = api("dept_housing").get(f"/tickets/{number}").json["assist_opinions"]
    assert [o["opinion"] for o in opinions] == [OPINION, "排查完毕，管网无漏点"]


@pytest.mark.parametrize("username, status", [
    ("dept_housing", 403),  # the lead handles the ticket itself
    ("dept_eco_env", 404),  # neither leads nor assists: the ticket does not exist for it
    ("dispatcher1", 403),
    ("operator1", 403),
    ("supervisor1", 403),
])
def test_only_an_assisting_department_may_give_an_opinion(api, assisted, snapshot, username, status):
    number = assisted(SIGN)
    before = snapshot()
    assert_error(assist(api, number, username=username), status)
    assert snapshot() == before


@pytest.mark.parametrize("steps, state", [
    ((SIGN, ("dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"})), "replied"),
])
def test_no_opinion_once_the_lead_has_replied(api, assisted, snapshot, steps, state):
    number = assisted(*steps)
    before = snapshot()
    error = assert_error(assist(api, number), 409, "invalid_transition")
    assert error["details"]["state"] == state
    assert snapshot() == before


def test_a_department_assisting_only_an_earlier_spell_is_refused(api, assisted, department_ids, snapshot):
    number = assisted(("dept_housing", "request_return", {"reason": "不属于本单位职责"}),
                      ("dispatcher1", "approve_return", {}),
                      ("dispatcher1", "dispatch", {"department_id": department_ids["eco_env"]}))
    before = snapshot()
    assert_error(assist(api, number), 403)
    assert snapshot() == before


@pytest.mark.parametrize("payload, field", [
    ({"opinion": "好"}, "opinion"),
    ({"opinion": "长" * 2001}, "opinion"),
    ({"opinion": "   "}, "opinion"),
    ({"opinion": None}, "opinion"),
    ({"opinion": OPINION, "state": "closed"}, "state"),
])
def test_bad_opinions_are_refused(api, assisted, snapshot, payload, field):
    number = assisted(SIGN)
    before = snapshot()
    response = api("dept_water").post(f"/tickets/{number}/assist_reply", json=payload)
    assert field in assert_error(response, 400, "invalid_input")["details"]
    assert snapshot() == before


def test_missing_opinion_is_refused(api, assisted):
    number = assisted(SIGN)
    response = api("dept_water").post(f"/tickets/{number}/assist_reply", json={})
    assert "opinion" in assert_error(response, 400, "invalid_input")["details"]


def test_stale_version_is_a_conflict(api, assisted, snapshot):
    number = assisted(SIGN)
    before = snapshot()
    assert_error(assist(api, number, version=1), 409, "conflict")
    assert snapshot() == before


def test_assist_reply_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/tickets/{number}/assist_reply"]["post"]
    assert operation["summary"].startswith("协办意见")
    assert "opinion" in spec["components"]["schemas"]["AssistReply"]["properties"]
