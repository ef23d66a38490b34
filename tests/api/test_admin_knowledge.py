"""The knowledge base's admin API: listing with retired articles, editing, retiring, validity dates."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.knowledge import articles
from hotline.knowledge.models import KnowledgeArticle
from tests.api.support import assert_error, tokens  # noqa: F401

DOG = {"title": "犬只登记与文明养犬",
       "body": "养犬人应当在取得犬只后三十日内到所在地派出所办理养犬登记，携犬出户应束犬链。"}
DOG_QUESTION = "狗狗怎么办登记"


@pytest.fixture
def call(client, tokens):
    def as_user(username, method, path, **kw):
        headers = {"Authorization": f"Bearer {tokens(username)}"}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kw)
    return as_user


@pytest.fixture
def admin(call):
    return lambda method, path, **kw: call("admin", method, path, **kw)


def rows(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(KnowledgeArticle.id))),
                db.session.scalar(select(func.count(AuditEntry.id))),
                tuple(db.session.execute(select(KnowledgeArticle.title, KnowledgeArticle.active,
                                                KnowledgeArticle.valid_until)).all()))


def audit_trail(app, article_id):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "knowledge", AuditEntry.entity_id == str(article_id)).order_by(AuditEntry.id)).all()


def department_id(app, code):
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.code == code))


def local_today(app):
    with app.app_context():
        return articles.today()


def hits(call, text):
    return [hit["id"] for hit in call("operator1", "post", "/classify", json={"content": text}).json["knowledge"]]


def test_admin_creates_an_article_with_source_dates_and_tags(admin, app):
    police = department_id(app, "police")
    created = admin("post", "/knowledge", json=DOG | {
        "source_department_id": police, "valid_from": "2020-01-01", "valid_until": "2099-12-31",
        "tags": ["养犬", "登记", "养犬"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["tags"] == ["养犬", "登记"] and body["valid_until"] == "2099-12-31"
    assert body["source_department_id"] == police and body["current"] is True
    with app.app_context():
        row = db.session.get(KnowledgeArticle, body["id"])
        assert row.valid_from == date(2020, 1, 1) and row.tags == ["养犬", "登记"]
    [entry] = audit_trail(app, body["id"])
    assert entry.action == "create" and entry.after["title"] == DOG["title"] and entry.actor_name == "admin"


def test_admin_edits_and_retires_an_article_each_change_audited(admin, call, app):
    article = admin("post", "/knowledge", json=DOG).json
    changed = admin("patch", f"/knowledge/{article['id']}", json={"title": "养犬登记办理指南", "tags": ["养犬"]})
    assert changed.status_code == 200 and changed.json["title"] == "养犬登记办理指南"
    assert article["id"] in hits(call, "请问养狗要去哪里办理登记")
    retired = admin("patch", f"/knowledge/{article['id']}", json={"active": False})
    assert retired.status_code == 200 and retired.json["active"] is False and retired.json["current"] is False
    assert article["id"] not in hits(call, "请问养狗要去哪里办理登记")
    trail = audit_trail(app, article["id"])
    assert [e.action for e in trail] == ["create", "update", "retire"]
    assert trail[1].before == {"tags": [], "title": DOG["title"]}
    assert trail[1].after == {"tags": ["养犬"], "title": "养犬登记办理指南"}
    assert trail[2].before == {"active": True} and trail[2].after == {"active": False}


def test_admin_list_includes_retired_and_expired_articles(admin, app):
    retired = admin("post", "/knowledge", json=DOG | {"active": False}).json
    expired = admin("post", "/knowledge", json=DOG | {"title": "旧版养犬规定", "valid_until": "2001-01-01"}).json
    everything = admin("get", "/admin/knowledge", query_string={"q": "养犬", "per_page": 100}).json
    assert {retired["id"], expired["id"]} <= {a["id"] for a in everything["items"]}
    assert everything["total"] == len(everything["items"])
    by_status = {status: {a["id"] for a in admin("get", "/admin/knowledge", query_string={
        "status": status, "per_page": 100}).json["items"]} for status in ("current", "retired", "expired")}
    assert retired["id"] in by_status["retired"] and retired["id"] not in by_status["current"]
    assert expired["id"] in by_status["expired"] and expired["id"] not in by_status["current"]
    assert by_status["current"]  # the seeded articles


def test_an_article_past_its_validity_no_longer_appears_at_intake(admin, call, app):
    yesterday = (local_today(app) - timedelta(days=1)).isoformat()
    tomorrow = (local_today(app) + timedelta(days=1)).isoformat()
    lapsed = admin("post", "/knowledge", json=DOG | {"valid_until": yesterday}).json
    future = admin("post", "/knowledge", json=DOG | {"title": "明年施行的养犬新规", "valid_from": tomorrow}).json
    found = hits(call, DOG_QUESTION)
    assert lapsed["id"] not in found and future["id"] not in found


def test_an_article_drops_out_at_midnight_without_any_change(admin, call, app, monkeypatch):
    today = local_today(app)
    article = admin("post", "/knowledge", json=DOG | {"valid_until": today.isoformat()}).json
    assert article["id"] in hits(call, DOG_QUESTION)
    next_noon = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=4)
    monkeypatch.setattr(articles, "utcnow", lambda: next_noon)
    assert article["id"] not in hits(call, DOG_QUESTION)


@pytest.mark.parametrize("body", [
    DOG | {"valid_from": "2026-13-01"},
    DOG | {"valid_until": "2026/01/01"},
    DOG | {"valid_from": 1767225600},
    DOG | {"valid_from": "2026-05-01", "valid_until": "2026-04-30"},
    DOG | {"source_department_id": 999999},
    DOG | {"tags": [f"标签{n}" for n in range(11)]},
    DOG | {"tags": ["这个标签实在太长了超过了二十个字的限制呀呀呀"]},
    DOG | {"current": True},
])
def test_bad_article_input_writes_nothing(admin, app, body):
    before = rows(app)
    assert_error(admin("post", "/knowledge", json=body), 400)
    assert rows(app) == before


@pytest.mark.parametrize("body", [
    {"title": None}, {"active": None}, {"valid_until": "2001-01-01", "valid_from": "2002-01-01"},
    {"valid_until": "not a date"}, {"category_id": 999999}, {"unknown": 1},
])
def test_bad_article_changes_write_nothing(admin, app, body):
    article = admin("post", "/knowledge", json=DOG).json
    before = rows(app)
    assert_error(admin("patch", f"/knowledge/{article['id']}", json=body), 400)
    assert rows(app) == before


def test_changing_an_unknown_article_is_404(admin):
    assert_error(admin("patch", "/knowledge/999999", json={"active": False}), 404)


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "dispatcher1", "dept_housing"])
def test_only_admins_list_and_edit_articles(call, admin, app, username):
    article = admin("post", "/knowledge", json=DOG).json
    before = rows(app)
    assert_error(call(username, "get", "/admin/knowledge"), 403)
    assert_error(call(username, "patch", f"/knowledge/{article['id']}", json={"active": False}), 403)
    assert rows(app) == before
