"""The accountability flow over HTTP: list with filters, explain, accept, confirm, permissions."""
import pytest

from hotline.accountability.models import AccountabilityRecord
from hotline.extensions import db
from tests.jobs.helpers import local, sweep


@pytest.fixture
def late(factory):
    """Two tickets of the housing bureau that missed their sign and completion deadlines."""
    tickets = [factory.ticket("dispatched", now=local("2026-11-02T09:00")) for _ in range(2)]
    sweep("2026-11-10T09:00")
    ids = db.session.scalars(db.select(AccountabilityRecord.id).order_by(AccountabilityRecord.id)).all()
    assert len(ids) == 4
    return tickets, ids


def row(record_id):
    db.session.expire_all()
    return db.session.get(AccountabilityRecord, record_id)


def test_department_sees_only_its_own_records(api, late, factory):
    housing = factory.department("housing").id
    mine = api("dept_housing").get("/accountability")
    assert mine.status_code == 200 and mine.json["total"] == 4
    assert {r["department_id"] for r in mine.json["items"]} == {housing}
    assert mine.json["items"][0]["ticket_number"] in {t.number for t in late[0]}
    assert api("dept_eco_env").get("/accountability").json["total"] == 0
    assert api("dept_eco_env").get(f"/accountability?department_id={housing}").json["total"] == 0


@pytest.mark.parametrize("query, total", [
    ("", 4), ("?status=open", 4), ("?status=confirmed", 0), ("?kind=sign", 2),
    ("?period_from=2026-11-02&period_to=2026-11-02", 2), ("?period_from=2026-11-03", 2),
    ("?per_page=3&page=2", 4),
])
def test_supervisor_filters_records(api, late, query, total):
    response = api("supervisor1").get(f"/accountability{query}")
    assert response.status_code == 200, response.json
    assert response.json["total"] == total


@pytest.mark.parametrize("query", ["?status=lost", "?period_from=yesterday", "?per_page=1000", "?x=1",
                                   f"?department_id={2**40}", f"?page={2**40}"])
def test_bad_filters_are_400(api, late, query):
    assert api("supervisor1").get(f"/accountability{query}").status_code == 400


def test_explain_accept_flow(api, late):
    _, (record_id, *_) = late
    url = f"/accountability/{record_id}"

    assert api("dept_housing").post(f"{url}/accept", json={"note": "同意"}).status_code == 403
    response = api("dept_housing").post(f"{url}/explain", json={"explanation": "节后人手不足，已整改"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "explained"
    assert api("dept_housing").post(f"{url}/explain", json={"explanation": "再说明一次"}).status_code == 409

    response = api("supervisor1").post(f"{url}/accept", json={"note": "说明属实，予以采纳"})
    assert response.status_code == 200 and response.json["status"] == "accepted"
    record = row(record_id)
    assert (record.explanation, record.decision_note) == ("节后人手不足，已整改", "说明属实，予以采纳")
    assert record.decided_by_id is not None and record.explained_by_id is not None
    assert api("supervisor1").post(f"{url}/confirm", json={"note": "改判"}).status_code == 409


def test_supervisor_confirms_fault_without_explanation(api, late):
    record_id = late[1][1]
    response = api("supervisor1").post(f"/accountability/{record_id}/confirm",
                                       json={"note": "无正当理由，确认责任"})
    assert response.status_code == 200 and response.json["status"] == "confirmed"
    assert api("supervisor1").post(f"/accountability/{record_id}/accept",
                                   json={"note": "采纳"}).status_code == 409


@pytest.mark.parametrize("user, action, payload, status", [
    ("dept_eco_env", "explain", {"explanation": "不是我们的"}, 404),
    ("supervisor1", "explain", {"explanation": "代为说明"}, 403),
    ("dispatcher1", "confirm", {"note": "确认责任"}, 403),
    ("dept_housing", "confirm", {"note": "确认责任"}, 403),
    ("dept_housing", "explain", {"explanation": ""}, 400),
    ("dept_housing", "explain", {"explanation": "好的", "extra": 1}, 400),
    ("dept_housing", "explain", {}, 400),
    ("supervisor1", "accept", {"note": "采纳"}, 409),
    ("supervisor1", "confirm", {"note": 5}, 400),
])
def test_refused_decisions_write_nothing(api, late, user, action, payload, status):
    record_id = late[1][0]
    response = api(user).post(f"/accountability/{record_id}/{action}", json=payload)
    assert response.status_code == status, response.json
    record = row(record_id)
    assert (record.status, record.explanation, record.decision_note) == ("open", None, None)


@pytest.mark.parametrize("record_id", [999999, 2**31, 2**70])
def test_unknown_record_is_404(api, late, record_id):
    assert api("supervisor1").post(f"/accountability/{record_id}/confirm",
                                   json={"note": "确认责任"}).status_code == 404
