"""The operator takes a call in a real browser: suggestions appear while typing, one click dispatches."""
import re

import pytest
from sqlalchemy import select

from classifier.train import train
from hotline.extensions import db
from hotline.routing import registry
from hotline.routing.training import seed_corpus
from hotline.tickets.models import Ticket
from tests.routing.conftest import CODES

COMPLAINT = "小区电梯坏了一个星期，物业一直不修，老人上下楼很困难"


@pytest.fixture(scope="session")
def _category_model():
    texts, labels = seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return train([t for t, _ in chosen], [label for _, label in chosen])


@pytest.fixture
def live_model(live_app, _category_model):
    """An active category model in the live app (its rows go with each test's clean-up)."""
    with live_app.app_context():
        registry.activate(registry.register(_category_model, "category", "seed").version)
        db.session.commit()


def test_operator_dispatches_to_the_suggested_department(page, login, screenshot, live_app, live_model):
    login(page, "operator1")
    assert page.url.endswith("/intake")
    page.fill("#caller_phone", "13912340000")
    page.select_option("#area", "城西区")
    page.fill("#subject", "电梯长期故障")
    page.fill("#address", "城西区桂花街道金桂苑小区7栋")
    # One input event, so that the panel is drawn once, from the whole complaint: typed key by key,
    # a slow machine may draw it from the first words and again later, under the assertions.
    page.fill("#content", COMPLAINT)
    first = page.locator('[data-intake-pick="1"]')
    first.wait_for()
    page.wait_for_function("!document.querySelector('.htmx-request')")
    assert "城西区人民政府" in page.inner_text("#intake-suggestion")
    # The panel pre-filled the department, its catalogue assistant and the category.
    assert page.input_value("#department_id") == first.get_attribute("data-department-id")
    assert page.eval_on_selector("#assisting_department_ids", "s => [...s.selectedOptions].map(o => o.text)") == [
        "市住房和城乡建设局"]
    assert page.locator("#category_id option:checked").inner_text() == "物业管理"
    assert page.eval_on_selector(".probability-bar .progress-bar", "e => e.style.width") != ""
    screenshot(page, "intake-suggestions")
    page.keyboard.press("Alt+2")
    assert page.input_value("#department_id") == page.get_attribute('[data-intake-pick="2"]', "data-department-id")
    page.keyboard.press("Alt+1")
    with page.expect_navigation():
        page.click("#finish-dispatch")
    assert re.search(r"/tickets/\d{8}-\d{6}$", page.url)
    number = page.url.rsplit("/", 1)[1]
    assert f"工单 {number} 已派单" in page.inner_text(".page-body")
    with live_app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.state == "dispatched" and ticket.department.name == "城西区人民政府"
        assert ticket.caller_phone == "13912340000" and ticket.category.name == "物业管理"


def test_gas_leak_shows_the_transfer_banner_and_inserts_the_knowledge_answer(page, login, screenshot, live_model):
    login(page, "operator1")
    page.locator("#content").press_sequentially("小区里燃气泄漏了，味道很大", delay=5)
    banner = page.locator("#intake-transfer")
    banner.wait_for()
    assert "紧急警情：请立即转接燃气公司抢修电话" in banner.inner_text()
    page.click("[data-intake-knowledge]")
    page.wait_for_function("document.getElementById('answer').value.length > 10")
    screenshot(page, "intake-emergency", full_page=True)
    # Saved with 自动识别, the ticket is an emergency and its page carries the same banner.
    if not page.input_value("#category_id"):
        page.select_option("#category_id", index=1)
    page.click("#finish-save")
    page.locator("#ticket-transfer").wait_for()
    assert "紧急警情：请立即转接燃气公司抢修电话" in page.inner_text("#ticket-transfer")
    urgency = page.inner_text("#ticket-urgency")
    assert urgency.startswith("特急") and "系统识别：特急" in urgency


def test_earlier_calls_show_when_leaving_the_phone_field(page, login, live_app):
    with live_app.app_context():
        from tests.factories import Factory
        earlier = Factory().ticket("received", caller_phone="13966660000", subject="路灯不亮")
        number = earlier.number
    login(page, "operator1")
    page.fill("#caller_phone", "13966660000")
    page.press("#caller_phone", "Tab")
    page.locator("#intake-history").wait_for()
    assert number in page.inner_text("#intake-history") and "路灯不亮" in page.inner_text("#intake-history")
