"""Webhooks cannot reach internal addresses (SSRF): refused at registration through the API and the
pages, refused at delivery when a name turns internal (DNS rebinding), and sent to the checked address
itself. No network: names resolve through tests/webhooks/fake_dns.py."""
import ssl
from datetime import timedelta

import pytest
import urllib3.util.connection
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.timeutil import utcnow
from hotline.webhooks import delivery
from hotline.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.support import assert_error, tokens  # noqa: F401
from tests.web.conftest import web  # noqa: F401
from tests.webhooks.conftest import Receiver, deliveries, serving
from tests.webhooks.fake_dns import dns  # noqa: F401

GOOD = {"name": "市数据仓库", "url": "https://hooks.city.test/hotline", "events": ["ticket.created"]}
PUBLIC = "93.184.216.34"
INTERNAL_URLS = ["https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/hook", "https://[::1]/hook",
                 "https://hooks.city.test/hotline"]  # the last resolves to 192.168.1.1

# A self-signed certificate for hooks.city.test (and nothing else), valid until 2126: the TLS receiver's.
CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIBqDCCAU2gAwIBAgIUUvj+gOodVJ7ZSdWV3KMN0b/EwTIwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPaG9va3MuY2l0eS50ZXN0MCAXDTI2MTIwMzA5MTgzMVoYDzIx
MjYxMTA5MDkxODMxWjAaMRgwFgYDVQQDDA9ob29rcy5jaXR5LnRlc3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAATgvxdKqJVSLGaakx+m8UH28V0ItlhSU1Qz4Ogf
Is5GswbYEDbosNZr93SV3a3IGx6B38I13BHlRvPpesbT/8YUo28wbTAdBgNVHQ4E
FgQUIWkTj4xGBNT8WN1X+mnlFUsfCLIwHwYDVR0jBBgwFoAUIWkTj4xGBNT8WN1X
+mnlFUsfCLIwGgYDVR0RBBMwEYIPaG9va3MuY2l0eS50ZXN0MA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhANJnCbuE8CyGjEYUDHx56qTH/qJLLIUN
FmNtIA+iSfKbAiEAul53+J3VTOmyU2FsFLBHQzVUveLgjjGR4cnH+YoidQE=
-----END CERTIFICATE-----
"""
KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgc2d4lQ2OwD36lHML
AmrwE0LMnxkSgVw1ZJy61pbVkoChRANCAATgvxdKqJVSLGaakx+m8UH28V0ItlhS
U1Qz4OgfIs5GswbYEDbosNZr93SV3a3IGx6B38I13BHlRvPpesbT/8YU
-----END PRIVATE KEY-----
"""


@pytest.fixture
def connections(monkeypatch):
    """Every connection the sender opens, as (address, port); each is refused, so nothing leaves."""
    opened = []

    def refuse(address, *args, **kwargs):
        opened.append(address)
        raise ConnectionRefusedError(111, "Connection refused")
    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    return opened


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """A Receiver speaking TLS on 127.0.0.1 with the hooks.city.test certificate, trusted through
    REQUESTS_CA_BUNDLE; .names holds the server name (SNI) of every handshake."""
    (tmp_path / "cert.pem").write_text(CERTIFICATE)
    (tmp_path / "key.pem").write_text(KEY)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "cert.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    receiver = Receiver()
    receiver.names = []
    context.sni_callback = lambda sock, name, ctx: receiver.names.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    yield from serving(receiver)


def written(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (WebhookEndpoint, WebhookDelivery, AuditEntry))


def deliver(now):
    outcome = run_job("webhooks", now)
    assert outcome["status"] == "ran", outcome
    return outcome["result"]


# Registration: the API

@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_api_refuses_an_internal_destination_and_writes_nothing(app, admin, dns, url):
    dns.answers["hooks.city.test"] = ["192.168.1.1"]
    before = written(app)
    error = assert_error(admin("POST", "", json={**GOOD, "url": url}), 400, "invalid_input")
    assert error["message"].startswith("不向内部地址推送：") and error["details"]["url"] == error["message"]
    assert "HOTLINE_WEBHOOK_ALLOWED_NETWORKS" in error["message"]
    assert written(app) == before


def test_the_api_names_what_the_host_resolved_to(admin, dns):
    dns.answers["hooks.city.test"] = [PUBLIC, "192.168.1.1"]  # one internal answer is enough
    error = assert_error(admin("POST", "", json=GOOD), 400, "invalid_input")
    assert "hooks.city.test 解析到的 192.168.1.1 是内网（私有）地址" in error["message"]


