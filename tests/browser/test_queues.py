"""The queue pages in a real browser: signing from 待签收, bulk approval from 待审核, and how they look."""
from datetime import timedelta

from sqlalchemy import select

from hotline.extensions import db
from hotline.tickets.models import Ticket
from hotline.timeutil import utcnow
from tests.factories import Factory


def make(live_app, state, count=1, **fields):
    with live_app.app_context():
        factory = Factory()
        return [factory.ticket(state, **fields).number for _ in range(count)]


def set_clock(live_app, number, **moments):
    """Put the sign clock's thresholds at chosen moments, so each row shows a known lateness."""
    with live_app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        for name, value in moments.items():
            setattr(ticket, name, value)
        db.session.commit()


def test_department_signs_a_ticket_from_its_queue(page, login, live_app, screenshot):
    first, second = make(live_app, "dispatched", count=2)
    login(page, "dept_housing")
    assert page.url.endswith("/department/dispatched")
    assert page.inner_text('[data-queue-tab="dispatched"] .tab-count') == "2"
    with page.expect_navigation():
        page.click(f'tr[data-ticket="{first}"] .sign-one button')
    assert "已处理 1 件" in page.inner_text(".alert-success")
    assert page.locator(f'tr[data-ticket="{first}"]').count() == 0
    assert page.locator(f'tr[data-ticket="{second}"]').count() == 1
    assert page.inner_text('[data-queue-tab="dispatched"] .tab-count') == "1"
    assert page.inner_text('[data-queue="dept_dispatched"] .queue-count') == "1"
    assert page.inner_text('[data-queue="dept_accepted"] .queue-count') == "1"
    screenshot(page, "department-signed")


def test_dispatcher_approves_replies_in_bulk(page, login, live_app, screenshot):
    numbers = make(live_app, "replied", count=3)
    login(page, "dispatcher1")
    page.goto("/dispatch/replies")
    assert page.inner_text('[data-queue-tab="replies"] .tab-count') == "3"
    screenshot(page, "dispatch-replies")
    for number in numbers[:2]:
        page.check(f'[data-check-row="tickets"][value^="{number}:"]')
    with page.expect_navigation():
        page.click("#bulk-form button[type=submit]")
    assert page.inner_text(".alert-success") == "已处理 2 件"
    assert page.locator("tr[data-ticket]").count() == 1
    assert page.locator(f'tr[data-ticket="{numbers[2]}"]').count() == 1
    assert page.inner_text('[data-queue-tab="replies"] .tab-count') == "1"
    with live_app.app_context():
        states = db.session.scalars(select(Ticket.state).where(Ticket.number.in_(numbers[:2]))).all()
        assert states == ["pending_revisit", "pending_revisit"]


def test_check_all_selects_every_row(page, login, live_app):
    make(live_app, "received", count=3)
    login(page, "dispatcher1")
    page.goto("/dispatch/received")
    page.check("[data-check-all=tickets]")
    assert page.locator("[data-check-row=tickets]:checked").count() == 3


def test_dispatcher_rejects_a_return_with_a_reason(page, login, live_app, screenshot):
    number, = make(live_app, "return_requested")
    login(page, "dispatcher1")
    page.goto("/dispatch/returns")
    screenshot(page, "dispatch-returns")
    assert "不属于本单位职责" in page.inner_text(f'tr[data-detail="{number}"]')
    page.fill(f"#reject_return-{number}", "该小区物业监管属于本单位职责")
    with page.expect_navigation():
        page.click(f'tr[data-detail="{number}"] form[data-action="reject_return"] button')
    assert "已驳回退单" in page.inner_text(".alert-success")
    assert page.locator("tr[data-ticket]").count() == 0


def test_department_queue_screenshot(page, login, live_app, screenshot):
    """Rows in every deadline colour, nearest deadline first."""
    now = utcnow()
    on_time, warning, overdue, severe = make(live_app, "dispatched", count=4)
    make(live_app, "dispatched", type="report", caller_name="匿名举报人")
    make(live_app, "dispatched", urgency="emergency",
         content="小区地下车库有燃气味道，物业已关闭阀门，请尽快派人检查管道")
    set_clock(live_app, warning, sign_warn_at=now - timedelta(hours=1), sign_due_at=now + timedelta(hours=1),
              sign_severe_at=now + timedelta(days=7))
    set_clock(live_app, overdue, sign_warn_at=now - timedelta(hours=6), sign_due_at=now - timedelta(hours=2),
              sign_severe_at=now + timedelta(days=5))
    set_clock(live_app, severe, sign_warn_at=now - timedelta(days=9), sign_due_at=now - timedelta(days=8),
              sign_severe_at=now - timedelta(days=1))
    login(page, "dept_housing")
    levels = {number: page.get_attribute(f'tr[data-ticket="{number}"] .deadline', "data-level")
              for number in (on_time, warning, overdue, severe)}
    assert levels == {on_time: "on_time", warning: "warning", overdue: "overdue", severe: "severely_overdue"}
    assert "举报人信息保密" in page.inner_text("#queue-table")
    assert "138****" in page.inner_text("#queue-table")
    screenshot(page, "department-queue")
