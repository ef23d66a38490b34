"""The revisitor's day in a browser: a redo after an unsatisfied call, then a satisfied one closes it."""
from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.factories import Factory


def _ticket(live_app, number):
    with live_app.app_context():
        ticket = db.session.scalar(db.select(Ticket).where(Ticket.number == number))
        return ticket.state, ticket.reopen_count, ticket.satisfaction


def _option(label):
    """The satisfaction choice with exactly this label (满意 is also part of 基本满意 and 不满意)."""
    return f"label.form-selectgroup-item:has(span:text-is('{label}'))"


def _settle(page):
    """Let the page finish loading (its favicon too) before leaving it: an aborted load is an error."""
    page.wait_for_load_state("networkidle")


def _sign_in(page, login, username):
    """The harness's login, started from a settled page: /login's favicon must not be cut off."""
    page.goto("/login")
    _settle(page)
    login(page, username)
    _settle(page)


def _record(page, satisfaction, resolved, note):
    page.click(_option(satisfaction))
    page.check(f"input[name=resolved][value={resolved}]")
    page.fill("textarea[name=note]", note)
    _settle(page)
    with page.expect_navigation():
        page.click("#save-revisit")


def test_revisitor_sends_a_ticket_back_then_closes_it(page, login, screenshot, live_app):
    with live_app.app_context():
        factory = Factory()
        ticket = factory.ticket("pending_revisit", caller_phone="13912345678")
        number = ticket.number

    _sign_in(page, login, "revisitor1")
    page.goto("/revisit")
    assert page.inner_text("#revisit-number") == number
    assert page.inner_text("#caller-phone") == "139****5678"
    assert "已联系物业完成维修" in page.inner_text("#ticket-result")
    assert page.inner_text("#revisit-attempts") == "未接通 0/3"
    page.click("#reveal-phone")
    page.wait_for_selector("#caller-phone[data-revealed]")
    assert page.inner_text("#caller-phone") == "13912345678"
    # 结案原因 shows only once 不满意 is chosen.
    page.click(_option("满意"))
    assert not page.is_visible("textarea[name=close_reason]")
    page.click(_option("不满意"))
    assert page.is_visible("textarea[name=close_reason]")
    screenshot(page, "revisit-workstation")

    _record(page, "不满意", "no", "市民反映电梯仍然经常停运")
    assert "已退回重办" in page.inner_text(".alert-success")
    assert "暂无待回访工单" in page.inner_text("#revisit-empty")
    assert _ticket(live_app, number)[:2] == ("dispatched", 1)

    with live_app.app_context():
        factory = Factory()
        redo = db.session.scalar(db.select(Ticket).where(Ticket.number == number))
        factory.act(redo, "dept_housing", "sign")
        factory.act(redo, "dept_housing", "reply", {"result": "已更换电梯主板并复检合格", "outcome": "resolved"})
        factory.act(redo, "dispatcher1", "approve_reply")
        db.session.commit()

    _settle(page)
    page.goto("/revisit")
    assert page.inner_text("#revisit-number") == number
    assert "已更换电梯主板" in page.inner_text("#ticket-result")
    _record(page, "满意", "yes", "市民表示电梯已正常运行")
    assert "已办结" in page.inner_text(".alert-success")
    assert _ticket(live_app, number) == ("closed", 1, "satisfied")

    # The department was told of the dispatch and of the redo.
    _settle(page)
    page.context.clear_cookies()
    _sign_in(page, login, "dept_housing")
    page.goto("/notifications")
    assert "重办" in page.inner_text("#notifications") and "新派单" in page.inner_text("#notifications")
    screenshot(page, "notifications")
