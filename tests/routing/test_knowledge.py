"""The knowledge base: search at intake and by hand, and editing by admins."""
import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle


@pytest.mark.parametrize("question, title", [
    ("楼道里有很浓的煤气味，好像燃气泄漏了", "燃气泄漏应急处置与报修电话"),
    ("我想问一下公积金怎么提取", "住房公积金提取条件与办理渠道"),
    ("公司拖欠工资三个月了怎么办", "拖欠工资的维权途径"),
])
def test_search_finds_the_policy_answer(api, question, title):
    response = api("operator1").get("/knowledge", query_string={"q": question})
    assert response.status_code == 200
    assert response.json["items"][0]["title"] == title


def test_suggestions_offer_knowledge(api):
    response = api("operator1").post("/classify", json={"content": "请问居住证怎么办理，需要带什么材料"})
    assert response.json["knowledge"][0]["title"] == "居住证办理条件和所需材料"


def test_new_article_is_searchable_at_once(api):
    created = api("admin").post("/knowledge", json={
        "title": "犬只登记与文明养犬",
        "body": "养犬人应当在取得犬只后三十日内到所在地派出所办理养犬登记，携犬出户应束犬链。"})
    assert created.status_code == 201
    found = api("operator1").get("/knowledge", query_string={"q": "狗狗怎么办登记"}).json["items"]
    assert found[0]["id"] == created.json["id"]
    assert api("operator1").get(f"/knowledge/{created.json['id']}").json["body"].startswith("养犬人")


@pytest.mark.parametrize("username, body, status", [
    ("operator1", {"title": "标题标题", "body": "正文内容足够长"}, 403),
    ("admin", {"title": "标题标题"}, 400),
    ("admin", {"title": "标题标题", "body": "正文内容足够长", "category_id": 999999}, 400),
])
def test_article_editing_is_checked(api, ctx, username, body, status):
    before = db.session.scalar(select(func.count(KnowledgeArticle.id)))
    assert api(username).post("/knowledge", json=body).status_code == status
    assert db.session.scalar(select(func.count(KnowledgeArticle.id))) == before


def test_departments_do_not_search_the_centre_knowledge_base(api):
    assert api("dept_housing").get("/knowledge", query_string={"q": "公积金"}).status_code == 403
