"""Notifications: who is told of which workflow change, and the /notifications page."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.timeutil import utcnow
from tests.jobs.helpers import local, sweep


def _notices(ticket, kind):
    return db.session.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == kind).order_by(Notification.id)).all()


def _listed(browser):
    """The ids of the notifications on the user's first page."""
    text = browser.get("/notifications").text
    return {int(part.split('"', 1)[0]) for part in text.split('data-notification="')[1:]}


def test_a_dispatch_tells_the_department(web, factory):
    ticket = factory.ticket("dispatched")
    [notice] = _notices(ticket, "dispatched")
    assert notice.recipient_department_id == factory.department("housing").id
    assert ticket.number in notice.text and "签收" in notice.text
    assert notice.id in _listed(web("dept_housing"))
    assert notice.id not in _listed(web("dept_eco_env"))
    assert notice.id not in _listed(web("dispatcher1"))


def test_a_redo_tells_the_department(web, factory):
    ticket = factory.ticket("pending_revisit")
    factory.act(ticket, "revisitor1", "revisit", {"satisfaction": "unsatisfied", "resolved": False})
    db.session.commit()
    [notice] = _notices(ticket, "redo")
    assert notice.recipient_department_id == factory.department("housing").id and "重办" in notice.text
    assert notice.id in _listed(web("dept_housing"))
    assert _notices(ticket, "dispatched")[0].id in _listed(web("dept_housing"))


@pytest.mark.parametrize("state, action, payload, kind", [
    ("accepted", "request_return", {"reason": "不属于本单位职责"}, "return_requested"),
    ("accepted", "request_extension", {"days": 3, "reason": "需协调多个部门"}, "extension_requested"),
    ("accepted", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"}, "reply_review"),
])
def test_department_requests_tell_the_dispatchers(web, factory, state, action, payload, kind):
    ticket = factory.ticket(state)
    factory.act(ticket, "dept_housing", action, payload)
    db.session.commit()
    [notice] = _notices(ticket, kind)
    assert (notice.recipient_role, notice.recipient_department_id) == ("dispatcher", None)
    assert ticket.number in notice.text
    assert notice.id in _listed(web("dispatcher1"))
    for other in ("dept_housing", "revisitor1", "operator1"):
        assert notice.id not in _listed(web(other))


def test_nothing_is_told_of_a_change_that_rolls_back(factory):
    ticket = factory.ticket("accepted")
    factory.act(ticket, "dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"})
    db.session.rollback()
    assert _notices(ticket, "reply_review") == []


def test_severely_overdue_tells_the_supervisors_once(web, factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    for moment in ("2026-11-03T09:00", "2026-11-20T09:00", "2026-11-21T09:00"):
        sweep(moment)
    severe = _notices(ticket, "severely_overdue")
    housing = factory.department("housing").id
    kinds = {n.deadline for n in severe}
    assert kinds and sorted((n.deadline, n.recipient_role or "", n.recipient_department_id or 0)
                            for n in severe) == sorted(
        [(kind, "", housing) for kind in kinds] + [(kind, "supervisor", 0) for kind in kinds])
    supervisors = {n.id for n in severe if n.recipient_role == "supervisor"}
    assert supervisors <= _listed(web("supervisor1"))
    assert not supervisors & _listed(web("dept_housing"))
    # The overdue notices stay with the department alone.
    assert {n.recipient_role for n in _notices(ticket, "overdue")} == {None}


def test_the_page_lists_unread_first_and_marks_read(web, factory):
    first = factory.ticket("dispatched")
    second = factory.ticket("dispatched")
    [older], [newer] = _notices(first, "dispatched"), _notices(second, "dispatched")
    browser = web("dept_housing")
    page = browser.get("/notifications")
    assert page.status_code == 200 and "新派单" in page.text and first.number in page.text

    assert browser.post(f"/notifications/{newer.id}/read").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, newer.id).read_by_id == factory.user("dept_housing").id
    text = browser.get("/notifications").text
    assert text.index(f'data-notification="{older.id}"') < text.index(f'data-notification="{newer.id}"')
    text = browser.get("/notifications?order=newest").text
    assert text.index(f'data-notification="{newer.id}"') < text.index(f'data-notification="{older.id}"')


def test_read_all_marks_only_the_user_s_own(web, factory):
    mine = factory.ticket("dispatched")
    theirs = factory.ticket("accepted")
    factory.act(theirs, "dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"})
    db.session.commit()
    assert web("dept_housing").post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert _notices(mine, "dispatched")[0].read_at is not None
    assert _notices(theirs, "reply_review")[0].read_at is None


def test_someone_else_s_notification_cannot_be_marked(web, factory):
    ticket = factory.ticket("dispatched")
    [notice] = _notices(ticket, "dispatched")
    assert web("dept_eco_env").post(f"/notifications/{notice.id}/read").status_code == 404
    assert web("dept_housing").post(f"/notifications/{notice.id}/read", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, notice.id).read_at is None


def test_the_page_is_paged(web, factory):
    rows = [Notification(kind="dispatched", text=f"通知 {n}", recipient_role="operator",
                         created_at=utcnow() - timedelta(minutes=n)) for n in range(25)]
    db.session.add_all(rows)
    db.session.commit()
    browser = web("operator1")
    assert len(_listed(browser)) == 20
    second = browser.get("/notifications?page=2")
    assert second.status_code == 200 and "第 2 / 2 页" in second.text
    assert browser.get("/notifications?page=abc").status_code == 400
    assert browser.get("/notifications?order=sideways").status_code == 400


def test_strangers_go_to_the_login_page(client):
    assert client.get("/notifications").headers["Location"].startswith("/login")
