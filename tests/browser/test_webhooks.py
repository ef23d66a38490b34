"""The webhook admin page in chromium: an admin registers a receiver, copies the secret shown once, sees a
delivery arrive with its status, and deactivates the endpoint."""
from sqlalchemy import select

from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.timeutil import utcnow
from hotline.webhooks.models import WebhookEndpoint
from tests.factories import Factory
from tests.webhooks.conftest import receiver, verify  # noqa: F401


def test_admin_registers_an_endpoint_and_follows_its_deliveries(page, login, live_app, receiver, screenshot):
    login(page, "admin")
    page.goto("/admin/webhooks")
    form = page.locator("#webhook-create-form")
    form.locator("[name=name]").fill("市数据仓库")
    form.locator("[name=url]").fill(receiver.url)
    form.get_by_label("工单受理").check()
    form.get_by_label("工单办结").check()
    with page.expect_navigation():
        form.get_by_role("button", name="新增推送地址").click()
    assert "已新增推送地址 市数据仓库" in page.content()
    secret = page.locator("#webhook-secret-value").inner_text()
    with live_app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.name == "市数据仓库"))
        assert endpoint.secret == secret and endpoint.events == ["ticket.created", "ticket.closed"]
        endpoint_id = endpoint.id
        number = Factory().ticket("received").number
        assert run_job("webhooks", utcnow())["result"] == {"claimed": 1, "delivered": 1}
    [request] = receiver.requests
    assert verify(secret, request) and number.encode() in request["body"]

    page.goto(f"/admin/webhooks/{endpoint_id}")
    assert page.locator("#webhook-secret").count() == 0  # shown once only
    row = page.locator(f'#deliveries-table tr:has-text("{number}")')
    assert row.locator('[data-field="status"]').inner_text() == "已送达"
    assert row.locator('[data-field="attempts"]').inner_text() == "1"
    screenshot(page, "admin-webhook")

    page.on("dialog", lambda dialog: dialog.accept())  # 确定停用该地址吗？
    with page.expect_navigation():
        page.get_by_role("button", name="停用该地址").click()
    assert "已停用推送地址 市数据仓库" in page.content()
    page.goto("/admin/webhooks")
    assert page.locator(f'tr[data-endpoint="{endpoint_id}"] [data-field="active"]').inner_text() == "已停用"
    screenshot(page, "admin-webhooks")
