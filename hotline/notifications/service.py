"""Writing notifications and reading a user's own: theirs, their department's, their roles'."""
from sqlalchemy import false, insert, or_, select
from sqlalchemy.orm import selectinload

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.tickets.schemas import MAX_ID


def notice(kind, text, now, ticket_id=None, department_id=None, user_id=None, role=None,
           deadline=None, due_at=None):
    """One notification as a row for send()."""
    return {
        "kind": kind, "text": text, "created_at": now, "ticket_id": ticket_id,
        "deadline": deadline, "due_at": due_at, "recipient_department_id": department_id,
        "recipient_user_id": user_id, "recipient_role": role,
    }


def send(rows):
    """Insert notifications in one executemany: a sweep after downtime may send thousands."""
    if rows:
        db.session.execute(insert(Notification), rows)


def addressed_to(user):
    """A filter on Notification: what this user may see."""
    return or_(
        Notification.recipient_user_id == user.id,
        Notification.recipient_department_id == user.department_id
        if user.department_id is not None else false(),
        Notification.recipient_role.in_([str(role) for role in user.roles]),
    )


def for_user(user, unread=None):
    stmt = select(Notification).where(addressed_to(user))
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return stmt.options(selectinload(Notification.ticket)).order_by(Notification.id.desc())


def mark_read(notification_id, user, now):
    """Mark read once; reading it again keeps the first reader and time."""
    # An id beyond the integer column cannot exist, and the drivers would overflow on it.
    notification = notification_id <= MAX_ID and db.session.scalar(
        select(Notification).where(Notification.id == notification_id, addressed_to(user))
    )
    if not notification:
        raise NotFound(f"通知 {notification_id} 不存在")
    if notification.read_at is None:
        notification.read_at = now
        notification.read_by_id = user.id
        db.session.flush()
    return notification