def test_the_api_refuses_a_change_to_an_internal_destination(app, admin, dns):
    dns.answers["hooks.city.test"] = [PUBLIC]
    endpoint = admin("POST", "", json=GOOD).json
    before = written(app)
    for url in INTERNAL_URLS[:3]:
        assert_error(admin("PATCH", f"/{endpoint['id']}", json={"url": url}), 400, "invalid_input")
    assert written(app) == before
    assert admin("GET", f"/{endpoint['id']}").json["url"] == GOOD["url"]


def test_other_changes_do_not_look_the_host_up_again(admin, dns):
    dns.answers["hooks.city.test"] = [PUBLIC]
    endpoint = admin("POST", "", json=GOOD).json
    dns.answers["hooks.city.test"] = ["10.0.0.7"]  # refused at delivery, but it may still be renamed or stopped
    renamed = admin("PATCH", f"/{endpoint['id']}", json={"name": "省平台", "url": GOOD["url"]})
    assert renamed.status_code == 200 and renamed.json["name"] == "省平台"
    assert admin("PATCH", f"/{endpoint['id']}", json={"active": False}).json["active"] is False
    assert dns.lookups == ["hooks.city.test"]


def test_a_listed_network_may_receive(app, admin, dns, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_WEBHOOK_ALLOWED_NETWORKS", ["10.0.0.0/24"])
    dns.answers["hooks.city.test"] = ["10.0.0.8"]
    assert admin("POST", "", json={**GOOD, "url": "https://10.0.0.5/hook"}).status_code == 201
    assert admin("POST", "", json=GOOD).status_code == 201
    error = assert_error(admin("POST", "", json={**GOOD, "url": "https://10.0.1.5/hook"}), 400, "invalid_input")
    assert "不在 HOTLINE_WEBHOOK_ALLOWED_NETWORKS 所列网段内" in error["message"]


def test_a_name_that_does_not_resolve_is_accepted_and_checked_at_each_delivery(admin, dns):
    assert admin("POST", "", json=GOOD).status_code == 201
    assert dns.lookups == ["hooks.city.test"]


def test_plain_http_to_this_machine_is_registered_as_before(admin, dns):
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"):
        assert admin("POST", "", json={**GOOD, "url": url}).status_code == 201
    assert dns.lookups == []


# Registration: the pages

@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_form_refuses_an_internal_destination_and_writes_nothing(app, web, dns, url):
    dns.answers["hooks.city.test"] = ["192.168.1.1"]
    before = written(app)
    page = web("admin").post("/admin/webhooks", data={**GOOD, "url": url})
    assert page.status_code == 400
    assert "不向内部地址推送：" in page.text and "HOTLINE_WEBHOOK_ALLOWED_NETWORKS" in page.text
    assert written(app) == before


def test_the_edit_form_refuses_an_internal_destination(app, web, dns):
    dns.answers["hooks.city.test"] = [PUBLIC]
    browser = web("admin")
    browser.post("/admin/webhooks", data=GOOD)
    with app.app_context():
        [endpoint_id] = db.session.scalars(select(WebhookEndpoint.id)).all()
    before = written(app)
    page = browser.post(f"/admin/webhooks/{endpoint_id}", data={**GOOD, "url": "https://169.254.169.254/x"})
    assert page.status_code == 400 and "169.254.169.254 是链路本地地址" in page.text
    assert written(app) == before
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).url == GOOD["url"]


# Delivery

@pytest.mark.parametrize("internal", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "::ffff:192.168.0.3"])
def test_a_name_that_turns_internal_after_registration_gets_nothing(factory, register, dns, connections, internal):
    dns.answers["hooks.city.test"] = [PUBLIC]
    register(GOOD["url"], events=["ticket.created"])
    dns.answers["hooks.city.test"] = [internal]
    factory.ticket("received")
    start = utcnow()
    assert deliver(start) == {"claimed": 1, "failed": 1}
    assert connections == []
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, None)
    assert row.last_error.startswith("不向内部地址推送：hooks.city.test 解析到的 ")
    assert internal.rsplit(":", 1)[-1] in row.last_error
    assert row.next_attempt_at == start + delivery.BACKOFF[0]


def test_a_refused_destination_is_retried_then_given_up_like_any_failure(factory, register, dns, connections):
    dns.answers["hooks.city.test"] = [PUBLIC]
    register(GOOD["url"], events=["ticket.created"])
    dns.answers["hooks.city.test"] = [PUBLIC, "10.0.0.7"]  # one internal answer is enough
    factory.ticket("received")
    now = utcnow()
    for wait in delivery.BACKOFF:
        assert deliver(now) == {"claimed": 1, "failed": 1}
        now += wait
    assert deliver(now) == {"claimed": 1, "given_up": 1}
    [row] = deliveries()
    assert (row.status, row.attempts, row.next_attempt_at) == ("given_up", delivery.MAX_ATTEMPTS, None)
    assert "10.0.0.7" in row.last_error and connections == []


