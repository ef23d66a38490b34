"""Events reach a real receiver on 127.0.0.1: each once, signed, retried with backoff, never holding up the workflow."""
import threading
import time
from datetime import timedelta

import pytest

from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.jobs.scheduler import SCHEDULES
from hotline.timeutil import utcnow
from hotline.webhooks import delivery, endpoints
from hotline.webhooks.schemas import EventPayload
from tests.jobs.helpers import SHANGHAI, local, sweep
from tests.webhooks.conftest import deliveries, verify

PHONE, NAME = "13912345678", "李秀英"


def deliver(now):
    outcome = run_job("webhooks", now)
    assert outcome["status"] == "ran", outcome
    return outcome["result"]


def test_each_event_of_a_ticket_reaches_the_receiver_once_and_signed(factory, receiver, register):
    endpoint = register(receiver.url)
    ticket = factory.ticket("closed", caller_phone=PHONE, caller_name=NAME)

    assert deliver(utcnow()) == {"claimed": 4, "delivered": 4}
    assert receiver.events() == ["ticket.created", "ticket.dispatched", "ticket.replied", "ticket.closed"]
    assert all(verify(endpoint.secret, r) for r in receiver.requests)
    assert not verify("whsec_another", receiver.requests[0])
    bodies = [EventPayload.model_validate(b) for b in receiver.bodies()]
    assert {b.ticket.number for b in bodies} == {ticket.number}
    assert [b.action for b in bodies] == ["create", "dispatch", "reply", "revisit"]
    assert bodies[1].ticket.department.code == "housing" and bodies[-1].ticket.state == "closed"
    ids = [r["headers"]["X-Hotline-Delivery"] for r in receiver.requests]
    assert len(set(ids)) == 4
    assert sorted(ids) == sorted(d.delivery_id for d in deliveries(status="delivered"))
    assert {r["headers"]["Content-Type"] for r in receiver.requests} == {"application/json; charset=utf-8"}

    assert deliver(utcnow() + timedelta(days=2)) == {"claimed": 0}  # nothing is sent twice
    assert len(receiver.requests) == 4


def test_payload_has_no_caller_personal_data(factory, receiver, register):
    register(receiver.url)
    factory.ticket("dispatched", caller_phone=PHONE, caller_name=NAME, caller_id_number="110101199003071234",
                   address="城西区桂花街道金桂苑小区7栋2单元", content="我叫李秀英，电话13912345678，楼道灯坏了一个月")
    deliver(utcnow())
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        text = request["body"].decode()
        for secret in (PHONE, NAME, "110101199003071234", "金桂苑", "楼道灯"):
            assert secret not in text
        ticket = EventPayload.model_validate_json(request["body"]).ticket
        assert not {"caller_name", "caller_phone", "content", "address"} & set(ticket.model_dump())


def test_a_failed_delivery_is_retried_after_its_backoff_with_the_same_delivery_id(factory, receiver, register):
    receiver.answers = [500, 200]
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    start = utcnow()

    assert deliver(start) == {"claimed": 1, "failed": 1}
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 500)
    assert row.last_error == "接收方返回 HTTP 500" and row.next_attempt_at == start + timedelta(seconds=30)

    assert deliver(start + timedelta(seconds=29)) == {"claimed": 0}
    assert deliver(start + timedelta(seconds=30)) == {"claimed": 1, "delivered": 1}
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("delivered", 2, 200, None)
    assert row.delivered_at == start + timedelta(seconds=30) and row.next_attempt_at is None
    first, second = receiver.requests
    assert first["headers"]["X-Hotline-Delivery"] == second["headers"]["X-Hotline-Delivery"] == row.delivery_id
    assert first["body"] == second["body"]


def test_a_delivery_is_given_up_after_the_last_backoff(factory, receiver, register):
    receiver.answers = [503]
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    now = utcnow()
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        assert deliver(now)["claimed"] == 1
        [row] = deliveries()
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert waits == list(delivery.BACKOFF)
    assert (row.status, row.attempts, row.next_attempt_at) == ("given_up", delivery.MAX_ATTEMPTS, None)
    assert deliver(now + timedelta(days=30)) == {"claimed": 0}
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS == 7


def test_redirects_are_not_followed(factory, receiver, register):
    receiver.answers = [302]
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    deliver(utcnow())
    [row] = deliveries()
    assert (row.status, row.last_status_code, row.last_error) == ("failed", 302, "接收方返回 HTTP 302（不跟随重定向）")


