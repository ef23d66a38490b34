"""HTTP tests of the web pages through the Flask client: sign in with the form, post with CSRF."""
import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from tests.conftest import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html):
    match = CSRF.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1) or match.group(2)


class Browser:
    """One signed-in session: get() pages, post() forms (the CSRF token is added unless csrf=False)."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username, password=DEMO_PASSWORD):
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": csrf_token(page.text)})
        assert response.status_code == 302, response.text
        self.token = csrf_token(self.client.get("/login").text)
        return self

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kw)


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in a real server.

    Flask reuses an app context that a test holds (factory, ctx) for each test-client request,
    and with it `g`, where Flask-Login caches the signed-in user and Flask-WTF the CSRF token: a
    second browser would otherwise act as the first one's user with the first one's token.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture
def web(app):
    """web("dept_housing") → a Browser signed in as that demo user, apart from every other one."""
    def sign_in(username):
        return Browser(FreshClient(app, app.response_class, use_cookies=True)).login(username)
    return sign_in
