"""The knowledge base's admin pages: list and search, create, edit, retire, with every change audited."""
import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle

DOG = {"title": "犬只登记与文明养犬", "body": "养犬人应当在取得犬只后三十日内到所在地派出所办理养犬登记。",
       "category_id": "", "source_department_id": "", "valid_from": "", "valid_until": "", "tags": "养犬，登记 文明",
       "active": "y"}


def written():
    return (db.session.scalar(select(func.count(KnowledgeArticle.id))),
            db.session.scalar(select(func.count(AuditEntry.id))),
            tuple(db.session.execute(select(KnowledgeArticle.title, KnowledgeArticle.active)).all()))


def article(title):
    return db.session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.title == title))


def trail(article_id):
    return db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == "knowledge", AuditEntry.entity_id == str(article_id)).order_by(AuditEntry.id)).all()


def test_admin_lists_and_searches_articles(web, ctx):
    admin = web("admin")
    page = admin.get("/admin/knowledge")
    assert page.status_code == 200 and "住房公积金提取条件与办理渠道" in page.text and "生效中" in page.text
    found = admin.get("/admin/knowledge", query_string={"q": "公积金"}).text
    assert "住房公积金提取条件与办理渠道" in found and "拖欠工资的维权途径" not in found


def test_admin_creates_an_article_from_the_form(web, ctx):
    response = web("admin").post("/admin/knowledge/new", DOG | {"valid_until": "2099-12-31"})
    assert response.status_code == 302 and response.location.endswith("/admin/knowledge")
    db.session.expire_all()
    row = article(DOG["title"])
    assert row.tags == ["养犬", "登记", "文明"] and row.active and str(row.valid_until) == "2099-12-31"
    assert trail(row.id) == ["create"]
    listed = web("admin").get("/admin/knowledge", query_string={"q": "养犬"}).text
    assert DOG["title"] in listed and "2099-12-31" in listed


@pytest.mark.parametrize("change, message", [
    ({"valid_from": "2026-05-01", "valid_until": "2026-04-30"}, "失效日期不能早于生效日期"),
    ({"valid_from": "2026-02-30"}, "不是有效的日期值"),
    ({"title": "犬"}, "标题应为 2–200 字"),
    ({"tags": "，".join(f"标签{n}" for n in range(11))}, "标签最多 10 个"),
    ({"source_department_id": "999999"}, "请从列表中选择"),
])
def test_a_refused_article_keeps_the_input_and_writes_nothing(web, ctx, change, message):
    before = written()
    response = web("admin").post("/admin/knowledge/new", DOG | change)
    assert response.status_code == 400 and message in response.text
    assert DOG["body"] in response.text  # what the admin typed is still there
    assert written() == before


def test_admin_edits_an_article(web, ctx):
    admin = web("admin")
    admin.post("/admin/knowledge/new", DOG)
    row = article(DOG["title"])
    form = admin.get(f"/admin/knowledge/{row.id}").text
    assert "养犬，登记，文明" in form
    response = admin.post(f"/admin/knowledge/{row.id}", DOG | {"title": "养犬登记办理指南", "tags": "养犬"})
    assert response.status_code == 302
    db.session.expire_all()
    assert row.title == "养犬登记办理指南" and row.tags == ["养犬"]
    assert trail(row.id) == ["create", "update"]


def test_admin_retires_and_restores_an_article(web, ctx):
    admin = web("admin")
    admin.post("/admin/knowledge/new", DOG)
    row = article(DOG["title"])
    back = "/admin/knowledge?status=retired"
    response = admin.post(f"/admin/knowledge/{row.id}/active", {"active": "0", "back": back})
    assert response.status_code == 302 and response.location.endswith("/admin/knowledge?status=retired")
    db.session.expire_all()
    assert row.active is False
    retired = admin.get("/admin/knowledge", query_string={"status": "retired"}).text
    assert DOG["title"] in retired and "已停用" in retired and "重新启用" in retired
    assert DOG["title"] not in admin.get("/admin/knowledge", query_string={"status": "current"}).text
    admin.post(f"/admin/knowledge/{row.id}/active", {"active": "1"})
    db.session.expire_all()
    assert row.active is True and trail(row.id) == ["create", "retire", "enable"]


def test_a_retire_without_csrf_token_is_refused(web, ctx):
    admin = web("admin")
    admin.post("/admin/knowledge/new", DOG)
    row = article(DOG["title"])
    assert admin.post(f"/admin/knowledge/{row.id}/active", {"active": "0"}, csrf=False).status_code == 400
    db.session.expire_all()
    assert row.active is True


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "dept_housing"])
def test_only_admins_open_the_knowledge_pages(web, ctx, username):
    browser = web(username)
    assert browser.get("/admin/knowledge").status_code == 403
    before = written()
    assert browser.post("/admin/knowledge/new", DOG).status_code == 403
    assert written() == before


def test_an_unknown_article_is_404(web, ctx):
    assert web("admin").get("/admin/knowledge/999999").status_code == 404
