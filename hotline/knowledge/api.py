"""Knowledge base endpoints: search for everyone at the centre, listing and editing for admins."""
import re
from datetime import date
from typing import Annotated, Literal

from flask import Blueprint, g, request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from hotline.api import json_body, respond
from hotline.api.models import Day, KnowledgeHit, Moment, Out
from hotline.api.openapi import document
from hotline.auth.access import CENTRE_STAFF, roles_required, token_required
from hotline.extensions import db
from hotline.knowledge import articles
from hotline.knowledge.search import search
from hotline.tickets import schemas
from hotline.tickets.workflow import Role

bp = Blueprint("knowledge_api", __name__)
CENTRE_ONLY = "知识库仅供热线中心使用"
ADMIN_ONLY = "只有管理员可以维护知识库"
ARTICLE_PATH = {"article_id": "条目编号"}
ARTICLE_WRITE = {400: "unknown_category、unknown_department、invalid_dates", 403: ""}

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value):
    """A calendar day written YYYY-MM-DD; the strict API takes no other spelling (no timestamps)."""
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise ValueError("日期应写作 YYYY-MM-DD")
    return date.fromisoformat(value)


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
Tag = schemas._text(1, 20)
Tags = Annotated[list[Tag], Field(max_length=10), AfterValidator(lambda tags: list(dict.fromkeys(tags)))]


class KnowledgeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: schemas._text(1, 500) = Field(description="来电内容或关键词")


class AdminKnowledgeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: schemas._text(1, 200) | None = Field(None, description="标题、正文或标签中的文字")
    status: Literal[tuple(articles.STATUSES)] = Field("all", description="all | current | expired | retired")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class ArticleInput(schemas.Input):
    title: schemas._text(2, 200)
    body: schemas._text(5, 20000)
    category_id: schemas.Id | None = None
    source_department_id: schemas.Id | None = None
    valid_from: IsoDate | None = Field(None, description="生效日期（含），YYYY-MM-DD")
    valid_until: IsoDate | None = Field(None, description="失效日期（含），YYYY-MM-DD")
    tags: Tags = Field(default_factory=list)
    active: bool = True


class ArticleChange(schemas.Input):
    """Only the fields given change; null clears category, source department or a date."""

    title: schemas._text(2, 200) | None = None
    body: schemas._text(5, 20000) | None = None
    category_id: schemas.Id | None = None
    source_department_id: schemas.Id | None = None
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    tags: Tags | None = None
    active: bool | None = None


class ArticleOut(Out):
    id: int
    title: str
    body: str
    category_id: int | None
    source_department_id: int | None
    valid_from: Day | None
    valid_until: Day | None
    tags: list[str]
    active: bool
    updated_at: Moment
    current: bool = Field(description="今天是否生效")


class ArticlePage(Out):
    items: list[ArticleOut]
    total: int
    page: int
    per_page: int


class KnowledgeHits(Out):
    items: list[KnowledgeHit]


def article_dict(article, day=None):
    return article.to_dict() | {"current": article.current_on(day or articles.today())}


@bp.get("/knowledge")
@token_required
@roles_required(CENTRE_STAFF, CENTRE_ONLY)
@document("知识库检索（仅生效中的条目）", query=KnowledgeQuery, response=KnowledgeHits, errors=(403,))
def search_knowledge():
    query = schemas.parse(KnowledgeQuery, request.args.to_dict())
    return respond(KnowledgeHits, {"items": search(query.q, k=10)})


@bp.get("/knowledge/<int:article_id>")
@token_required
@roles_required(CENTRE_STAFF, CENTRE_ONLY)
@document("知识条目", response=ArticleOut, path_params=ARTICLE_PATH, errors=(403, 404))
def get_article(article_id):
    return respond(ArticleOut, article_dict(articles.get(article_id)))


@bp.get("/admin/knowledge")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("知识条目列表（管理员；含已停用和过期的）", query=AdminKnowledgeQuery, response=ArticlePage, errors=(403,))
def list_articles():
    query = schemas.parse(AdminKnowledgeQuery, request.args.to_dict())
    day = articles.today()
    page = db.paginate(articles.listing(query.q, query.status, day), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return respond(ArticlePage, {"items": [article_dict(a, day) for a in page.items], "total": page.total,
                                 "page": query.page, "per_page": query.per_page})


@bp.post("/knowledge")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("新增知识条目（管理员）", body=ArticleInput, response=ArticleOut, status=201, errors=ARTICLE_WRITE)
def create_article():
    params = schemas.parse(ArticleInput, json_body())
    article = articles.add(g.user, **params.model_dump())
    db.session.commit()
    return respond(ArticleOut, article_dict(article), 201)


@bp.patch("/knowledge/<int:article_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("修改或停用知识条目（管理员）", body=ArticleChange, response=ArticleOut, path_params=ARTICLE_PATH,
          errors=ARTICLE_WRITE | {404: ""})
def change_article(article_id):
    params = schemas.parse(ArticleChange, json_body())
    article = articles.change(article_id, params.model_dump(exclude_unset=True), g.user)
    db.session.commit()
    return respond(ArticleOut, article_dict(article))
