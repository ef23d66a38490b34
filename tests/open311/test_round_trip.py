"""Issue 14's acceptance, in JSON and in XML: discovery → services → POST with a key → GET by id → listed with
status=open → after the workflow closes it, status=closed with the approved reply as status_notes."""
from datetime import datetime

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.open311.models import Open311Key
from hotline.tickets.models import Ticket
from tests.api.support import api, department_ids, tokens  # noqa: F401  (fixtures)
from tests.open311.support import FORMATS, REQUEST_FIELDS, make_key, read, text  # noqa: F401

V2 = "/open311/v2"
CALLER_PHONE = "13912345678"
RESULT = "已督促物业公司清运垃圾并建立每日巡查制度"


def _iso_with_offset(value):
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, value
    return moment


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(fmt, client, app, api, make_key, department_ids):
    key = make_key()

    discovery = read(client.get(f"{V2}/discovery.{fmt}"), fmt)
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    services = read(client.get(f"{V2}/services.{fmt}"), fmt)
    service = next(s for s in services if s["service_name"] == "垃圾清运")
    assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert service["group"] == "市容环卫" and text(service["metadata"]) == "true" and service["type"] == "realtime"

    definition = read(client.get(f"{V2}/services/{service['service_code']}.{fmt}"), fmt)
    assert definition["service_code"] == service["service_code"]
    [attribute] = definition["attributes"]
    assert attribute["code"] == "type" and attribute["datatype"] == "singlevaluelist"
    assert text(attribute["required"]) == "false"
    keys_offered = {v["key"] for v in attribute["values"]}
    assert "complaint" in keys_offered and "report" not in keys_offered

    filed = client.post(f"{V2}/requests.{fmt}", data={
        "api_key": key, "service_code": service["service_code"], "lat": "30.274", "long": "120.155",
        "address_string": "城西区桂花街道金桂苑小区北门", "description": "小区门口的垃圾已经堆了三天没人清运，气味很大",
        "first_name": "三", "last_name": "张", "phone": CALLER_PHONE, "email": "zhang@example.com",
        "attribute[type]": "suggestion"})
    assert filed.status_code == 201, filed.get_data(as_text=True)
    [receipt] = read(filed, fmt)
    number = receipt["service_request_id"]
    assert number in receipt["service_notice"]
    assert CALLER_PHONE not in filed.get_data(as_text=True)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        key_id = db.session.scalar(select(Open311Key.id).where(Open311Key.name == "市民服务APP"))
        assert (ticket.channel, ticket.type, ticket.open311_key_id) == ("app", "suggestion", key_id)
        assert (ticket.caller_name, ticket.caller_phone, ticket.area) == ("张三", CALLER_PHONE, "城西区")
        # Through the intake service: suggested (the stored suggestion with its urgency check) and urgency set.
        assert ticket.category.name == "垃圾清运" and ticket.suggestions["urgency"]["level"] == "normal"
        assert ticket.urgency == ticket.detected_urgency == "normal"
        assert ticket.events[0].actor_name == "open311:市民服务APP"

    [shown] = read(client.get(f"{V2}/requests/{number}.{fmt}", query_string={"api_key": key}), fmt)
    assert list(shown) == REQUEST_FIELDS
    assert shown["status"] == "open" and shown["status_notes"] is None
    assert shown["service_code"] == service["service_code"] and shown["service_name"] == "垃圾清运"
    assert shown["description"] == "小区门口的垃圾已经堆了三天没人清运，气味很大"
    assert shown["address"] == "城西区桂花街道金桂苑小区北门"
    assert float(shown["lat"]) == 30.274 and float(shown["long"]) == 120.155
    assert _iso_with_offset(shown["requested_datetime"]).utcoffset().total_seconds() == 8 * 3600
    assert shown["expected_datetime"] is None and shown["agency_responsible"] is None

    listed = read(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, "status": "open"}), fmt)
    assert [r["service_request_id"] for r in listed] == [number]
    assert read(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, "status": "closed"}), fmt) == []

    housing = department_ids["housing"]
    steps = [("dispatcher1", "dispatch", {"department_id": housing}), ("dept_housing", "sign", {}),
             ("dept_housing", "reply", {"result": RESULT, "outcome": "resolved"})]
    for username, action, payload in steps:
        assert api(username).post(f"/tickets/{number}/{action}", json=payload).status_code == 200
    [replied] = read(client.get(f"{V2}/requests/{number}.{fmt}", query_string={"api_key": key}), fmt)
    # Dispatched: the department is responsible and the completion due time is expected; the reply is not
    # shown before the centre approves it.
    assert replied["status"] == "open" and replied["agency_responsible"] == "市住房和城乡建设局"
    assert replied["status_notes"] is None
    with app.app_context():
        due = db.session.scalar(select(Ticket.complete_due_at).where(Ticket.number == number))
    assert _iso_with_offset(replied["expected_datetime"]) == due.replace(microsecond=0)

    for username, action, payload in [("dispatcher1", "approve_reply", {}),
                                      ("revisitor1", "revisit", {"satisfaction": "satisfied", "resolved": True})]:
        assert api(username).post(f"/tickets/{number}/{action}", json=payload).status_code == 200
    closed = read(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, "status": "closed"}), fmt)
    assert [r["service_request_id"] for r in closed] == [number]
    assert closed[0]["status_notes"] == RESULT
    with app.app_context():
        closed_at = db.session.scalar(select(Ticket.closed_at).where(Ticket.number == number))
    assert _iso_with_offset(closed[0]["updated_datetime"]) == closed_at.replace(microsecond=0)
    assert read(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, "status": "open"}), fmt) == []
    everything = read(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, "status": "open,closed"}),
                      fmt)
    assert [r["service_request_id"] for r in everything] == [number]


def test_filing_without_a_type_files_a_complaint_and_a_location_is_required(client, app, make_key):
    key = make_key()
    base = {"api_key": key, "service_code": "3", "description": "物业服务太差，保安经常不在岗"}
    missing = client.post(f"{V2}/requests.json", data=base)
    assert missing.status_code == 400 and "address_string" in missing.json[0]["description"]
    only_lat = client.post(f"{V2}/requests.json", data=base | {"lat": "30.1"})
    assert only_lat.status_code == 400
    filed = client.post(f"{V2}/requests.json", data=base | {"lat": "30.1", "long": "120.2"})
    assert filed.status_code == 201, filed.json
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == filed.json[0]["service_request_id"]))
        assert ticket.type == "complaint" and ticket.address == "经纬度 30.1,120.2"
        assert ticket.caller_name is None and ticket.caller_phone is None
