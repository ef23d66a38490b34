"""Repeat calls in the app: the same incident found in other words, grouped, merged in one step, and
the merge recorded on both tickets (SPEC §3, §6)."""
from sqlalchemy import select

from hotline.directory.models import Department
from hotline.extensions import db
from hotline.routing.similar import repeat_group
from tests.factories import ticket_data

FIRST = "从早上六点开始家里就停水了，也没看到任何停水通知，一家老小没法做饭洗漱"
SECOND = "翠湖花园小区到现在还是没水，水龙头拧开一滴都没有，物业说不知道原因"
THIRD = "我们小区断水大半天了，孩子放学回来连口水都喝不上，麻烦查一下"
ADDRESS = "城西区建设路翠湖花园3栋"


def call(api, content, address=None, **fields):
    response = api("operator1").post("/tickets", json=ticket_data(content=content, address=address, **fields))
    assert response.status_code == 201, response.json
    return response.json


def test_the_same_outage_in_other_words_is_one_incident(api, active_model):
    first = call(api, FIRST, ADDRESS)
    second = call(api, SECOND)  # the place only in what was said
    assert second["suggestions"]["repeat_of"] == {"number": first["number"], "calls": 1}
    offered = {s["number"]: s for s in second["suggestions"]["similar"]}
    assert offered[first["number"]]["reason"] == "same_incident"
    assert offered[first["number"]]["place"] == "翠湖花园" and offered[first["number"]]["topic"] > 0.3
    third = call(api, THIRD, "建设路翠湖花园")  # the place only in the address
    assert third["suggestions"]["repeat_of"] == {"number": first["number"], "calls": 2}
    assert {s["number"] for s in third["suggestions"]["similar"] if s["reason"] == "same_incident"} \
        == {first["number"], second["number"]}


def test_same_estate_other_problem_and_same_problem_elsewhere_are_no_repeat(api, active_model):
    call(api, FIRST, ADDRESS)
    lift = call(api, "5栋的电梯又坏了，已经停了三天，物业一直不修", ADDRESS)
    elsewhere = call(api, "红星苑小区今天一直停水，家里一点水都没有，也没有通知", "城东区红星苑")
    for ticket in (lift, elsewhere):
        assert ticket["suggestions"]["repeat_of"] is None
        assert not [s for s in ticket["suggestions"]["similar"] if s["reason"] == "same_incident"]


def test_classify_carries_the_group_and_counts_merged_calls(api, active_model):
    first = call(api, FIRST, ADDRESS)
    second = call(api, SECOND)
    merged = api("operator1").post(f"/tickets/{second['number']}/merge",
                                   json={"target_number": first["number"], "version": second["version"]})
    assert merged.status_code == 200, merged.json
    body = {"content": THIRD, "address": "建设路翠湖花园"}
    suggestion = api("operator1").post("/classify", json=body).json
    # The open ticket and the call already merged into it: two calls so far.
    assert suggestion["repeat_of"] == {"number": first["number"], "calls": 2}


def test_the_earliest_open_ticket_is_the_one_to_merge_into(api, active_model, ctx):
    first = call(api, FIRST, ADDRESS)
    second = call(api, SECOND)
    offers = [{"number": second["number"], "score": 0.8, "reason": "same_incident"},
              {"number": first["number"], "score": 0.7, "reason": "same_incident"},
              {"number": "20990101-000001", "score": 0.9, "reason": "same_phone"}]
    assert repeat_group(offers) == {"number": first["number"], "calls": 2}
    assert repeat_group([{"number": first["number"], "score": 0.5, "reason": "text"}]) is None
    invalidated = api("operator1").post(f"/tickets/{first['number']}/invalidate", json={"reason": "测试来电"})
    assert invalidated.status_code == 200
    db.session.rollback()
    assert repeat_group(offers) == {"number": second["number"], "calls": 1}


def test_a_department_sees_neither_similar_tickets_nor_the_group(api, active_model):
    first = call(api, FIRST, ADDRESS)
    second = call(api, SECOND)
    department = db.session.scalar(select(Department).where(Department.code == "housing"))
    dispatched = api("dispatcher1").post(f"/tickets/{second['number']}/dispatch",
                                         json={"department_id": department.id})
    assert dispatched.status_code == 200, dispatched.json
    seen = api("dept_housing").get(f"/tickets/{second['number']}").json
    assert seen["suggestions"]["similar"] == [] and seen["suggestions"]["repeat_of"] is None
    assert first["number"] not in str(seen)
    centre = api("dispatcher1").get(f"/tickets/{second['number']}").json
    assert centre["suggestions"]["repeat_of"]["number"] == first["number"]


def test_a_merge_is_recorded_on_both_tickets(api, active_model):
    target = call(api, FIRST, ADDRESS)
    source = call(api, SECOND)
    response = api("operator1").post(f"/tickets/{source['number']}/merge",
                                     json={"target_number": target["number"], "version": source["version"]})
    assert response.status_code == 200, response.json
    merged = api("operator1").get(f"/tickets/{source['number']}").json
    assert merged["events"][-1]["action"] == "merge"
    assert merged["events"][-1]["data"] == {"target_number": target["number"]}
    after = api("operator1").get(f"/tickets/{target['number']}").json
    event = after["events"][-1]
    assert event["action"] == "merged_in" and event["data"] == {"source_number": source["number"]}
    assert event["from_state"] == event["to_state"] == target["state"] == after["state"]
    assert source["number"] in event["note"]
    assert after["version"] == target["version"]  # no change of the target that others must reload for


def test_a_refused_merge_records_nothing_on_the_target(api, active_model):
    target = call(api, FIRST, ADDRESS)
    api("operator1").post(f"/tickets/{target['number']}/answer", json={"answer": "已告知停水原因"})
    source = call(api, SECOND)
    response = api("operator1").post(f"/tickets/{source['number']}/merge",
                                     json={"target_number": target["number"]})
    assert response.status_code == 409
    db.session.rollback()
    events = api("operator1").get(f"/tickets/{target['number']}").json["events"]
    assert "merged_in" not in [e["action"] for e in events]


def test_the_group_comes_from_the_search_without_asking_the_database_again(api, active_model, app):
    from sqlalchemy import event

    from hotline.routing.similar import find_similar
    from hotline.timeutil import utcnow

    first = call(api, FIRST, ADDRESS)
    second = call(api, SECOND)
    db.session.rollback()
    groups = {}
    similar = find_similar(THIRD, None, utcnow(), address="建设路翠湖花园", groups=groups)
    assert {first["number"], second["number"]} <= set(groups)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        grouped = repeat_group(similar, groups)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    assert grouped == repeat_group(similar) == {"number": first["number"], "calls": 2}
