"""Knowledge base endpoints: search for everyone at the centre, editing for admins."""
from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import bp, json_body, login_required
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.directory.models import Category
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle
from hotline.knowledge.search import search
from hotline.tickets import schemas
from hotline.tickets.workflow import Role


class KnowledgeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: schemas._text(1, 500) = Field(description="来电内容或关键词")


class ArticleInput(schemas.Input):
    title: schemas._text(2, 200)
    body: schemas._text(5, 20000)
    category_id: schemas.Id | None = None
    active: bool = True


class ArticleOut(Out):
    id: int
    title: str
    body: str
    category_id: int | None
    active: bool


class KnowledgeHits(Out):
    items: list[dict]


def _centre_staff():
    if not g.user.is_centre_staff:
        raise Forbidden("知识库仅供热线中心使用")


@bp.get("/knowledge")
@login_required
@document("知识库检索", query=KnowledgeQuery, response=KnowledgeHits)
def search_knowledge():
    _centre_staff()
    query = schemas.parse(KnowledgeQuery, request.args.to_dict())
    return jsonify(items=search(query.q, k=10))


@bp.get("/knowledge/<int:article_id>")
@login_required
@document("知识条目", response=ArticleOut, path_params={"article_id": "条目编号"})
def get_article(article_id):
    _centre_staff()
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound(f"知识条目 {article_id} 不存在")
    return jsonify(article.to_dict())


@bp.post("/knowledge")
@login_required
@document("新增知识条目（管理员）", body=ArticleInput, response=ArticleOut, status=201)
def create_article():
    if not g.user.has_role(Role.ADMIN):
        raise Forbidden("只有管理员可以维护知识库")
    params = schemas.parse(ArticleInput, json_body())
    if params.category_id is not None and db.session.get(Category, params.category_id) is None:
        raise InvalidInput(f"分类 {params.category_id} 不存在", code="unknown_category")
    article = KnowledgeArticle(**params.model_dump())
    db.session.add(article)
    db.session.commit()
    return jsonify(article.to_dict()), 201
