"""Who may call what: tokens, roles, a department's own tickets and masked personal data."""
import re
import time
from types import SimpleNamespace

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.models import User
from hotline.auth.tokens import issue_token
from hotline.extensions import db
from tests.api.support import api, assert_error, department_ids, make_ticket, snapshot, tokens  # noqa: F401
from tests.conftest import DEMO_PASSWORD
from tests.factories import ticket_data

NOWHERE = "20990101-000001"  # a well-formed number that no ticket has
PUBLIC = {"/api/v1/openapi.json", "/api/v1/auth/token"}
RETURNED = [("dispatcher1", "approve_return", {"note": "确非本单位职责"})]


def ticket_in(make_ticket, state):
    """`returned`: held by housing, sent back to the centre; otherwise a Factory state."""
    if state == "returned":
        return make_ticket("return_requested", steps=RETURNED)
    return make_ticket(state)


def user_row(username):
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def new_user(app):
    """A user of our own (removed after the test), so that demo users stay untouched."""
    def create(username, roles=("operator",), password="s3cret-passw0rd"):
        with app.app_context():
            user = User(username=username, full_name="测试用户")
            user.roles = roles
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
        return username

    return create


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- tokens ----------------------------------------------------------------------------

def test_every_protected_endpoint_requires_a_token(app, client):
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in PUBLIC:
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)  # "1" fits every converter (string, int)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={})
            assert_error(response, 401, "unauthorized")
            checked.append((method, rule.rule))
    assert ("POST", "/api/v1/tickets") in checked and ("GET", "/api/v1/tickets/<number>") in checked


def _tampered(token):
    middle = len(token) // 4  # inside the payload, where every base64 bit counts
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]


def _token_signed_with_another_key(app, monkeypatch):
    with app.app_context(), monkeypatch.context() as patch:
        patch.setitem(app.config, "SECRET_KEY", "another-secret-key")
        return issue_token(user_row("operator1"))


def _expired_token(app, monkeypatch):
    age = app.config["HOTLINE_TOKEN_MAX_AGE"] + 60
    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age)
        return issue_token(user_row("operator1"))


def _token_of_unknown_user(app, monkeypatch):
    with app.app_context():
        ghost = SimpleNamespace(id=10**6, token_version=user_row("operator1").token_version)
        return issue_token(ghost)


BAD_AUTHORIZATION = [
    pytest.param(lambda app, mp, good: {}, "unauthorized", id="no_header"),
    pytest.param(lambda app, mp, good: {"Authorization": "Bearer "}, "unauthorized", id="empty_bearer"),
    pytest.param(lambda app, mp, good: bearer("not-a-token"), "unauthorized", id="garbage"),
    pytest.param(lambda app, mp, good: {"Authorization": good}, "unauthorized", id="token_without_scheme"),
    pytest.param(lambda app, mp, good: {"Authorization": f"Token {good}"}, "unauthorized", id="other_scheme"),
    pytest.param(lambda app, mp, good: {"Authorization": "Basic b3BlcmF0b3IxOmhvdGxpbmUtZGVtbw=="},
                 "unauthorized", id="basic_auth"),
    pytest.param(lambda app, mp, good: bearer(_tampered(good)), "unauthorized", id="tampered"),
    pytest.param(lambda app, mp, good: bearer(_token_signed_with_another_key(app, mp)),
                 "unauthorized", id="signed_with_another_key"),
    pytest.param(lambda app, mp, good: bearer(_token_of_unknown_user(app, mp)),
                 "unauthorized", id="unknown_user"),
    pytest.param(lambda app, mp, good: bearer(_expired_token(app, mp)), "token_expired", id="expired"),
]


@pytest.mark.parametrize(("headers", "code"), BAD_AUTHORIZATION)
def test_request_without_a_valid_token_is_401(app, client, tokens, monkeypatch, headers, code):
    good = tokens("operator1")
    assert client.get("/api/v1/tickets", headers=bearer(good)).status_code == 200
    response = client.get("/api/v1/tickets", headers=headers(app, monkeypatch, good))
    assert_error(response, 401, code)


