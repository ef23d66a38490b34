"""Routing suggestions at intake, /classify, the catalogue and the registry."""
import gc
import threading

import pytest
from sqlalchemy import event, func, literal, select
from sqlalchemy import text as text_sql

from hotline import refresh
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.routing import catalogue, registry
from hotline.routing import snapshot as snapshot_module
from hotline.routing.snapshot import routing_snapshot
from hotline.tickets.models import Ticket
from hotline.timeutil import utcnow
from tests.factories import ticket_data


def category(code):
    return db.session.scalar(select(Category).where(Category.code == code))


def route(category, area):
    """The reference reading through the ORM: the entry for the category (or its nearest
    ancestor) in the area, else for anywhere."""
    node = category
    while node is not None:
        entries = {e.area: e for e in catalogue.entries(category_id=node.id)}
        entry = entries.get(area) or entries.get(None)
        if entry is not None:
            return entry
        node = node.parent
    return None


@pytest.mark.parametrize("code, area, lead, assisting", [
    ("property", "城西区", "district_west", ["housing"]),
    ("property", None, "housing", []),
    ("property", "不存在的区", "housing", []),
    ("house_delivery", "城东区", "housing", ["natural_res"]),
    ("gas_supply", "高新区", "gas", []),
])
def test_catalogue_routes_category_and_area(ctx, code, area, lead, assisting):
    entry = route(category(code), area)
    assert entry.lead.code == lead
    assert sorted(d.code for d in entry.assisting) == assisting


def test_catalogue_falls_back_to_parent_category(ctx):
    leaf = db.session.scalar(select(Category).where(Category.name == "物业收费"))
    assert route(leaf, "城东区").lead.code == "district_east"


def test_intake_response_carries_suggestions(api, active_model):
    response = api("operator1").post("/tickets", json=ticket_data(
        content="小区物业不作为，楼道垃圾一个月没人清理，物业费照收", area="城西区", type="complaint"))
    assert response.status_code == 201
    suggestions = response.json["suggestions"]
    assert suggestions["category"]["code"] == "property"
    assert suggestions["departments"][0]["code"] == "district_west"
    assert 0 < suggestions["departments"][0]["probability"] <= 1
    assert suggestions["stage"] == "catalogue"
    assert suggestions["model_version"] == active_model.version
    assert suggestions["urgency"]["level"] == "normal"
    stored = db.session.scalar(select(Ticket).where(Ticket.number == response.json["number"]))
    assert stored.suggested_department_id == suggestions["departments"][0]["department_id"]
    assert stored.suggested_category_id == suggestions["category"]["id"]
    assert stored.suggested_model_version == active_model.version


def test_final_choice_is_stored_beside_suggestion(api, active_model, factory):
    created = api("operator1").post("/tickets", json=ticket_data(
        content="楼下烧烤店每天半夜还在放音乐，吵得睡不着", area="城东区")).json
    eco = factory.department("eco_env").id
    api("dispatcher1").post(f"/tickets/{created['number']}/dispatch",
                            json={"department_id": eco, "category_id": category("noise").id})
    stored = db.session.scalar(select(Ticket).where(Ticket.number == created["number"]))
    assert stored.final_department_id == eco
    assert stored.final_category_id == category("noise").id
    assert stored.suggestions == created["suggestions"]


def test_emergency_phrases_flag_urgency(api, active_model):
    response = api("operator1").post("/classify", json={
        "content": "楼道里燃气泄漏味道很浓，邻居家没人，怕出事"})
    assert response.status_code == 200
    assert response.json["urgency"]["level"] == "emergency"
    assert response.json["urgency"]["phrases"]
    assert response.json["urgency"]["transfer_hint"]


def test_classify_saves_nothing(api, active_model):
    before = db.session.scalar(select(func.count(Ticket.id)))
    response = api("dispatcher1").post("/classify", json={"content": "公司拖欠工资三个月了，老板不见人"})
    assert response.status_code == 200
    assert response.json["category"]["code"] == "wage_arrears"
    assert db.session.scalar(select(func.count(Ticket.id))) == before


@pytest.mark.parametrize("body, field", [
    ({}, "content"),
    ({"content": "短"}, "content"),
    ({"content": "燃气泄漏了怎么办", "area": 3}, "area"),
    ({"content": "燃气泄漏了怎么办", "extra": 1}, "extra"),
])
def test_classify_rejects_bad_input(api, active_model, body, field):
    response = api("operator1").post("/classify", json=body)
    assert response.status_code == 400
    assert field in response.json["error"]["details"]


