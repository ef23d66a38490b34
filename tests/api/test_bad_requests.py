"""Malformed requests get a 4xx in the API's error format, never a 500 (issue 13, finding 3)."""
import runpy
from pathlib import Path

import pytest

from tests.api.support import api, assert_error, make_ticket, snapshot, tokens  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_400(api, snapshot, depth):
    before = snapshot()
    body = "[" * depth + "]" * depth
    response = api("operator1").post("/tickets", data=body, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert snapshot() == before


def test_deeply_nested_login_body_is_401_not_500(client):
    body = '{"username": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code in (400, 401) and response.is_json


@pytest.mark.parametrize("query", ["from=0001-01-02", "from=0001-01-02&to=0001-12-31", "from=9999-12-31",
                                   "to=9999-12-31", "from=2020-01-01"])
def test_report_periods_are_bounded_whichever_end_is_given(api, query):
    for path in ("/reports/trend", "/reports/summary", "/reports/departments", "/reports/export.xlsx"):
        response = api("dept_housing").get(f"{path}?{query}")
        assert response.status_code == 400, (path, query, response.status_code)
        assert response.is_json


@pytest.mark.parametrize("path", ["/tickets?department_id=9223372036854775808",
                                  "/tickets?page=9223372036854775808",
                                  "/admin/users/9223372036854775808",
                                  "/notifications?per_page=99999999999999999999",
                                  "/reports/summary?department_id=9223372036854775808"])
def test_integers_beyond_the_database_range_are_4xx(api, path):
    response = api("admin").get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.is_json


@pytest.mark.parametrize("path", ["/tickets/%00", "/tickets?q=%00", "/tickets?area=a%00b", "/knowledge?q=%00"])
def test_nul_anywhere_in_a_request_is_400(api, path):
    assert_error(api("operator1").get(path), 400, "invalid_character")


def test_nul_in_a_form_is_refused_before_it_reaches_the_database(app):
    app.config["WTF_CSRF_ENABLED"] = False  # so that the form reaches the check behind CSRF's
    try:
        response = app.test_client().post("/login", data={"username": "admin\x00", "password": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 400 and "空字符" in response.text


@pytest.mark.parametrize("number", ["x" * 5000, "%E2%80%AE", "..%2F..%2Fetc"])
def test_odd_ticket_numbers_are_a_json_404(api, number):
    assert_error(api("operator1").get(f"/tickets/{number}"), 404, "not_found")


def test_gunicorn_passes_long_request_lines_to_the_app():
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["limit_request_line"] >= 5_000 + len("GET /api/v1/tickets/ HTTP/1.1")
