"""Writing notifications and reading a user's own: theirs, their department's, their roles'."""
from sqlalchemy import false, insert, or_, select, update
from sqlalchemy.orm import selectinload

from hotline.directory.calendar import local_tz
from hotline.errors import NotFound
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.tickets.schemas import MAX_ID
from hotline.tickets.signals import ticket_changed
from hotline.tickets.workflow import Role, State


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


def for_user(user, unread=None, unread_first=False):
    stmt = select(Notification).where(addressed_to(user))
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    order = (Notification.read_at.is_not(None),) if unread_first else ()
    return stmt.options(selectinload(Notification.ticket)).order_by(*order, Notification.id.desc())


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


def mark_all_read(user, now):
    """Mark every unread notification of `user` read in one statement; returns how many."""
    result = db.session.execute(
        update(Notification).where(addressed_to(user), Notification.read_at.is_(None))
        .values(read_at=now, read_by_id=user.id).execution_options(synchronize_session=False))
    return result.rowcount


# --- what the workflow's changes tell people ---------------------------------------------------

def subscribe():
    """Notify departments and centre roles of the changes that wait for them (idempotent)."""
    ticket_changed.connect(_after_change)


def _after_change(change):
    """Written in the workflow's transaction: the notice commits or rolls back with the change."""
    send([_notice_for(change, *target) for target in _TARGETS.get(change.action, ())
          if target[0] is None or change.ticket.state == target[0]])


def _notice_for(change, _state, kind, audience, wording):
    ticket = change.ticket
    recipient = ({"department_id": ticket.department_id} if audience == Role.DEPARTMENT
                 else {"role": str(audience)})
    return notice(kind, wording(ticket), change.now, ticket_id=ticket.id, **recipient)


def _local(moment):
    return f"{moment.astimezone(local_tz()):%Y-%m-%d %H:%M}" if moment else "—"


def _name(ticket):
    return ticket.department.name if ticket.department else "承办单位"


# action -> (resulting state or None for any, kind, addressed to, text of the ticket)
_TARGETS = {
    "dispatch": ((None, "dispatched", Role.DEPARTMENT,
                  lambda t: f"新派单：工单 {t.number}，请于 {_local(t.sign_due_at)} 前签收"),),
    "revisit": ((State.DISPATCHED, "redo", Role.DEPARTMENT,
                 lambda t: f"重办：工单 {t.number} 回访不满意，退回重新办理（第 {t.reopen_count} 次），"
                           f"请于 {_local(t.complete_due_at)} 前办结"),),
    "request_return": ((None, "return_requested", Role.DISPATCHER,
                        lambda t: f"{_name(t)}申请退回工单 {t.number}，请审核"),),
    "request_extension": ((None, "extension_requested", Role.DISPATCHER,
                           lambda t: f"{_name(t)}申请工单 {t.number} 延期"
                                     f" {t.pending_extension.days} 个工作日，请审核"),),
    "reply": ((None, "reply_review", Role.DISPATCHER,
               lambda t: f"{_name(t)}已回复工单 {t.number}，请审核办理结果"),),
    # To the lead department: the opinion just added is the ticket's last.
    "assist_reply": ((None, "assist_opinion", Role.DEPARTMENT,
                      lambda t: f"{t.assist_opinions[-1].department.name}对工单 {t.number} 提出协办意见，请参阅"),),
}