def test_classify_is_not_for_departments(api, active_model):
    assert api("dept_housing").post("/classify", json={"content": "楼下很吵很吵"}).status_code == 403


def test_without_model_suggestion_is_manual(api):
    response = api("operator1").post("/classify", json={"content": "小区门口的路灯坏了好几天"})
    assert response.json["manual"] is True and response.json["departments"] == []


def test_similar_open_tickets_and_same_phone_are_offered(api, active_model):
    first = api("operator1").post("/tickets", json=ticket_data(
        content="金桂苑小区7栋电梯坏了一个星期，物业一直不修", caller_phone="13900001111")).json
    second = api("operator1").post("/tickets", json=ticket_data(
        content="金桂苑小区7栋的电梯坏了一个多星期了物业还是不修", caller_phone="13900002222")).json
    similar = {s["number"]: s for s in second["suggestions"]["similar"]}
    # Same estate (the address and the text) and the same problem: the same incident, not only alike.
    assert similar[first["number"]]["reason"] == "same_incident"
    assert similar[first["number"]]["place"] == "金桂苑" and similar[first["number"]]["score"] > 0.4
    third = api("operator1").post("/tickets", json=ticket_data(
        content="我想咨询一下公积金怎么提取", caller_phone="13900001111", type="consult")).json
    reasons = {s["number"]: s["reason"] for s in third["suggestions"]["similar"]}
    assert reasons.get(first["number"]) == "same_phone"
    assert second["number"] not in reasons


def test_activation_reaches_running_app_without_restart(api, ctx, small_model, runner):
    first = registry.register(small_model, "category", "seed")
    second = registry.register(small_model, "category", "file")
    registry.activate(first.version)
    db.session.commit()
    assert api("operator1").post("/classify", json={"content": "电梯坏了没人修"}).json[
        "model_version"] == first.version
    result = runner.invoke(args=["model", "activate", second.version])
    assert result.exit_code == 0, result.output
    assert api("operator1").post("/classify", json={"content": "电梯坏了没人修"}).json[
        "model_version"] == second.version
    result = runner.invoke(args=["model", "rollback"])
    assert result.exit_code == 0, result.output
    assert api("operator1").post("/classify", json={"content": "电梯坏了没人修"}).json[
        "model_version"] == first.version


def test_activate_unknown_version_fails_cleanly(runner, ctx):
    result = runner.invoke(args=["model", "activate", "category-nope"])
    assert result.exit_code != 0 and "不存在" in result.output


def test_rollback_without_history_fails_cleanly(runner, ctx):
    result = runner.invoke(args=["model", "rollback"])
    assert result.exit_code != 0 and "回滚" in result.output


