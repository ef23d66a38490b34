"""A database that is down or missing: a clear message, 503 in the error format, and recovery by
itself when it returns (issue 13, finding 9)."""
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from config import TestingConfig
from hotline.app import create_app
from hotline.extensions import db
from tests.conftest import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut and restored, as a database restart would."""

    def __init__(self, target_port):
        self.target_port, self.open, self.pairs = target_port, True, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.open = False
        for pair in self.pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.pairs = []

    def restore(self):
        self.open = True


@pytest.fixture
def proxied(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a database server going away and coming back needs PostgreSQL")
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = Proxy(url.port or 5432)
    settings = {"SQLALCHEMY_DATABASE_URI": url.set(port=proxy.port).render_as_string(hide_password=False),
                "SQLALCHEMY_ENGINE_OPTIONS": app.config["SQLALCHEMY_ENGINE_OPTIONS"],
                "HOTLINE_MODEL_DIR": app.config["HOTLINE_MODEL_DIR"]}
    return create_app(type("Proxied", (TestingConfig,), settings)), proxy


def test_requests_get_503_while_the_database_is_away_and_work_again_when_it_returns(proxied):
    app, proxy = proxied
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "operator1", "password": DEMO_PASSWORD})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200

    proxy.cut()
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 503 and response.is_json
    assert response.json["error"]["code"] == "database_unavailable"
    assert "数据库暂时无法访问" in response.json["error"]["message"]
    assert response.headers["Retry-After"] == "5"
    page = client.get("/login")
    assert page.status_code in (200, 503)  # the login page itself needs no database
    page = client.post("/login", data={"username": "operator1", "password": DEMO_PASSWORD})
    assert page.status_code in (400, 503) and "Traceback" not in page.text

    proxy.restore()
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200  # no restart needed


def test_a_page_while_the_database_is_away_is_a_chinese_503_page(monkeypatch, web):
    browser = web("operator1")

    def down(*args, **kwargs):
        raise __import__("sqlalchemy").exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

    monkeypatch.setattr(db.session, "execute", down)
    monkeypatch.setattr(db.session, "scalar", down)
    monkeypatch.setattr(db.session, "scalars", down)
    monkeypatch.setattr(db.session, "get", down)
    response = browser.get("/tickets")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.text and "数据库暂时无法访问" in response.text


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:1/hotline",
                                 "postgresql://postgres@127.0.0.1:5432/no_such_database_here"])
def test_commands_say_in_one_line_that_the_database_cannot_be_used(url):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "setup"], cwd=ROOT,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOTLINE_ENV": "development"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "无法使用数据库" in done.stderr and "请检查 DATABASE_URL" in done.stderr
