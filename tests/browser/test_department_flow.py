"""A department's day in chromium: sign from the queue, ask for more days, reply; the centre approves."""
from sqlalchemy import select

from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.browser.conftest import VIEWPORT
from tests.factories import Factory


def test_department_signs_extends_and_replies_then_dispatcher_approves(page, browser, live_server, page_errors,
                                                                        login, live_app):
    with live_app.app_context():
        number = Factory().ticket("dispatched", subject="楼道灯不亮").number
    clerk = page
    login(clerk, "dept_housing")
    clerk.goto("/department/dispatched")
    with clerk.expect_navigation():
        clerk.locator(f'tr:has(a:text("{number}")) button:text("签收")').click()
    clerk.goto(f"/tickets/{number}")
    extension = clerk.locator('form[data-action="request_extension"]')
    assert "已延期 0 / 10 个工作日" in extension.inner_text()
    extension.locator("[name=days]").fill("3")
    extension.locator("[name=reason]").fill("需等待配件到货")
    with clerk.expect_navigation():
        extension.get_by_role("button", name="申请延期").click()
    assert clerk.locator('.timeline-event[data-action="request_extension"]').count() == 1
    reply = clerk.locator('form[data-action="reply"]')
    reply.locator("[name=result]").fill("已更换楼道灯，并联系来电人确认")
    reply.locator("[name=outcome]").select_option(label="已解决")
    with clerk.expect_navigation():
        reply.get_by_role("button", name="办结回复").click()
    assert clerk.locator("#ticket-state").inner_text() == "待审核"

    with live_app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.state == "replied" and ticket.extensions[0].status == "cancelled"
        assert [e.action for e in ticket.events][-3:] == ["sign", "request_extension", "reply"]

    context = browser.new_context(base_url=live_server, viewport=VIEWPORT, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")  # the dispatcher's own cookies
    page_errors.attach(context)
    try:
        reviewer = login(context.new_page(), "dispatcher1")
        reviewer.goto(f"/tickets/{number}")
        with reviewer.expect_navigation():
            reviewer.locator('form[data-action="approve_reply"] button').click()
        assert reviewer.locator("#ticket-state").inner_text() == "待回访"
    finally:
        context.close()