def test_large_index_is_built_by_the_maintainer_not_the_request(api, app, active_model, monkeypatch):
    import time

    from hotline.routing import similar

    first = api("operator1").post("/tickets", json=ticket_data(
        content="湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑")).json
    app.extensions.pop("hotline.similar", None)
    monkeypatch.setattr(similar, "INLINE_BUILD_LIMIT", 0)
    body = {"content": "湖滨街道滨江花园北门路灯坏了半个多月，晚上黑漆漆的"}
    threads = threading.active_count()
    during = api("operator1").post("/classify", json=body).json
    assert first["number"] not in [s["number"] for s in during["similar"]]
    assert threading.active_count() == threads  # the request started no thread
    # Requests here share the test's app context and session: release SQLite's lock.
    db.session.rollback()
    stop = similar.start_maintainer(app, poll_seconds=0.05)
    try:
        deadline = time.monotonic() + 30
        while (similar.ticket_index().index is None or not gc.get_freeze_count()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    # What it built is out of the cyclic collector's sight (no full collection walks it).
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 0
    after = api("operator1").post("/classify", json=body).json
    assert first["number"] in [s["number"] for s in after["similar"]]


def test_a_request_indexes_a_small_table_without_committing(api, active_model, app):
    from hotline.routing import similar

    first = api("operator1").post("/tickets", json=ticket_data(
        content="湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑")).json["number"]
    app.extensions.pop("hotline.similar", None)
    db.session.rollback()
    commits, session = [], db.session()

    def committed(session):
        commits.append(session)

    event.listen(session, "after_commit", committed)
    try:
        found = similar.find_similar("湖滨街道滨江花园北门路灯坏了半个多月", None, utcnow())
    finally:
        event.remove(session, "after_commit", committed)
    assert first in [s["number"] for s in found] and commits == []


def test_closed_tickets_are_pruned_from_the_index_by_the_maintainer(api, active_model, app):
    from hotline.routing import similar

    text = "湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑"
    kept = api("operator1").post("/tickets", json=ticket_data(content=text)).json["number"]
    closed = api("operator1").post("/tickets", json=ticket_data(content=text + "，请尽快修")).json["number"]
    body = {"content": "湖滨街道滨江花园北门路灯坏了半个多月，晚上黑漆漆的"}
    assert {kept, closed} <= {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    index = similar.ticket_index()
    indexed = len(index.index)
    invalidated = api("operator1").post(f"/tickets/{closed}/invalidate", json={"reason": "重复来电，已另行处理"})
    assert invalidated.status_code == 200, invalidated.json
    db.session.rollback()  # requests here share the test's session: release SQLite's lock
    found = {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    assert kept in found and closed not in found  # confirmed in the table before it is pruned
    db.session.rollback()
    index.maintain_once(utcnow())
    assert len(index.index) == indexed  # the prune interval has not passed
    index.pruned_at -= app.config["HOTLINE_SIMILAR_PRUNE_SECONDS"] + 1  # as if it had
    index.maintain_once(utcnow())
    assert len(index.index) == indexed - 1


def test_a_maintained_index_is_topped_up_in_one_query_and_rebuilt_by_the_maintainer_after_a_restore(
        api, active_model, app):
    from hotline.routing import similar

    text = "湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑"
    first = api("operator1").post("/tickets", json=ticket_data(content=text)).json["number"]
    body = {"content": "湖滨街道滨江花园北门路灯坏了半个多月，晚上黑漆漆的"}
    api("operator1").post("/classify", json=body)
    index = similar.ticket_index()
    index.maintained = True
    second = api("operator1").post("/tickets", json=ticket_data(content=text + "，请尽快修")).json["number"]
    db.session.rollback()
    statements = []

    def listener(connection, cursor, statement, *rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert index.current(utcnow()) is index.index
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # The new ticket was read and indexed, without asking for the table's largest id.
    assert len([s for s in statements if "tickets" in s]) == 1 and "max(" not in " ".join(statements)
    assert {first, second} <= {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    db.session.rollback()
    built = index.index
    index.last_id += 1000  # as if the table had been restored from an older backup
    index.maintain_once(utcnow())
    assert index.index is not built and not index.stale
    assert index.last_id == db.session.scalar(select(db.func.max(Ticket.id)))
    db.session.rollback()
    rebuilt = index.index
    index.maintain_once(utcnow())  # a table that did not shrink is not rebuilt
    assert index.index is rebuilt and not index.stale


def test_routing_snapshot_leads_match_the_catalogue_one_by_one(ctx):
    chosen = [category(code) for code in ("property", "noise", "gas_supply", "traffic")]
    leaf = db.session.scalar(select(Category).where(Category.name == "物业收费"))
    snapshot = routing_snapshot()
    for area in ("城西区", None, "不存在的区"):
        assert {c.id: snapshot.lead_for(c.id, area) for c in chosen + [leaf]} == {
            c.id: route(c, area).lead_department_id for c in chosen + [leaf]}
    assert snapshot.categories["property"]["path"] == category("property").path


def test_routing_snapshot_is_reread_after_its_refresh_interval(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_ROUTING_REFRESH_SECONDS", 30)
    clock = [1000.0]
    monkeypatch.setattr(refresh.time, "monotonic", lambda: clock[0])
    snapshot_module._snapshots.clear()
    entry = route(category("noise"), None)
    before = routing_snapshot().lead_for(entry.category_id, None)
    other = db.session.scalar(select(Department.id).where(Department.id != before).limit(1))
    entry.lead_department_id = other
    db.session.flush()
    clock[0] += 29
    assert routing_snapshot().lead_for(entry.category_id, None) == before
    clock[0] += 2
    assert routing_snapshot().lead_for(entry.category_id, None) == other
    snapshot_module._snapshots.clear()


def test_suggestions_carry_the_catalogues_assisting_departments(api, active_model):
    response = api("operator1").post("/classify", json={
        "content": "小区物业不作为，楼道垃圾一个月没人清理，物业费照收", "area": "城西区"})
    assert response.status_code == 200
    suggestion = response.json
    assert suggestion["departments"][0]["code"] == "district_west"
    assert [d["code"] for d in suggestion["assisting_departments"]] == ["housing"]


def _copy_of_ticket(connection, template_id, new_id, number):
    """INSERT … SELECT of a ticket under another id and number, in `connection`'s own transaction."""
    table = Ticket.__table__
    names = [c.name for c in table.columns]
    values = [literal(new_id) if n == "id" else literal(number) if n == "number" else table.c[n] for n in names]
    connection.execute(table.insert().from_select(names, select(*values).where(table.c.id == template_id)))


def test_a_ticket_that_commits_after_a_newer_one_is_indexed_all_the_same(api, active_model, app):
    """PostgreSQL hands out ids at INSERT: a ticket may commit after one with a higher id was indexed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: its ids always become visible in order")
    from hotline.routing import similar

    text = "湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑"
    body = {"content": "湖滨街道滨江花园北门路灯坏了半个多月，晚上黑漆漆的"}
    template = api("operator1").post("/tickets", json=ticket_data(content=text)).json
    template_id = db.session.scalar(select(Ticket.id).where(Ticket.number == template["number"]))
    api("operator1").post("/classify", json=body)
    index = similar.ticket_index()
    index.maintained = True
    db.session.rollback()
    with db.engine.connect() as slow:
        # A second caller's intake: its id taken, its transaction not yet committed.
        late_id = slow.scalar(text_sql("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))"))
        _copy_of_ticket(slow, template_id, late_id, "LATE-1")
        newer = api("operator1").post("/tickets", json=ticket_data(content=text + "，请尽快修")).json["number"]
        db.session.rollback()
        assert index.current(utcnow()) is index.index and index.last_id > late_id
        assert late_id in index.gaps
        slow.commit()
    db.session.rollback()
    index.current(utcnow())
    assert late_id not in index.gaps
    offered = {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    assert {"LATE-1", newer, template["number"]} <= offered


def test_an_id_that_never_appears_is_looked_for_a_while_only(api, active_model, app, monkeypatch):
    from hotline.routing import similar

    api("operator1").post("/tickets", json=ticket_data(content="湖滨街道滨江花园北门的路灯坏了半个月"))
    api("operator1").post("/classify", json={"content": "滨江花园北门路灯坏了"})
    index = similar.ticket_index()
    index.maintained = True
    db.session.rollback()
    newest = index.last_id
    # Ids after the newest indexed one, as if an insert had been rolled back between them.
    assert index._note_gaps(newest, [newest + 2, newest + 5]) == newest + 5
    assert set(index.gaps) >= {newest + 1, newest + 3, newest + 4}
    assert index._note_gaps(newest + 5, [newest + 3]) == newest + 5  # a late one appears
    assert newest + 3 not in index.gaps and newest + 1 in index.gaps
    assert index._note_gaps(newest + 5, [newest + 5 + similar.GAP_SPAN + 2]) == newest + similar.GAP_SPAN + 7
    assert newest + 6 not in index.gaps  # a jump this wide is not transactions overtaking each other
    clock = similar.time.monotonic()
    monkeypatch.setattr(similar.time, "monotonic", lambda: clock + similar.GAP_SECONDS + 1)
    index._note_gaps(index.last_id, [])
    assert newest + 1 not in index.gaps and not any(i <= newest + 4 for i in index.gaps)


def test_the_index_holds_the_newest_open_tickets_up_to_its_limit(api, active_model, app, monkeypatch):
    from hotline.routing import similar

    text = "湖滨街道滨江花园北门的路灯坏了半个月，晚上一片漆黑"
    numbers = [api("operator1").post("/tickets", json=ticket_data(content=text + suffix)).json["number"]
               for suffix in ("", "，请尽快修", "，已经好几次了")]
    body = {"content": "湖滨街道滨江花园北门路灯坏了半个多月，晚上黑漆漆的"}
    db.session.rollback()
    index = similar.ticket_index()
    index.max_tickets = 2
    monkeypatch.setattr(similar, "BUILD_BATCH", 1)  # read in batches: one text at a time
    index.build(utcnow())
    assert len(index.index) == len(index.repeats) == 2
    db.session.rollback()
    offered = {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    assert set(numbers[1:]) <= offered and numbers[0] not in offered
    db.session.rollback()
    index.max_tickets = 1
    index.prune(utcnow())  # the limit holds at each prune too
    assert len(index.index) == len(index.repeats) == 1
    offered = {s["number"] for s in api("operator1").post("/classify", json=body).json["similar"]}
    assert numbers[2] in offered and not {numbers[0], numbers[1]} & offered
