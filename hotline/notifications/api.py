"""Notification endpoints: the caller's list and marking one read."""
from typing import Annotated, Literal

from flask import Blueprint, g, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import respond
from hotline.api.models import Moment, Out
from hotline.api.openapi import document
from hotline.auth.access import token_required
from hotline.extensions import db
from hotline.labels import NOTIFICATION_KINDS
from hotline.notifications import service
from hotline.tickets import schemas
from hotline.timeutil import utcnow

bp = Blueprint("notifications_api", __name__)


class NotificationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unread: bool | None = Field(None, description="true: 只看未读")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class NotificationOut(Out):
    id: int
    kind: Literal[tuple(NOTIFICATION_KINDS)]
    kind_label: str
    text: str
    ticket_number: str | None
    deadline: str | None
    due_at: Moment | None
    created_at: Moment
    read_at: Moment | None


class NotificationPage(Out):
    items: list[NotificationOut]
    total: int
    page: int
    per_page: int


def _iso(moment):
    return moment.isoformat() if moment else None


def notification_dict(notification):
    ticket = notification.ticket
    return {
        "id": notification.id,
        "kind": notification.kind,
        "kind_label": NOTIFICATION_KINDS[notification.kind],
        "text": notification.text,
        "ticket_number": ticket.number if ticket else None,
        "deadline": notification.deadline,
        "due_at": _iso(notification.due_at),
        "created_at": _iso(notification.created_at),
        "read_at": _iso(notification.read_at),
    }


@bp.get("/notifications")
@token_required
@document("我的站内通知（本人、本单位、本角色）", query=NotificationQuery, response=NotificationPage)
def list_notifications():
    query = schemas.parse(NotificationQuery, request.args.to_dict())
    page = db.paginate(service.for_user(g.user, query.unread), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return respond(NotificationPage, {"items": [notification_dict(n) for n in page.items], "total": page.total,
                                      "page": query.page, "per_page": query.per_page})


@bp.post("/notifications/<int:notification_id>/read")
@token_required
@document("标记通知为已读", response=NotificationOut, path_params={"notification_id": "通知 ID"}, errors=(404,))
def read_notification(notification_id):
    notification = service.mark_read(notification_id, g.user, utcnow())
    db.session.commit()
    return respond(NotificationOut, notification_dict(notification))