def test_overdue_from_the_sweep_is_an_event(factory, receiver, register):
    register(receiver.url, events=["ticket.overdue"])
    ticket = factory.ticket("dispatched", now=local("2026-09-30T15:00"))
    sweep("2026-10-08T13:36")  # warning only
    assert deliveries() == []
    sweep("2026-10-08T15:00")  # the sign clock runs out
    [row] = deliveries()
    assert (row.event, row.payload["deadlines"], row.payload["ticket"]["number"]) == (
        "ticket.overdue", ["sign"], ticket.number)
    assert row.payload["occurred_at"] == local("2026-10-08T15:00").isoformat()
    sweep("2026-10-08T15:00")
    assert len(deliveries()) == 1  # the sweep is idempotent, and so are its events
    deliver(utcnow())
    assert receiver.events() == ["ticket.overdue"]


def test_only_active_endpoints_subscribed_to_the_event_get_a_row(factory, receiver, register):
    everything = register(receiver.url)
    created_only = register(receiver.url, events=["ticket.created"], name="省平台")
    stopped = register(receiver.url, name="已停用")
    endpoints.change(stopped.id, {"active": False}, factory.user("admin"))
    db.session.commit()
    factory.ticket("dispatched")
    rows = deliveries()
    assert sorted((r.endpoint_id, r.event) for r in rows) == sorted([
        (everything.id, "ticket.created"), (everything.id, "ticket.dispatched"), (created_only.id, "ticket.created")])
    assert len({r.event_id for r in rows if r.event == "ticket.created"}) == 1  # one event, two endpoints


def test_deactivating_an_endpoint_gives_up_what_waits_for_it(factory, receiver, register):
    endpoint = register(receiver.url)
    factory.ticket("received")
    endpoints.change(endpoint.id, {"active": False}, factory.user("admin"))
    db.session.commit()
    [row] = deliveries()
    assert (row.status, row.last_error) == ("given_up", "推送地址已停用")
    assert deliver(utcnow()) == {"claimed": 0} and receiver.requests == []


def test_a_dead_endpoint_fails_the_delivery_not_the_action(factory, dead_url, register):
    register(dead_url)
    ticket = factory.ticket("dispatched")
    assert ticket.state == "dispatched"
    # One attempt per run while it is unreachable; the other row waits, untouched, for the next run.
    assert deliver(utcnow()) == {"claimed": 2, "failed": 1, "deferred": 1}
    tried, waiting = deliveries()
    assert tried.last_error.startswith("连接失败") and tried.last_status_code is None and tried.attempts == 1
    assert (waiting.status, waiting.attempts, waiting.claim, waiting.claimed_until) == ("pending", 0, None, None)


def test_a_slow_endpoint_times_out_within_the_limit(app, factory, receiver, register, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_WEBHOOK_TIMEOUT_SECONDS", 0.5)
    receiver.delay = 3
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    started = time.monotonic()
    assert deliver(utcnow()) == {"claimed": 1, "failed": 1}
    assert time.monotonic() - started < 2.5
    [row] = deliveries()
    assert row.last_error == "超时：0.5 秒内没有响应"


def test_workflow_actions_go_on_while_a_slow_receiver_holds_a_delivery(app, factory, receiver, register):
    """The claim is committed before posting: no write lock is held while the receiver takes its time."""
    receiver.delay = 2
    register(receiver.url, events=["ticket.created"])
    first = factory.ticket("received")
    outcome = {}

    def background():
        with app.app_context():
            outcome.update(run_job("webhooks", utcnow()))

    sender = threading.Thread(target=background)
    sender.start()
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert receiver.requests, "the delivery never started"
    started = time.monotonic()
    factory.act(first, "dispatcher1", "dispatch", "DISPATCH")
    db.session.commit()
    assert time.monotonic() - started < 1.0  # the action did not wait for the 2 s receiver
    sender.join(timeout=10)
    assert outcome["result"] == {"claimed": 1, "delivered": 1}


def test_two_senders_at_once_send_each_delivery_once(app, factory, receiver, register):
    receiver.delay = 0.2
    register(receiver.url)
    for _ in range(3):
        factory.ticket("dispatched")  # six deliveries
    now, results = utcnow(), []

    def send():
        with app.app_context():
            results.append(delivery.deliver_due(now))
            db.session.commit()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=20)
    ids = [r["headers"]["X-Hotline-Delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 6
    assert sum(r["claimed"] for r in results) == 6


def test_a_claim_keeps_the_row_from_another_sender_until_it_expires(factory, receiver, register):
    register(receiver.url, events=["ticket.created"])
    factory.ticket("received")
    now = utcnow()
    assert len(delivery._claim(now, "a" * 32)) == 1
    db.session.commit()
    assert delivery._claim(now, "b" * 32) == []
    assert len(delivery._claim(now + delivery.LEASE, "c" * 32)) == 1  # the first sender died


@pytest.mark.parametrize("now, tick", [("2026-11-02T09:00:59", "2026-11-02T09:00:50"),
                                       ("2026-11-02T09:00:10", "2026-11-02T09:00:10")])
def test_the_webhooks_job_ticks_every_ten_seconds(now, tick):
    assert SCHEDULES["webhooks"].tick(local(now), SHANGHAI) == local(tick)
