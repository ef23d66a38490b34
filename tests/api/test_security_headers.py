"""Security headers on every kind of response (issue 13, finding 8)."""
from tests.api.support import api, make_ticket, tokens  # noqa: F401
from tests.conftest import make_app


def test_api_answers_with_personal_data_are_never_cached(api, make_ticket):
    number = make_ticket()
    response = api("operator1").get(f"/tickets/{number}")
    assert response.status_code == 200 and response.json["caller_phone"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_and_errors_are_not_cached_and_cannot_be_framed(client):
    for path in ("/login", "/no-such-page"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/vendor/manifest.json")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_strict_transport_security_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_production_tells_browsers_to_use_https_only(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'h.db'}", HOTLINE_HSTS=True)
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cross_origin_requests_get_no_cors_grant(client):
    response = client.options("/api/v1/tickets", headers={"Origin": "https://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_downloads_are_never_cached(api):
    response = api("supervisor1").get("/reports/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"


def test_configured_origins_alone_may_call_the_api_from_a_browser(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'c.db'}", HOTLINE_CORS_ORIGINS=["https://app.city.example"])
    client = app.test_client()
    allowed = client.options("/api/v1/tickets", headers={"Origin": "https://app.city.example",
                                                         "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.city.example"
    other = client.options("/api/v1/tickets", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers
    page = client.get("/login", headers={"Origin": "https://app.city.example"})
    assert "Access-Control-Allow-Origin" not in page.headers  # pages never


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'p.db'}", HOTLINE_TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_address")
    def _address():
        from flask import request

        seen["remote"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.test_client().get("/_address", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": "198.51.100.7", "scheme": "https"}
