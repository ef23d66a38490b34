"""Registering, changing and reading webhook endpoints (admins); every change leaves an audit row."""
import secrets

from flask import current_app
from sqlalchemy import func, select, update

from hotline.audit import service as audit
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.tickets import schemas as parsing
from hotline.tickets.schemas import MAX_ID
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.webhooks import addresses
from hotline.webhooks.models import WebhookDelivery, WebhookEndpoint
from hotline.webhooks.schemas import EndpointChange, EndpointCreate

ADMIN_ONLY = "只有系统管理员可以管理事件推送"


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def snapshot(endpoint):
    """What the audit trail keeps of an endpoint: never its secret."""
    return {"name": endpoint.name, "url": endpoint.url, "events": list(endpoint.events), "active": endpoint.active}


def endpoints():
    return db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def get(endpoint_id):
    endpoint = endpoint_id <= MAX_ID and db.session.get(WebhookEndpoint, endpoint_id)
    if not endpoint:
        raise NotFound(f"推送地址 {endpoint_id} 不存在")
    return endpoint


def create(data, actor, now=None):
    """A new endpoint with a fresh secret; the caller shows the secret once."""
    _check(actor)
    params = parsing.parse(EndpointCreate, data)
    _check_destination(params.url)
    now = now or utcnow()
    endpoint = WebhookEndpoint(name=params.name, url=params.url, events=list(params.events), active=params.active,
                               secret=new_secret(), created_at=now, updated_at=now)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook", endpoint.id, "create", None, snapshot(endpoint), now=now)
    return endpoint


def change(endpoint_id, data, actor, now=None):
    _check(actor)
    params = parsing.parse(EndpointChange, data)
    endpoint = get(endpoint_id)
    if params.url is not None and params.url != endpoint.url:
        _check_destination(params.url)
    now = now or utcnow()
    before = snapshot(endpoint)
    for name in ("name", "url", "active"):
        if getattr(params, name) is not None:
            setattr(endpoint, name, getattr(params, name))
    if params.events is not None:
        endpoint.events = list(params.events)
    after = snapshot(endpoint)
    if after == before:
        return endpoint
    endpoint.updated_at = now
    if before["active"] and not endpoint.active:
        _give_up_waiting(endpoint, now)
    db.session.flush()
    action = "update" if before["active"] == after["active"] else ("enable" if after["active"] else "disable")
    audit.record(actor, "webhook", endpoint.id, action, before, after, now=now)
    return endpoint


def rotate_secret(endpoint_id, actor, now=None):
    """A new secret at once: deliveries from now on are signed with it."""
    _check(actor)
    endpoint = get(endpoint_id)
    now = now or utcnow()
    endpoint.secret, endpoint.secret_rotated_at, endpoint.updated_at = new_secret(), now, now
    db.session.flush()
    audit.record(actor, "webhook", endpoint.id, "rotate_secret", now=now)
    return endpoint


def _give_up_waiting(endpoint, now):
    """A deactivated endpoint gets nothing more, not even what was waiting for it."""
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status.in_(("pending", "failed")))
        .values(status="given_up", next_attempt_at=None, last_error="推送地址已停用")
        .execution_options(synchronize_session=False))


def deliveries(endpoint_id, status=None):
    """A select of the endpoint's deliveries, newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt.order_by(WebhookDelivery.id.desc())


def overview():
    """{endpoint id: (deliveries waiting to be sent, the latest delivery)}, from the two indexes
    (the waiting rows' partial one, and endpoint × id), however many were delivered before."""
    waiting = dict(db.session.execute(
        select(WebhookDelivery.endpoint_id, func.count()).where(WebhookDelivery.status.in_(("pending", "failed")))
        .group_by(WebhookDelivery.endpoint_id)).tuples().all())
    latest_ids = select(func.max(WebhookDelivery.id)).group_by(WebhookDelivery.endpoint_id)
    latest = {d.endpoint_id: d for d in db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id.in_(latest_ids)))}
    return {e.id: (waiting.get(e.id, 0), latest.get(e.id)) for e in endpoints()}


def _check_destination(url):
    """Refuse a URL that is, or resolves to, an internal address (webhooks/addresses.py), in the API's
    error format and before anything is written; the reason is the message, for the page too."""
    try:
        addresses.check_registration(url, addresses.configured(current_app.config))
    except addresses.Refused as exc:
        raise InvalidInput(str(exc), details={"url": str(exc)}) from None


def _check(actor):
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(ADMIN_ONLY)