def test_login_returns_a_working_token(client):
    response = client.post("/api/v1/auth/token", json={"username": "dept_housing", "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.json
    assert response.json["user"]["username"] == "dept_housing"
    assert response.json["user"]["roles"] == ["department"]
    assert client.get("/api/v1/tickets", headers=bearer(response.json["token"])).status_code == 200


@pytest.mark.parametrize(("username", "password"), [
    pytest.param("operator1", "wrong-password", id="wrong_password"),
    pytest.param("operator1", DEMO_PASSWORD.upper(), id="password_in_wrong_case"),
    pytest.param("nobody", DEMO_PASSWORD, id="unknown_user"),
])
def test_login_with_bad_credentials_is_401_without_token(client, username, password):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    error = assert_error(response, 401, "invalid_credentials")
    assert "token" not in response.get_data(as_text=True)
    # The same answer for an unknown user and a wrong password: no probing for usernames.
    assert error["message"] == "用户名或密码错误"


def test_disabled_user_token_stops_working(app, client, new_user):
    username = new_user("operator_temp", password="s3cret-passw0rd")
    login = client.post("/api/v1/auth/token", json={"username": username, "password": "s3cret-passw0rd"})
    token = login.json["token"]
    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 200
    with app.app_context():
        user_row(username).active = False
        db.session.commit()
    assert_error(client.get("/api/v1/tickets", headers=bearer(token)), 401, "unauthorized")
    again = client.post("/api/v1/auth/token", json={"username": username, "password": "s3cret-passw0rd"})
    assert_error(again, 401, "invalid_credentials")


def test_token_issued_before_password_change_stops_working(app, client, new_user):
    username = new_user("operator_temp")
    with app.app_context():
        old_token = issue_token(user_row(username))
    assert client.get("/api/v1/tickets", headers=bearer(old_token)).status_code == 200
    with app.app_context():
        user_row(username).set_password("a-brand-new-passw0rd")
        db.session.commit()
    assert_error(client.get("/api/v1/tickets", headers=bearer(old_token)), 401, "unauthorized")
    login = client.post("/api/v1/auth/token", json={"username": username, "password": "a-brand-new-passw0rd"})
    assert client.get("/api/v1/tickets", headers=bearer(login.json["token"])).status_code == 200


# --- roles -----------------------------------------------------------------------------

REPLY = {"result": "已联系物业完成维修", "outcome": "resolved"}
REVISIT = {"satisfaction": "satisfied", "resolved": True}
FORBIDDEN = [
    # (ticket state, user, action, payload); `returned` tickets are visible to dept_housing
    pytest.param("dispatched", "operator1", "sign", {}, id="operator_signs"),
    pytest.param("returned", "dept_housing", "dispatch", {"department_id": "@transport"},
                 id="department_dispatches"),
    pytest.param("accepted", "revisitor1", "reply", REPLY, id="revisitor_replies"),
    pytest.param("received", "supervisor1", "dispatch", {"department_id": "@housing"},
                 id="supervisor_dispatches"),
    pytest.param("received", "admin", "dispatch", {"department_id": "@housing"}, id="admin_dispatches"),
    pytest.param("received", "revisitor1", "answer", {"answer": "已按政策解答"}, id="revisitor_answers"),
    pytest.param("received", "dispatcher1", "invalidate", {"reason": "骚扰电话"}, id="dispatcher_invalidates"),
    pytest.param("return_requested", "dept_housing", "approve_return", {}, id="department_approves_own_return"),
    pytest.param("accepted", "supervisor1", "request_extension", {"days": 2, "reason": "需要协调"},
                 id="supervisor_requests_extension"),
    pytest.param("replied", "operator1", "approve_reply", {}, id="operator_approves_reply"),
    pytest.param("replied", "dept_housing", "approve_reply", {}, id="department_approves_own_reply"),
    pytest.param("pending_revisit", "dispatcher1", "revisit", REVISIT, id="dispatcher_revisits"),
    pytest.param("pending_revisit", "dept_housing", "revisit", REVISIT, id="department_revisits"),
    pytest.param("accepted", "dept_housing", "urge", {"note": "请尽快"}, id="department_urges"),
    pytest.param("accepted", "operator1", "supervise", {"note": "请尽快"}, id="operator_supervises"),
    pytest.param("dispatched", "dept_housing", "merge", {"target_number": NOWHERE}, id="department_merges"),
]


@pytest.mark.parametrize(("state", "username", "action", "payload"), FORBIDDEN)
def test_role_may_not_take_action(api, make_ticket, snapshot, department_ids, state, username, action, payload):
    number = ticket_in(make_ticket, state)
    payload = {k: department_ids[v[1:]] if str(v).startswith("@") else v for k, v in payload.items()}
    before = snapshot()
    assert_error(api(username).post(f"/tickets/{number}/{action}", json=payload), 403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize("username", ["dept_housing", "dispatcher1", "revisitor1", "supervisor1", "admin"])
def test_only_operator_creates_ticket(api, snapshot, username):
    before = snapshot()
    assert_error(api(username).post("/tickets", json=ticket_data()), 403, "forbidden")
    assert snapshot() == before


# --- a department's own tickets ----------------------------------------------------------

def _numbers(response):
    assert response.status_code == 200, response.json
    return {item["number"] for item in response.json["items"]}


def _redispatched(make_ticket, department_ids):
    """Held by housing, returned with approval, then dispatched to transport."""
    return make_ticket("return_requested", steps=RETURNED + [
        ("dispatcher1", "dispatch", {"department_id": department_ids["transport"]})])


@pytest.mark.parametrize(("state", "username"), [
    pytest.param("dispatched", "dept_transport", id="held_by_another_department"),
    pytest.param("received", "dept_housing", id="never_dispatched"),
])
def test_department_gets_404_for_ticket_it_never_held(api, make_ticket, snapshot, state, username):
    number = make_ticket(state)
    department = api(username)
    hidden = assert_error(department.get(f"/tickets/{number}"), 404)
    missing = assert_error(department.get(f"/tickets/{NOWHERE}"), 404)
    assert hidden["code"] == missing["code"] == "not_found"
    assert hidden["message"].replace(number, NOWHERE) == missing["message"]
    before = snapshot()
    assert_error(department.post(f"/tickets/{number}/sign", json={}), 404, "not_found")
    assert snapshot() == before
    assert number not in _numbers(department.get("/tickets"))


def test_department_list_holds_only_its_own_tickets(api, make_ticket, department_ids):
    housing = make_ticket("dispatched")
    make_ticket("received")
    transport = make_ticket("received", steps=[
        ("dispatcher1", "dispatch", {"department_id": department_ids["transport"]})])
    response = api("dept_transport").get("/tickets")
    assert _numbers(response) == {transport} and response.json["total"] == 1
    assert _numbers(api("dept_housing").get("/tickets")) == {housing}
    # Filters narrow what a department sees; they never widen it.
    assert _numbers(api("dept_transport").get(f"/tickets?department_id={department_ids['housing']}")) == set()
    assert _numbers(api("dept_transport").get(f"/tickets?q={housing}")) == set()


def test_department_still_sees_ticket_it_held_after_return_and_redispatch(api, make_ticket, department_ids):
    number = _redispatched(make_ticket, department_ids)
    for username in ("dept_housing", "dept_transport"):
        response = api(username).get(f"/tickets/{number}")
        assert response.status_code == 200, (username, response.json)
        assert response.json["department_id"] == department_ids["transport"]
        assert number in _numbers(api(username).get("/tickets"))


def test_assisting_department_sees_ticket(api, make_ticket, department_ids):
    number = make_ticket("received", steps=[("dispatcher1", "dispatch", {
        "department_id": department_ids["housing"], "assisting_department_ids": [department_ids["eco_env"]]})])
    response = api("dept_eco_env").get(f"/tickets/{number}")
    assert response.status_code == 200, response.json
    assert response.json["assisting_department_ids"] == [department_ids["eco_env"]]
    assert number in _numbers(api("dept_eco_env").get("/tickets"))
    assert_error(api("dept_transport").get(f"/tickets/{number}"), 404, "not_found")


@pytest.mark.parametrize(("action", "payload"), [
    ("sign", {}),
    ("request_return", {"reason": "不属于本单位职责"}),
])
def test_department_cannot_act_on_ticket_it_no_longer_holds(api, make_ticket, snapshot, department_ids,
                                                            action, payload):
    number = _redispatched(make_ticket, department_ids)
    before = snapshot()
    assert_error(api("dept_housing").post(f"/tickets/{number}/{action}", json=payload), 403, "forbidden")
    assert snapshot() == before
    response = api("dept_transport").post(f"/tickets/{number}/{action}", json=payload)
    assert response.status_code == 200, response.json


def test_assisting_department_cannot_act_as_lead(api, make_ticket, snapshot, department_ids):
    number = make_ticket("received", steps=[("dispatcher1", "dispatch", {
        "department_id": department_ids["housing"], "assisting_department_ids": [department_ids["eco_env"]]})])
    before = snapshot()
    assert_error(api("dept_eco_env").post(f"/tickets/{number}/sign", json={}), 403, "forbidden")
    assert snapshot() == before


# --- personal data ---------------------------------------------------------------------

PHONE, ID_NUMBER = "13812345678", "110101199003071234"


@pytest.mark.parametrize("username", ["dept_housing", "operator1", "dispatcher1", "supervisor1"])
def test_caller_phone_and_id_number_are_masked_for_everyone(api, make_ticket, username):
    number = make_ticket("accepted", caller_phone=PHONE, caller_id_number=ID_NUMBER)
    detail = api(username).get(f"/tickets/{number}")
    [item] = [t for t in api(username).get("/tickets").json["items"] if t["number"] == number]
    for ticket in (detail.json, item):
        assert (ticket["caller_phone"], ticket["caller_id_number"]) == ("138****5678", "110101********1234")
    for response in (detail, api(username).get("/tickets")):
        text = response.get_data(as_text=True)
        assert PHONE not in text and ID_NUMBER not in text


@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "revisitor1", "supervisor1", "admin"])
def test_centre_staff_see_the_full_numbers_on_request_and_each_request_is_audited(app, api, make_ticket, username):
    number = make_ticket("accepted", caller_phone=PHONE, caller_id_number=ID_NUMBER)
    response = api(username).post(f"/tickets/{number}/contact")
    assert response.status_code == 200
    assert (response.json["caller_phone"], response.json["caller_id_number"]) == (PHONE, ID_NUMBER)
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
        assert (entry.actor_name, entry.entity, entry.entity_id) == (username, "ticket", number)
        assert entry.after == {"fields": ["caller_phone", "caller_id_number"]}


def test_departments_never_get_the_full_numbers(app, api, make_ticket, snapshot):
    number = make_ticket("accepted", caller_phone=PHONE, caller_id_number=ID_NUMBER)
    before = snapshot()
    response = api("dept_housing").post(f"/tickets/{number}/contact")
    assert_error(response, 403, "forbidden")
    assert PHONE not in response.get_data(as_text=True) and snapshot() == before
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all() == []


def test_department_action_response_is_masked(api, make_ticket):
    number = make_ticket("dispatched", caller_phone=PHONE, caller_id_number=ID_NUMBER)
    response = api("dept_housing").post(f"/tickets/{number}/sign", json={})
    assert response.status_code == 200, response.json
    assert response.json["caller_phone"] == "138****5678"
    assert PHONE not in response.get_data(as_text=True) and ID_NUMBER not in response.get_data(as_text=True)


# --- concurrency and the state machine ---------------------------------------------------

def test_stale_version_is_409_conflict(api, make_ticket, snapshot):
    number = make_ticket("dispatched")
    department = api("dept_housing")
    current = department.get(f"/tickets/{number}").json["version"]
    before = snapshot()
    error = assert_error(department.post(f"/tickets/{number}/sign", json={"version": current - 1}),
                         409, "conflict")
    assert error["details"] == {"expected": current - 1, "current": current}
    assert snapshot() == before
    response = department.post(f"/tickets/{number}/sign", json={"version": current})
    assert response.status_code == 200 and response.json["version"] == current + 1


def test_second_of_two_writers_with_one_version_gets_409(api, make_ticket, snapshot):
    number = make_ticket("accepted")
    version = api("supervisor1").get(f"/tickets/{number}").json["version"]
    first = api("supervisor1").post(f"/tickets/{number}/urge", json={"note": "请加快办理", "version": version})
    assert first.status_code == 200, first.json
    before = snapshot()
    second = api("supervisor1").post(f"/tickets/{number}/supervise", json={"note": "督办", "version": version})
    assert_error(second, 409, "conflict")
    assert snapshot() == before


@pytest.mark.parametrize(("state", "username", "action", "payload"), [
    pytest.param("dispatched", "operator1", "answer", {"answer": "已按政策解答"}, id="answer_dispatched"),
    pytest.param("accepted", "dispatcher1", "dispatch", {"department_id": 1}, id="dispatch_accepted"),
    pytest.param("accepted", "dept_housing", "sign", {}, id="sign_twice"),
    pytest.param("replied", "dept_housing", "reply", REPLY, id="reply_twice"),
    pytest.param("received", "revisitor1", "revisit", REVISIT, id="revisit_received"),
    pytest.param("answered", "operator1", "invalidate", {"reason": "骚扰电话"}, id="invalidate_answered"),
    pytest.param("closed", "supervisor1", "urge", {"note": "请加快"}, id="urge_closed"),
    pytest.param("merged", "dispatcher1", "dispatch", {"department_id": 1}, id="dispatch_merged"),
])
def test_illegal_action_is_409_invalid_transition(api, make_ticket, snapshot, state, username, action, payload):
    number = make_ticket(state)
    before = snapshot()
    error = assert_error(api(username).post(f"/tickets/{number}/{action}", json=payload),
                         409, "invalid_transition")
    assert error["details"] == {"state": state, "action": action}
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    pytest.param("post", "/tickets/{number}/explode", 404, "not_found", id="unknown_action"),
    pytest.param("post", f"/tickets/{NOWHERE}/sign", 404, "not_found", id="unknown_ticket"),
    pytest.param("get", "/no-such-endpoint", 404, "not_found", id="unknown_path"),
    pytest.param("get", "/tickets/{number}/sign", 405, "method_not_allowed", id="get_on_action"),
])
def test_unknown_path_is_json_error(api, make_ticket, snapshot, method, path, status, code):
    number = make_ticket("dispatched")
    before = snapshot()
    response = getattr(api("operator1"), method)(path.format(number=number), json={})
    assert_error(response, status, code)
    assert snapshot() == before


def test_departments_see_no_other_tickets_in_a_tickets_suggestions(app, api, client, tokens, make_ticket):
    first = make_ticket("received", caller_phone="13911112222")
    with app.app_context():
        from hotline.directory.models import Department
        housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
    second = api("operator1").post("/tickets", json={
        "channel": "phone", "type": "complaint", "caller_phone": "13911112222",
        "content": "又打来反映同一件事，小区电梯还是坏的"}).json["number"]
    assert first in [s["number"] for s in api("dispatcher1").get(f"/tickets/{second}").json["suggestions"]["similar"]]
    api("dispatcher1").post(f"/tickets/{second}/dispatch", json={"department_id": housing})
    seen = api("dept_housing").get(f"/tickets/{second}").json
    assert seen["suggestions"]["similar"] == [] and first not in str(seen)
