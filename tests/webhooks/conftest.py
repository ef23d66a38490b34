"""A real HTTP receiver on 127.0.0.1 for the webhook tests, and endpoints registered to it."""
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hotline.extensions import db
from hotline.webhooks import endpoints
from hotline.webhooks.models import WebhookDelivery
from tests.api.support import tokens  # noqa: F401
from tests.factories import Factory

ALL_EVENTS = ["ticket.created", "ticket.dispatched", "ticket.replied", "ticket.closed", "ticket.overdue"]


class Receiver:
    """Records every POST; answers with `answers` in turn (the last one repeats), after `delay` seconds."""

    def __init__(self):
        self.requests, self.answers, self.delay = [], [200], 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def events(self):
        return [r["headers"]["X-Hotline-Event"] for r in self.requests]

    def bodies(self):
        return [json.loads(r["body"]) for r in self.requests]


def serving(receiver):
    """Run a Receiver's server in a thread until the generator is closed (a fixture's yield)."""
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def receiver():
    yield from serving(Receiver())


@pytest.fixture
def admin(client, tokens):
    headers = {"Authorization": f"Bearer {tokens('admin')}"}

    def call(method, path, **kw):
        return client.open(f"/api/v1/admin/webhooks{path}", method=method, headers=headers, **kw)
    return call


@pytest.fixture
def dead_url():
    """An address on this machine where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture
def register(factory):
    """register(url, events=ALL_EVENTS) -> a committed active endpoint (its secret readable in the test)."""
    def make(url, events=ALL_EVENTS, name="数据仓库"):
        endpoint = endpoints.create({"name": name, "url": url, "events": list(events)}, Factory().user("admin"))
        db.session.commit()
        return endpoint
    return make


def verify(secret, request, tolerance=300):
    """The receiver's side of the scheme in README "Webhooks": timestamp fresh, HMAC over "<ts>.<body>"."""
    timestamp = request["headers"]["X-Hotline-Timestamp"]
    assert abs(time.time() - int(timestamp)) <= tolerance
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    scheme, _, given = request["headers"]["X-Hotline-Signature"].partition("=")
    return scheme == "sha256" and hmac.compare_digest(given, expected)


def deliveries(**where):
    db.session.expire_all()
    stmt = db.select(WebhookDelivery).filter_by(**where).order_by(WebhookDelivery.id)
    return db.session.scalars(stmt).all()
