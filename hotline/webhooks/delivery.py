"""The `webhooks` job: claim the due deliveries, post each signed, record the answer, retry with backoff.

Signature (README "Webhooks"): X-Hotline-Signature is "sha256=" + hex HMAC-SHA256, keyed with the
endpoint's secret, of "<X-Hotline-Timestamp>.<body>"; the timestamp (Unix seconds at sending) is in
the signed text, so a receiver that refuses old timestamps cannot be replayed to.

Order: one endpoint's deliveries of a run go one after another in the order their events happened
(endpoints in parallel); a retry may come after later events, so receivers order by occurred_at.
When an endpoint cannot be reached, the rest of its rows wait for the next run untouched, so a
dead receiver costs one timeout per run, not one per delivery.

Claims: rows are claimed by one UPDATE (a claim token and a lease) and the claim is committed before
anything is posted, so two schedulers never send one row twice, and no transaction stays open while
a receiver takes its time (on SQLite that would hold up every workflow write). A sender that dies
after posting leaves its claim to expire and the row is sent again: receivers deduplicate on
X-Hotline-Delivery, which is the same on every attempt.

Destination (addresses.py): each attempt resolves the host and checks every address it gets (no
internal addresses, unless HOTLINE_WEBHOOK_ALLOWED_NETWORKS lists them), then connects to those
checked addresses themselves, with the URL's host name in Host, in TLS SNI and as the name the
certificate must bear. A second DNS answer (DNS rebinding) never decides where the body goes, and
no proxy from the environment does either. A refusal is a failed attempt like an unreachable one.
"""
import hashlib
import hmac
import json
import os
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import uuid4

import requests.certs
import urllib3
from flask import current_app
from sqlalchemy import or_, select, update
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from hotline.extensions import db
from hotline.webhooks import addresses
from hotline.webhooks.models import WebhookDelivery, WebhookEndpoint

# The wait after the 1st, 2nd … failed attempt; after the last one the delivery is given up.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
           timedelta(hours=6), timedelta(hours=24))
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 100  # deliveries claimed per run
SENDERS = 8  # endpoints sent to at once
# Longer than a run can take: every claimed row posted one after another, each up to its timeouts.
LEASE = timedelta(minutes=15)
TO_SEND = ("pending", "failed")
USER_AGENT = "hotline-webhooks/1"
MAX_ERROR = 500


@dataclass(frozen=True)
class Outgoing:
    id: int
    endpoint_id: int
    delivery_id: str
    event: str
    payload: dict
    url: str
    secret: str
    attempts: int


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def deliver_due(now):
    """Send what is due at `now`; returns how many were claimed and how each ended."""
    claim = uuid4().hex
    outgoing = _claim(now, claim)
    db.session.commit()  # the claim must be visible, and no transaction open, before posting
    if not outgoing:
        return {"claimed": 0}
    timeout = current_app.config["HOTLINE_WEBHOOK_TIMEOUT_SECONDS"]
    allowed = addresses.configured(current_app.config)
    queues = defaultdict(list)
    for item in outgoing:
        queues[item.endpoint_id].append(item)
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(queues))) as pool:
        answered = [pair for pairs in pool.map(lambda queue: _send_in_turn(queue, timeout, allowed),
                                               queues.values())
                    for pair in pairs]
    summary = Counter(_record(item, answer, now, claim) for item, answer in answered)
    summary["deferred"] = _release(claim)
    db.session.flush()
    return {"claimed": len(outgoing), **+summary}  # unary + drops the outcomes that did not occur


def _send_in_turn(queue, timeout, allowed=()):
    """[(item, answer)] for one endpoint's rows in order, stopping at the first it could not reach."""
    answered = []
    for item in queue:
        answer = post(item, timeout, allowed)
        answered.append((item, answer))
        if answer.status_code is None:
            break
    return answered


def _due(now):
    return (WebhookDelivery.status.in_(TO_SEND), WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now))


def _claim(now, claim):
    """Mark up to BATCH due rows of active endpoints as this run's; the conditions are checked again
    row by row, so a row another sender claimed first is left out."""
    due = _due(now)
    candidates = (select(WebhookDelivery.id).join(WebhookEndpoint).where(WebhookEndpoint.active, *due)
                  .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(BATCH))
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(candidates), *due)
                       .values(claim=claim, claimed_until=now + LEASE)
                       .execution_options(synchronize_session=False))
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.delivery_id, WebhookDelivery.event,
               WebhookDelivery.payload, WebhookEndpoint.url, WebhookEndpoint.secret, WebhookDelivery.attempts)
        .join(WebhookEndpoint).where(WebhookDelivery.claim == claim).order_by(WebhookDelivery.id)).all()
    return [Outgoing(*row) for row in rows]


