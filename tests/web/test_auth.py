"""Signing in and out of the pages: sessions, CSRF, expiry, role homes, throttling, headers."""
import pytest

from tests.web.conftest import Browser, csrf_token


def _login(client, username, password):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(page.text)})


@pytest.mark.parametrize("username, home", [
    ("operator1", "/intake"), ("dispatcher1", "/dispatch/received"), ("dept_housing", "/department/dispatched"),
    ("revisitor1", "/revisit"), ("supervisor1", "/tickets"), ("admin", "/tickets"),
])
def test_each_role_lands_on_its_home(web, username, home):
    assert web(username).get("/").headers["Location"] == home


def test_pages_send_strangers_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"


def test_login_follows_next_only_within_the_site(client):
    page = client.get("/login")
    token = csrf_token(page.text)
    form = {"username": "operator1", "password": "hotline-demo", "csrf_token": token}
    assert client.post("/login?next=/tickets", data=form).headers["Location"] == "/tickets"
    client.post("/logout", data={"csrf_token": token})
    assert client.post("/login?next=https://evil.example/x", data=form).headers["Location"] == "/"


def test_wrong_password_shows_the_error_in_chinese_and_no_session(client):
    response = _login(client, "operator1", "wrong-password")
    assert response.status_code == 200 and "用户名或密码错误" in response.text
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "operator1", "password": "hotline-demo"})
    assert response.status_code == 400
    assert client.get("/").headers["Location"].startswith("/login")


def test_logout_needs_csrf_and_ends_the_session(web):
    browser = web("operator1")
    assert browser.post("/logout", csrf=False).status_code == 400
    assert browser.get("/").headers["Location"] == "/intake"
    assert browser.post("/logout").headers["Location"] == "/login"
    assert browser.get("/").headers["Location"].startswith("/login")


def test_session_expires_after_its_lifetime(app, monkeypatch):
    browser = Browser(app.test_client()).login("operator1")
    assert browser.get("/").headers["Location"] == "/intake"
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", -1)  # as if the shift were long over
    assert browser.get("/").headers["Location"].startswith("/login")


def _set_active(app, username, active):
    from sqlalchemy import update

    from hotline.auth.models import User
    from hotline.extensions import db

    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(active=active))
        db.session.commit()


def test_a_disabled_user_is_signed_out_at_the_next_request(web, app):
    browser = web("revisitor1")
    _set_active(app, "revisitor1", False)
    try:
        assert browser.get("/").headers["Location"].startswith("/login")
    finally:
        _set_active(app, "revisitor1", True)


def test_session_cookie_is_httponly_and_lax(client):
    response = _login(client, "operator1", "hotline-demo")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_session_cookie_is_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_failed_form_logins_are_throttled_per_name(client, app):
    limit = int(app.config["HOTLINE_LOGIN_LIMIT"].split()[0])
    statuses = [_login(client, "dispatcher1", f"wrong-{i}").status_code for i in range(limit + 1)]
    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429
    assert "登录失败次数过多" in _login(client, "dispatcher1", "wrong").text


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text and " onclick=" not in response.text


def test_unknown_page_is_a_chinese_404_page(web):
    response = web("operator1").get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.text
    assert response.mimetype == "text/html"


def test_api_stays_csrf_exempt_and_json(client, auth):
    response = client.post("/api/v1/tickets", headers=auth.headers("operator1"),
                           json={"channel": "phone", "type": "consult", "content": "请问社保卡怎么补办"})
    assert response.status_code == 201
