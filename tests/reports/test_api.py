"""HTTP behaviour of /api/v1/reports/…: authentication, department scoping, validation, export."""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from hotline.extensions import db
from hotline.timeutil import utcnow

ENDPOINTS = ["/reports/summary", "/reports/departments", "/reports/trend", "/reports/categories",
             "/reports/areas", "/reports/hotspots", "/reports/export.xlsx", "/reports/definitions"]


@pytest.fixture
def tickets(factory):
    """One ticket replied by housing, one dispatched to water, one answered, just now
    (so inside the default period, this month to today)."""
    now = utcnow() - timedelta(seconds=1)
    factory.ticket("replied", now=now)
    water = factory.ticket("received", now=now)
    factory.act(water, "dispatcher1", "dispatch", {"department_id": factory.department("water").id},
                now=now)
    factory.ticket("answered", now=now)
    db.session.commit()
    return factory


@pytest.mark.parametrize("path", ENDPOINTS)
def test_reports_need_a_token(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_summary_counts_for_the_centre(api, tickets):
    body = api("supervisor1").get("/reports/summary").json
    assert (body["received"], body["answered"], body["dispatched"]) == (3, 1, 2)
    assert body["direct_answer_rate"] == 1 / 3
    assert body["filters"]["department_id"] is None


def test_department_user_sees_only_its_own_department(api, tickets):
    housing = tickets.department("housing").id
    body = api("dept_housing").get("/reports/summary").json
    assert body["filters"]["department_id"] == housing
    assert (body["received"], body["answered"], body["dispatched"]) == (1, 0, 1)


def test_department_user_may_not_ask_for_another_department(api, tickets):
    water = tickets.department("water").id
    response = api("dept_housing").get("/reports/summary", query_string={"department_id": water})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_league_table_shows_a_department_its_row_and_rank_only(api, tickets):
    centre = api("supervisor1").get("/reports/departments").json
    assert len(centre["items"]) == 21
    assert sorted(r["code"] for r in centre["items"] if r["dispatched"]) == ["housing", "water"]
    own = api("dept_water").get("/reports/departments").json
    assert [r["code"] for r in own["items"]] == ["water"]
    assert own["ranked"] == centre["ranked"]
    assert own["items"][0]["rank"] == next(r["rank"] for r in centre["items"] if r["code"] == "water")
    assert own["average"]["dispatched"] == 2


def test_trend_has_one_row_per_bucket(api, tickets):
    body = api("supervisor1").get("/reports/trend", query_string={
        "from": "2026-01-01", "to": "2026-03-31", "granularity": "month"}).json
    assert [r["bucket"] for r in body["items"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_categories_and_areas_group_the_period(api, tickets):
    areas = api("supervisor1").get("/reports/areas").json["items"]
    assert [(r["name"], r["received"]) for r in areas] == [("城西区", 3)]
    categories = api("supervisor1").get("/reports/categories", query_string={"level": 2}).json["items"]
    assert [(r["name"], r["received"]) for r in categories] == [("未分类", 3)]


@pytest.mark.parametrize("path,params", [
    ("/reports/summary", {"from": "2026-13-01"}),
    ("/reports/summary", {"from": "2026-03-02", "to": "2026-03-01"}),
    ("/reports/summary", {"from": "2020-01-01", "to": "2026-03-01"}),
    ("/reports/summary", {"channel": "fax"}),
    ("/reports/summary", {"department_id": "0"}),
    ("/reports/summary", {"department_id": "99999"}),
    ("/reports/summary", {"category_id": "99999"}),
    ("/reports/summary", {"colour": "red"}),
    ("/reports/trend", {"granularity": "year"}),
    ("/reports/categories", {"level": "4"}),
    ("/reports/hotspots", {"days": "0"}),
    ("/reports/hotspots", {"days": "abc"}),
    ("/reports/export.xlsx", {"to": "yesterday"}),
])
def test_bad_parameters_get_400(api, path, params):
    response = api("supervisor1").get(path, query_string=params)
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message", "details"}


def test_hotspots_answer_for_a_window(api, tickets):
    body = api("supervisor1").get("/reports/hotspots", query_string={"days": 3}).json
    assert body["items"] == [] and body["filters"]["days"] == 3


def test_definitions_name_every_summary_field(api):
    items = api("revisitor1").get("/reports/definitions").json["items"]
    assert items["on_time_rate"]["name"] == "按时办结率"
    assert items["satisfaction_rate"]["rate"] is True


def test_export_is_a_workbook_with_chinese_sheets(api, tickets):
    response = api("supervisor1").get("/reports/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["汇总", "考评排名", "超期清单", "热点", "指标定义"]
    assert [c.value for c in book["汇总"][1]] == ["指标", "数值", "定义"]
    assert book["汇总"]["A3"].value == "受理量" and book["汇总"]["B3"].value == 3
    assert book["汇总"]["B5"].number_format == "0.00%"
    assert book["考评排名"]["A1"].value == "排名" and book["考评排名"].max_row == 22
    assert book["超期清单"]["A1"].value == "工单编号"


def test_export_for_a_department_holds_its_row_only(api, tickets):
    book = load_workbook(BytesIO(api("dept_housing").get("/reports/export.xlsx").data))
    assert [c.value for c in book["考评排名"]["B"]][1:] == ["市住房和城乡建设局"]


def test_reports_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ENDPOINTS:
        assert f"/api/v1{path}" in paths
    assert any(p["name"] == "from" for p in paths["/api/v1/reports/summary"]["get"]["parameters"])
