"""The admin console's webhook pages through the Flask client: admins only, CSRF, the secret once, deliveries."""
import re

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.timeutil import utcnow
from hotline.webhooks.models import WebhookEndpoint
from tests.web.conftest import web  # noqa: F401
from tests.webhooks.conftest import deliveries

FORM = {"name": "省 12345 平台", "url": "https://province.example/in", "events": ["ticket.created", "ticket.overdue"]}
SECRET = re.compile(r'id="webhook-secret-value">(whsec_[^<]+)<')


def endpoint_rows(app):
    with app.app_context():
        return db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def create(browser, **changes):
    return browser.post("/admin/webhooks", data={**FORM, **changes})


@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "dept_housing", "revisitor1", "supervisor1"])
def test_only_admins_open_or_post_the_pages(app, web, username):
    browser = web(username)
    assert browser.get("/admin/webhooks").status_code == 403
    assert create(browser).status_code == 403
    assert endpoint_rows(app) == []


def test_admin_creates_an_endpoint_and_sees_its_secret_only_once(app, web):
    browser = web("admin")
    assert "事件推送" in browser.get("/admin/webhooks").text
    page = create(browser)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    [row] = endpoint_rows(app)
    assert SECRET.search(page.text).group(1) == row.secret
    assert "已新增推送地址 省 12345 平台" in page.text
    assert (row.name, row.url, row.events, row.active) == (FORM["name"], FORM["url"], FORM["events"], True)
    again = browser.get(f"/admin/webhooks/{row.id}")
    assert again.status_code == 200 and row.secret not in again.text
    listing = browser.get("/admin/webhooks").text
    assert row.secret not in listing and "工单受理、工单超期" in listing


def test_a_post_without_csrf_token_writes_nothing(app, web):
    refused = web("admin").post("/admin/webhooks", data=FORM, csrf=False)
    assert refused.status_code == 400
    assert endpoint_rows(app) == []


@pytest.mark.parametrize("changes, message", [
    ({"url": "http://province.example/in"}, "只允许 https"),
    ({"url": "https://a:b@province.example/in"}, "不能包含用户名或密码"),
    ({"events": []}, "请至少选择一个事件"),
    ({"events": ["ticket.lost"]}, "没有这种事件：ticket.lost"),
    ({"name": ""}, "请填写名称"),
])
def test_bad_input_shows_the_reason_and_writes_nothing(app, web, changes, message):
    page = create(web("admin"), **changes)
    assert page.status_code == 400
    assert message in page.text
    assert endpoint_rows(app) == []


def test_edit_deactivate_and_rotate_with_audit_rows(app, web):
    browser = web("admin")
    create(browser)
    [row] = endpoint_rows(app)
    saved = browser.post(f"/admin/webhooks/{row.id}", data={**FORM, "name": "省平台", "events": ["ticket.closed"]})
    assert saved.status_code == 302
    rotated = browser.post(f"/admin/webhooks/{row.id}/secret")
    new_secret = SECRET.search(rotated.text).group(1)
    assert new_secret != row.secret
    assert browser.post(f"/admin/webhooks/{row.id}/active", data={"active": "false"}).status_code == 302
    [row] = endpoint_rows(app)
    assert (row.name, row.events, row.active, row.secret) == ("省平台", ["ticket.closed"], False, new_secret)
    page = browser.get(f"/admin/webhooks/{row.id}").text
    assert "已停用" in page and "更换签名密钥" in page and "订阅事件" in page
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.entity == "webhook").order_by(AuditEntry.id)).all()
    assert [r.action for r in rows] == ["create", "update", "rotate_secret", "disable"]
    assert rows[2].after is None and new_secret not in repr(rows)


def test_the_endpoint_page_lists_recent_deliveries_with_status(app, web, ctx, factory, receiver):
    browser = web("admin")
    create(browser, url=receiver.url, events=["ticket.created"])
    ticket = factory.ticket("received")
    [row] = endpoint_rows(app)
    page = browser.get(f"/admin/webhooks/{row.id}").text
    assert ticket.number in page and 'data-status="pending"' in page
    run_job("webhooks", utcnow())
    [delivery] = deliveries()
    page = browser.get(f"/admin/webhooks/{row.id}").text
    assert 'data-status="delivered"' in page and delivery.delivery_id in page and "HTTP 200" in page
    assert delivery.delivery_id not in browser.get(f"/admin/webhooks/{row.id}?status=failed").text
    assert 'data-field="latest"' in browser.get("/admin/webhooks").text


def test_an_unknown_endpoint_page_is_a_404(web):
    assert web("admin").get("/admin/webhooks/424242").status_code == 404