def _release(claim):
    """Give back the rows of this run that were not tried (their endpoint was unreachable)."""
    return db.session.execute(update(WebhookDelivery).where(WebhookDelivery.claim == claim)
                              .values(claim=None, claimed_until=None)
                              .execution_options(synchronize_session=False)).rowcount


def body_of(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret, timestamp, body):
    """The X-Hotline-Signature value for a body sent at `timestamp` (Unix seconds, as text)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post(item, timeout, allowed=()):
    """One attempt: the receiver's status, or why there was none. Never raises for the network.

    `allowed`: the networks of HOTLINE_WEBHOOK_ALLOWED_NETWORKS (addresses.configured)."""
    body, timestamp = body_of(item.payload), str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Hotline-Event": item.event, "X-Hotline-Delivery": item.delivery_id,
               "X-Hotline-Timestamp": timestamp, "X-Hotline-Signature": signature(item.secret, timestamp, body)}
    try:
        target = addresses.target(item.url, allowed)  # resolved once, here, and checked
    except addresses.Refused as exc:
        return Answer(None, _short(str(exc)))
    try:
        code = _send(target, item.url, body, headers, timeout)
    except NewConnectionError as exc:  # before ConnectTimeoutError: urllib3 derives it from that
        return Answer(None, _short(f"连接失败：{exc}"))
    except (ConnectTimeoutError, ReadTimeoutError, TimeoutError):
        return Answer(None, f"超时：{timeout:g} 秒内没有响应")
    except (SSLError, ProtocolError, ConnectionError) as exc:
        return Answer(None, _short(f"连接失败：{exc}"))
    except (HTTPError, OSError, ValueError) as exc:
        return Answer(None, _short(f"发送失败：{exc}"))
    if 200 <= code < 300:
        return Answer(code, None)
    moved = "（不跟随重定向）" if 300 <= code < 400 else ""
    return Answer(code, f"接收方返回 HTTP {code}{moved}")


def _send(target, url, body, headers, timeout):
    """POST to the checked addresses in turn (the next only when nothing could be sent to one), with
    the URL's own host in Host; returns the status code, or raises urllib3's error."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {**headers, "Host": parts.netloc}
    limits = urllib3.Timeout(connect=min(3.0, timeout), read=timeout)
    failed = None
    for address in target.addresses:
        try:
            with _pool(target, address, limits) as pool:
                # Redirects are not followed: the signed body goes to the registered address or nowhere.
                response = pool.urlopen("POST", path, body=body, headers=headers, redirect=False, retries=False,
                                        preload_content=False, assert_same_host=False)
                response.close()
                return response.status
        except (NewConnectionError, ConnectTimeoutError) as exc:  # not connected: nothing was sent
            failed = exc
    raise failed  # target() gives at least one address


def _pool(target, address, limits):
    """A one-connection pool to `address` (an IP): TLS speaks to, and checks the certificate of, the
    URL's host name, not the address."""
    if target.scheme != "https":
        return urllib3.HTTPConnectionPool(address, target.port, timeout=limits, maxsize=1, retries=False)
    name = None if target.host == address else target.host
    return urllib3.HTTPSConnectionPool(address, target.port, timeout=limits, maxsize=1, retries=False,
                                       cert_reqs="CERT_REQUIRED", server_hostname=name, assert_hostname=target.host,
                                       **_trusted())


def _trusted():
    """The certificates requests would trust: REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE, a file or a
    directory), else certifi's bundle."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or requests.certs.where()
    return {"ca_cert_dir": bundle} if os.path.isdir(bundle) else {"ca_certs": bundle}


def _record(item, answer, now, claim):
    """Write one attempt's outcome, if the row is still this run's; returns the new status."""
    attempts = item.attempts + 1
    values = {"attempts": attempts, "last_attempt_at": now, "last_status_code": answer.status_code,
              "last_error": answer.error, "claim": None, "claimed_until": None}
    mine = [WebhookDelivery.id == item.id, WebhookDelivery.claim == claim]
    if answer.ok:
        status = "delivered"
        values.update(status=status, delivered_at=now, next_attempt_at=None)
    else:
        # A deactivation while this attempt ran has given the row up already: that stands.
        mine.append(WebhookDelivery.status.in_(TO_SEND))
        status = "failed" if attempts < MAX_ATTEMPTS else "given_up"
        values.update(status=status, next_attempt_at=now + BACKOFF[attempts - 1] if status == "failed" else None)
    written = db.session.execute(update(WebhookDelivery).where(*mine).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount
    return status if written else "superseded"  # its claim expired and another sender took it over


def _short(text):
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 1] + "…"