def test_a_name_that_no_longer_resolves_fails_the_attempt(factory, register, dns, connections):
    dns.answers["hooks.city.test"] = [PUBLIC]
    register(GOOD["url"], events=["ticket.created"])
    del dns.answers["hooks.city.test"]
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    [row] = deliveries()
    assert row.last_error == "无法解析主机名 hooks.city.test" and connections == []


def test_the_connection_goes_to_the_checked_address(factory, register, dns, connections):
    dns.answers["hooks.city.test"] = [PUBLIC]
    register("https://hooks.city.test:8443/hotline", events=["ticket.created"])
    dns.lookups.clear()
    dns.answers["hooks.city.test"] = [[PUBLIC], ["127.0.0.1"]]  # a second lookup would be told 127.0.0.1
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    assert connections == [(PUBLIC, 8443)]
    assert dns.lookups == ["hooks.city.test"]  # once, by the check; the connection did not look again
    [row] = deliveries()
    assert row.last_error.startswith("连接失败")


def test_each_checked_address_is_tried_in_turn_when_none_connects(factory, register, dns, connections):
    dns.answers["hooks.city.test"] = [PUBLIC, "2606:4700:4700::1111"]
    register(GOOD["url"], events=["ticket.created"])
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    assert connections == [(PUBLIC, 443), ("2606:4700:4700::1111", 443)]


def test_plain_http_by_name_is_pinned_to_the_loopback_address_it_resolved_to(factory, register, receiver, dns,
                                                                             monkeypatch):
    port = receiver.server.server_port
    real, opened = urllib3.util.connection.create_connection, []
    monkeypatch.setattr(urllib3.util.connection, "create_connection",
                        lambda address, *a, **kw: opened.append(address) or real(address, *a, **kw))
    register(f"http://localhost:{port}/hook", events=["ticket.created"])
    dns.answers["localhost"] = [["127.0.0.1"], ["10.0.0.9"]]  # only the first answer may count
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "delivered": 1}
    assert opened == [("127.0.0.1", port)] and dns.lookups == ["localhost"]
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"localhost:{port}" and request["path"] == "/hook"


def test_plain_http_by_name_is_refused_when_the_name_leaves_this_machine(factory, register, dns, connections):
    register("http://localhost:8080/hook", events=["ticket.created"])
    dns.answers["localhost"] = ["10.0.0.9"]
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    [row] = deliveries()
    assert "10.0.0.9 不是本机地址" in row.last_error and connections == []


def test_tls_speaks_to_and_checks_the_host_name_at_the_checked_address(app, factory, register, dns, tls_receiver,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_WEBHOOK_ALLOWED_NETWORKS", ["127.0.0.0/8"])  # the receiver's
    port = tls_receiver.server.server_port
    dns.answers["hooks.city.test"] = ["127.0.0.1"]
    register(f"https://hooks.city.test:{port}/in?from=hotline", events=["ticket.created"])
    dns.answers["hooks.city.test"] = [["127.0.0.1"], ["10.0.0.9"]]
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "delivered": 1}
    [request] = tls_receiver.requests
    assert request["headers"]["Host"] == f"hooks.city.test:{port}" and request["path"] == "/in?from=hotline"
    assert tls_receiver.names == ["hooks.city.test"]


def test_a_certificate_for_another_name_is_refused(app, factory, register, dns, tls_receiver, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_WEBHOOK_ALLOWED_NETWORKS", ["127.0.0.0/8"])
    port = tls_receiver.server.server_port
    dns.answers["other.city.test"] = ["127.0.0.1"]  # the right address, but not the certificate's name
    register(f"https://other.city.test:{port}/in", events=["ticket.created"])
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    [row] = deliveries()
    assert row.last_error.startswith("连接失败") and "other.city.test" in row.last_error
    assert tls_receiver.requests == []


def test_redirects_stay_unfollowed(factory, register, receiver):
    receiver.answers = [307]
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    [row] = deliveries()
    assert row.last_error == "接收方返回 HTTP 307（不跟随重定向）" and len(receiver.requests) == 1
    assert timedelta(0) < row.next_attempt_at - row.last_attempt_at <= delivery.BACKOFF[0]
