"""/admin/open311 through the Flask client: only admins; a key created is shown once and stored as a hash;
revoking and the public-read switch take effect at once; each change audited; CSRF required."""
import re

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.demo import DEMO_APP
from hotline.extensions import db
from hotline.open311 import keys
from hotline.open311.models import Open311Key
from tests.open311.support import make_key  # noqa: F401  (fixture)
from tests.web.conftest import web  # noqa: F401  (fixture)

NEW_KEY = re.compile(r'id="new-key-value">([^<]+)<')


def _rows(app):
    with app.app_context():
        return db.session.execute(select(Open311Key.name, Open311Key.scope, Open311Key.key_hash,
                                         Open311Key.revoked_at).where(Open311Key.name != DEMO_APP)).all()


def _audit(app):
    with app.app_context():
        return db.session.execute(select(AuditEntry.entity, AuditEntry.action, AuditEntry.actor_name)
                                  .order_by(AuditEntry.id)).tuples().all()


@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "supervisor1", "dept_housing"])
def test_only_admins_open_the_page_or_change_anything(username, web, app):
    browser = web(username)
    assert browser.get("/admin/open311").status_code == 403
    assert browser.post("/admin/open311/keys", data={"name": "偷偷建的", "scope": "all"}).status_code == 403
    assert browser.post("/admin/open311/settings", data={"public_read": "true"}).status_code == 403
    assert _rows(app) == [] and _audit(app) == []


def test_admin_creates_a_key_that_is_shown_once_and_works(web, app, client):
    admin = web("admin")
    page = admin.get("/admin/open311")
    assert page.status_code == 200 and "Open311 接口" in page.text and DEMO_APP in page.text
    created = admin.post("/admin/open311/keys", data={"name": "市民服务APP", "scope": "all"})
    assert created.status_code == 200
    key = NEW_KEY.search(created.text).group(1)
    [(name, scope, key_hash, revoked)] = _rows(app)
    assert (name, scope, revoked) == ("市民服务APP", "all", None)
    assert key_hash == keys.digest(key) and key not in key_hash
    assert key not in admin.get("/admin/open311").text  # never again
    assert client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code == 200
    assert _audit(app) == [("open311_key", "create", "admin")]
    # The same name again: refused, shown, nothing written.
    again = admin.post("/admin/open311/keys", data={"name": "市民服务APP", "scope": "own"})
    assert again.status_code == 400 and "已有名为「市民服务APP」的密钥" in again.text
    assert len(_rows(app)) == 1


def test_admin_revokes_a_key(web, app, client, make_key):
    key = make_key("旧应用")
    admin = web("admin")
    revoked = admin.post(f"/admin/open311/keys/{make_key.ids['旧应用']}/revoke", follow_redirects=True)
    assert revoked.status_code == 200 and "已吊销密钥「旧应用」" in revoked.text
    assert _rows(app)[0].revoked_at is not None
    assert client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code == 403
    assert _audit(app)[-1] == ("open311_key", "revoke", "admin")
    twice = admin.post(f"/admin/open311/keys/{make_key.ids['旧应用']}/revoke")
    assert twice.status_code == 400 and "已于此前吊销" in twice.text
    assert admin.post("/admin/open311/keys/999999/revoke").status_code == 404


def test_admin_switches_public_reading(web, app, client):
    admin = web("admin")
    assert client.get("/open311/v2/requests.json").status_code == 403
    opened = admin.post("/admin/open311/settings", data={"public_read": "true"}, follow_redirects=True)
    assert "已开放公开读取" in opened.text and "关闭公开读取" in opened.text
    assert client.get("/open311/v2/requests.json").status_code == 200
    assert admin.post("/admin/open311/settings", data={"public_read": "maybe"}).status_code == 400
    admin.post("/admin/open311/settings", data={"public_read": "false"})
    assert client.get("/open311/v2/requests.json").status_code == 403
    assert [a for a in _audit(app) if a[0] == "open311"] == [("open311", "update", "admin")] * 2


def test_posts_without_csrf_are_refused(web, app):
    admin = web("admin")
    assert admin.post("/admin/open311/keys", data={"name": "无令牌", "scope": "own"}, csrf=False).status_code == 400
    assert admin.post("/admin/open311/settings", data={"public_read": "true"}, csrf=False).status_code == 400
    assert _rows(app) == []
    with app.app_context():
        assert keys.public_read() is False
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_bad_names_are_refused(web, app):
    admin = web("admin")
    for name in ("", "甲", "名" * 51):
        assert admin.post("/admin/open311/keys", data={"name": name, "scope": "own"}).status_code == 400
    assert admin.post("/admin/open311/keys", data={"name": "合法名称", "scope": "everything"}).status_code == 400
    assert _rows(app) == []
