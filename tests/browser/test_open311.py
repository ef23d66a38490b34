"""The admin console's Open311 page in chromium: an admin creates a key (shown once), a civic app files a
request with it, the admin opens public reading, revokes the key, and the app is refused."""
from sqlalchemy import select

from hotline.extensions import db
from hotline.open311.models import Open311Key


def test_admin_creates_uses_and_revokes_an_open311_key(page, login, live_app, screenshot):
    login(page, "admin")
    page.goto("/admin/open311")
    assert page.locator(".page-title").inner_text() == "Open311 接口"
    form = page.locator("#open311-key-form")
    form.locator("[name=name]").fill("市民随手拍")
    form.locator("select[name=scope]").select_option(label="仅本密钥提交的诉求")
    with page.expect_navigation():
        form.get_by_role("button", name="新增密钥").click()
    key = page.locator("#new-key-value").inner_text().strip()
    assert len(key) >= 32
    screenshot(page, "admin-open311-new-key")
    with live_app.app_context():
        assert db.session.scalar(select(Open311Key.scope).where(Open311Key.name == "市民随手拍")) == "own"

    # The civic app files a request with the key and reads it back.
    filed = page.request.post("/open311/v2/requests.json", form={
        "api_key": key, "service_code": "3", "address_string": "城西区桂花街道金桂苑小区",
        "description": "小区物业长期不清理楼道杂物，存在消防隐患"})
    assert filed.status == 201, filed.text()
    number = filed.json()[0]["service_request_id"]
    read = page.request.get(f"/open311/v2/requests/{number}.xml", params={"api_key": key})
    assert read.status == 200 and "<status>open</status>" in read.text()

    page.goto("/admin/open311")
    row = page.locator('tr[data-key-name="市民随手拍"]')
    assert row.locator('[data-field="status"]').inner_text() == "有效"
    assert key not in page.content()

    page.on("dialog", lambda dialog: dialog.accept())  # 确定开放吗？ / 确定吊销…吗？
    with page.expect_navigation():
        page.get_by_role("button", name="开放公开读取").click()
    assert "已开放公开读取" in page.content()
    assert page.request.get(f"/open311/v2/requests/{number}.json").status == 200

    with page.expect_navigation():
        row.get_by_role("button", name="吊销").click()
    assert "已吊销密钥「市民随手拍」" in page.content()
    assert page.locator('tr[data-key-name="市民随手拍"] [data-field="status"]').inner_text() == "已吊销"
    screenshot(page, "admin-open311")
    refused = page.request.post("/open311/v2/requests.json", form={
        "api_key": key, "service_code": "3", "address_string": "城西区", "description": "再提交一次诉求试试看"})
    assert refused.status == 403 and refused.json()[0]["code"] == 403
