"""Knowledge base endpoints: search for everyone at the centre, editing for admins."""
from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import json_body
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.auth.access import CENTRE_STAFF, roles_required, token_required
from hotline.extensions import db
from hotline.knowledge import articles
from hotline.knowledge.search import search
from hotline.tickets import schemas
from hotline.tickets.workflow import Role

bp = Blueprint("knowledge_api", __name__)
CENTRE_ONLY = "知识库仅供热线中心使用"


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


@bp.get("/knowledge")
@token_required
@roles_required(CENTRE_STAFF, CENTRE_ONLY)
@document("知识库检索", query=KnowledgeQuery, response=KnowledgeHits)
def search_knowledge():
    query = schemas.parse(KnowledgeQuery, request.args.to_dict())
    return jsonify(items=search(query.q, k=10))


@bp.get("/knowledge/<int:article_id>")
@token_required
@roles_required(CENTRE_STAFF, CENTRE_ONLY)
@document("知识条目", response=ArticleOut, path_params={"article_id": "条目编号"})
def get_article(article_id):
    return jsonify(articles.get(article_id).to_dict())


@bp.post("/knowledge")
@token_required
@roles_required({Role.ADMIN}, "只有管理员可以维护知识库")
@document("新增知识条目（管理员）", body=ArticleInput, response=ArticleOut, status=201)
def create_article():
    params = schemas.parse(ArticleInput, json_body())
    article = articles.add(g.user, **params.model_dump())
    db.session.commit()
    return jsonify(article.to_dict()), 201
