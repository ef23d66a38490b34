"""Who reads what through Open311: keys (invalid, revoked, scoped), public reading, reports and caller
fields never shown; and every refusal a GeoReport error with the right status, nothing written."""
import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.open311.models import Open311Key
from hotline.tickets.models import Ticket
from tests.api.support import make_ticket  # noqa: F401  (fixture)
from tests.open311.support import FORMATS, assert_errors, make_key, public_read, read  # noqa: F401

V2 = "/open311/v2"


def _file(client, key, fmt="json", **fields):
    data = {"api_key": key, "service_code": "3", "address_string": "城东区梧桐街道幸福里小区",
            "description": "小区保安经常脱岗，外来车辆随意进出", "phone": "13700001111"} | fields
    return client.post(f"{V2}/requests.{fmt}", data=data)


def _ticket_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_missing_and_revoked_keys_get_403_and_nothing_is_filed(fmt, client, app, make_key):
    revoked = make_key("已停用应用", revoked=True)
    good = make_key()
    filed = read(_file(client, good, fmt), fmt)[0]["service_request_id"]
    before = _ticket_count(app)
    for key in ("not-a-key", revoked, ""):
        assert_errors(_file(client, key, fmt), fmt, 403)
        params = {"api_key": key} if key else {}
        assert_errors(client.get(f"{V2}/requests.{fmt}", query_string=params), fmt, 403)
        assert_errors(client.get(f"{V2}/requests/{filed}.{fmt}", query_string=params), fmt, 403)
    [message] = assert_errors(_file(client, revoked, fmt), fmt, 403)
    assert "吊销" in message
    assert _ticket_count(app) == before


def test_a_key_sees_only_what_it_filed_unless_its_scope_is_all(client, make_key, make_ticket):
    mine, other, wide = make_key("甲应用"), make_key("乙应用"), make_key("统计平台", scope="all")
    ours = _file(client, mine).json[0]["service_request_id"]
    theirs = _file(client, other).json[0]["service_request_id"]
    by_phone = make_ticket("received")

    def seen(key):
        return {r["service_request_id"] for r in client.get(f"{V2}/requests.json", query_string={"api_key": key}).json}

    assert seen(mine) == {ours}
    assert seen(other) == {theirs}
    assert seen(wide) == {ours, theirs, by_phone}
    assert_errors(client.get(f"{V2}/requests/{theirs}.json", query_string={"api_key": mine}), "json", 404)
    assert client.get(f"{V2}/requests/{by_phone}.json", query_string={"api_key": wide}).status_code == 200
    listed = client.get(f"{V2}/requests.json", query_string={"api_key": mine, "service_request_id": f"{ours},{theirs}"})
    assert [r["service_request_id"] for r in listed.json] == [ours]


def test_public_reading_needs_no_key_but_a_bad_key_is_still_refused(client, make_key, make_ticket, public_read):
    number = make_ticket("received")
    assert_errors(client.get(f"{V2}/requests/{number}.json"), "json", 403)
    public_read(True)
    assert client.get(f"{V2}/requests/{number}.json").json[0]["service_request_id"] == number
    assert [r["service_request_id"] for r in read(client.get(f"{V2}/requests.xml"), "xml")] == [number]
    own_key = make_key()
    # Public: a key of scope own reads what anyone may read.
    assert client.get(f"{V2}/requests/{number}.json", query_string={"api_key": own_key}).status_code == 200
    assert_errors(client.get(f"{V2}/requests.json", query_string={"api_key": "wrong"}), "json", 403)
    assert_errors(_file(client, ""), "json", 403)  # filing always needs a key
    public_read(False)
    assert_errors(client.get(f"{V2}/requests/{number}.json"), "json", 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_and_caller_fields_are_never_shown(fmt, client, app, make_key, make_ticket, public_read):
    wide = make_key("统计平台", scope="all")
    report = make_ticket("received", type="report", caller_phone="13566667777", caller_name="李举报")
    phone = "13955556666"
    written = make_ticket("dispatched", caller_phone=phone, caller_name="王女士", caller_id_number="110101199001011234",
                          content=f"楼上漏水把我家天花板泡坏了，请回电 {phone} 或 0571-8765 4321")
    public_read(True)
    for params in ({}, {"api_key": wide}):
        listing = client.get(f"{V2}/requests.{fmt}", query_string=params)
        body = listing.get_data(as_text=True)
        numbers = [r["service_request_id"] for r in read(listing, fmt)]
        assert written in numbers and report not in numbers
        assert_errors(client.get(f"{V2}/requests/{report}.{fmt}", query_string=params), fmt, 404)
        detail = client.get(f"{V2}/requests/{written}.{fmt}", query_string=params).get_data(as_text=True)
        for secret in (phone, "13566667777", "王女士", "李举报", "110101199001011234", "87654321", "8765 4321"):
            assert secret not in body and secret not in detail
        assert "139****6666" in detail
    assert "caller" not in body


def test_caller_phone_never_appears_in_any_answer_to_the_filer(client, make_key):
    key = make_key()
    phone = "13812349876"
    filed = _file(client, key, phone=phone, description=f"路灯坏了一个月，我的电话是 {phone}")
    number = filed.json[0]["service_request_id"]
    answers = [filed, client.get(f"{V2}/requests.json", query_string={"api_key": key}),
               client.get(f"{V2}/requests/{number}.xml", query_string={"api_key": key})]
    for answer in answers:
        assert phone not in answer.get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"},
    {"end_date": "2026-13-01"},
    {"start_date": "2026-10-10T00:00:00+08:00", "end_date": "2026-10-09T00:00:00+08:00"},
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:01Z"},
    {"status": "pending"},
    {"page_size": "0"},
    {"page_size": "1001"},
    {"page": "-1"},
    {"service_code": "no_such_service"},
])
def test_bad_listing_parameters_get_400(fmt, params, client, make_key):
    key = make_key()
    assert_errors(client.get(f"{V2}/requests.{fmt}", query_string={"api_key": key, **params}), fmt, 400)


