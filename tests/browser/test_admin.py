"""The admin console in chromium: an admin adds a user, who signs in elsewhere; disabling that user sends
their open page to the login page and makes their API token fail with 401."""
from sqlalchemy import select

from hotline.auth.models import User
from hotline.extensions import db
from tests.browser.conftest import VIEWPORT
from tests.conftest import DEMO_PASSWORD


def test_admin_disables_a_user_whose_session_and_token_end(page, login, browser, live_server, live_app,
                                                           screenshot):
    login(page, "admin")
    page.goto("/admin/users")
    form = page.locator("#user-create-form")
    form.locator("[name=username]").fill("clerk_zhao")
    form.locator("[name=full_name]").fill("赵办事员")
    form.locator("select[name=roles]").select_option(label="承办单位")
    form.locator("select[name=department_id]").select_option(label="市住房和城乡建设局")
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.get_by_role("button", name="新增用户").click()
    assert "已新增用户 clerk_zhao" in page.content()

    # The clerk signs in in a browser of their own, and a program of theirs takes an API token.
    clerk = browser.new_context(base_url=live_server, viewport=VIEWPORT, locale="zh-CN")
    try:
        clerk_page = clerk.new_page()
        login(clerk_page, "clerk_zhao")
        assert clerk_page.url.endswith("/department/dispatched")
        issued = clerk.request.post("/api/v1/auth/token", data={"username": "clerk_zhao", "password": DEMO_PASSWORD})
        token = issued.json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert clerk.request.get("/api/v1/tickets", headers=bearer).status == 200

        page.on("dialog", lambda dialog: dialog.accept())  # 确定停用该用户吗？
        with page.expect_navigation():
            page.get_by_role("button", name="停用该用户").click()
        assert "已停用用户 clerk_zhao" in page.content()
        with live_app.app_context():
            assert db.session.scalar(select(User.active).where(User.username == "clerk_zhao")) is False

        clerk_page.reload()
        assert "/login" in clerk_page.url
        assert clerk_page.locator("[name=username]").is_visible()
        assert clerk.request.get("/api/v1/tickets", headers=bearer).status == 401
    finally:
        clerk.close()

    page.goto("/admin/users")
    row = page.locator('tr[data-username="clerk_zhao"]')
    assert row.locator('[data-field="active"]').inner_text() == "已停用"
    row.scroll_into_view_if_needed()
    screenshot(page, "admin-users")


def test_admin_adds_and_renames_a_department_and_reads_it_in_the_audit_trail(page, login, screenshot):
    login(page, "admin")
    page.goto("/admin/departments")
    form = page.locator("#department-create-form")
    form.locator("[name=code]").fill("sports")
    form.locator("[name=name]").fill("市体育局")
    form.locator("select[name=kind]").select_option(label="市直部门")
    with page.expect_navigation():
        form.get_by_role("button", name="新增承办单位").click()
    with page.expect_navigation():
        page.locator('tr[data-code="sports"] a', has_text="市体育局").click()
    page.locator("#department-edit-form [name=name]").fill("市文化和体育局")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "已保存承办单位 市文化和体育局" in page.content()
    for path, name in (("/admin/departments", "admin-departments"), ("/admin/categories", "admin-categories"),
                       ("/admin/catalogue", "admin-catalogue"), ("/admin/policies", "admin-policies")):
        page.goto(path)
        assert page.locator(".page-title").first.is_visible()
        screenshot(page, name)
    page.goto("/admin/audit?entity=department")
    assert page.locator("#audit-total").inner_text() == "2"
    assert page.locator(".audit-before").first.inner_text() == "市体育局"
    assert page.locator(".audit-after").first.inner_text() == "市文化和体育局"
    screenshot(page, "admin-audit")