def test_a_90_day_span_is_allowed_and_dates_filter_requested_datetime(client, make_key, make_ticket):
    key = make_key(scope="all")
    number = make_ticket("received")
    today = client.get(f"{V2}/requests/{number}.json", query_string={"api_key": key}).json[0]["requested_datetime"]
    day = today[:10]
    window = {"start_date": f"{day}T00:00:00+08:00", "end_date": f"{day}T23:59:59+08:00"}
    assert [r["service_request_id"] for r in client.get(
        f"{V2}/requests.json", query_string={"api_key": key, **window}).json] == [number]
    before = {"start_date": "2020-01-01", "end_date": "2020-03-31"}  # exactly 90 days, dates as local midnight
    assert client.get(f"{V2}/requests.json", query_string={"api_key": key, **before}).json == []


def test_paging_extension(client, make_key, make_ticket):
    key = make_key(scope="all")
    numbers = [make_ticket("received") for _ in range(3)]
    pages = [client.get(f"{V2}/requests.json", query_string={"api_key": key, "page_size": 2, "page": p}).json
             for p in (1, 2, 3)]
    assert [[r["service_request_id"] for r in page] for page in pages] == [numbers[:0:-1], numbers[:1], []]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_codes_and_resources(fmt, client, app, make_key):
    key = make_key()
    before = _ticket_count(app)
    assert_errors(client.get(f"{V2}/services/nothing.{fmt}"), fmt, 404)
    assert_errors(client.get(f"{V2}/services/property.{fmt}"), fmt, 404)  # a category with sub-categories
    assert_errors(_file(client, key, fmt, service_code="99999"), fmt, 404)
    assert_errors(_file(client, key, fmt, service_code=""), fmt, 400)
    assert_errors(client.get(f"{V2}/requests/20990101-000001.{fmt}", query_string={"api_key": key}), fmt, 404)
    assert_errors(client.get(f"{V2}/nothing.{fmt}"), fmt, 404)
    assert_errors(client.put(f"{V2}/requests.{fmt}"), fmt, 405)
    assert _ticket_count(app) == before


@pytest.mark.parametrize("fields", [
    {"description": "短"},
    {"description": ""},
    {"phone": "not a phone"},
    {"attribute[type]": "report"},
    {"attribute[type]": "nonsense"},
    {"lat": "north", "long": "120"},
    {"lat": "91", "long": "120"},
    {"media_url": "javascript:alert(1)"},
    {"first_name": "名" * 60},
    {"description": "含有\x00空字符的描述内容"},
])
def test_bad_requests_get_400_and_write_nothing(fields, client, app, make_key):
    key = make_key()
    before = _ticket_count(app)
    [message] = assert_errors(_file(client, key, "xml", **fields), "xml", 400)
    assert "content" not in message and "caller_" not in message  # named as Open311 parameters
    assert _ticket_count(app) == before


def test_last_use_is_recorded(client, app, make_key):
    key = make_key()
    used = select(Open311Key.last_used_at).where(Open311Key.name == "市民服务APP")
    with app.app_context():
        assert db.session.scalar(used) is None
    client.get(f"{V2}/requests.json", query_string={"api_key": key})
    with app.app_context():
        assert db.session.scalar(used) is not None
