"""Knowledge base articles (知识库): reading, listing, adding, changing and retiring them."""
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from hotline.audit import service as audit
from hotline.directory.models import Category, Department
from hotline.errors import InvalidInput, NotFound
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle
from hotline.timeutil import utcnow

# Admin list filters: every article, the ones operators see today, and the two ways to drop out.
STATUSES = {"all": "全部", "current": "生效中", "expired": "不在有效期", "retired": "已停用"}
REQUIRED = ("title", "body", "tags", "active")


def today():
    """The centre's local date: validity dates are days in the city, not in UTC."""
    return utcnow().astimezone(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])).date()


def current_clause(day):
    """SQL for "operators see it on `day`": active and within its validity dates."""
    return (KnowledgeArticle.active
            & (KnowledgeArticle.valid_from.is_(None) | (KnowledgeArticle.valid_from <= day))
            & (KnowledgeArticle.valid_until.is_(None) | (KnowledgeArticle.valid_until >= day)))


def get(article_id):
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound(f"知识条目 {article_id} 不存在")
    return article


def listing(q=None, status="all", day=None):
    """A select of the articles matching a search text and a status, most recently changed first."""
    day = day or today()
    stmt = select(KnowledgeArticle).order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc())
    if q:
        pattern = f"%{q}%"
        # Tags are a JSON list; its text form holds each tag, which is all a substring search needs.
        stmt = stmt.where(or_(KnowledgeArticle.title.ilike(pattern), KnowledgeArticle.body.ilike(pattern),
                              func.cast(KnowledgeArticle.tags, db.String).ilike(pattern)))
    if status == "current":
        stmt = stmt.where(current_clause(day))
    elif status == "retired":
        stmt = stmt.where(~KnowledgeArticle.active)
    elif status == "expired":
        stmt = stmt.where(KnowledgeArticle.active, ~current_clause(day))
    return stmt


def add(actor=None, **fields):
    _check(fields)
    article = KnowledgeArticle(**fields)
    db.session.add(article)
    db.session.flush()
    audit.record(actor, "knowledge", article.id, "create", None, article.to_dict())
    return article


def change(article_id, fields, actor=None):
    """Change the given fields; `active: False` alone is a retirement, and audited as one."""
    article = get(article_id)
    missing = [name for name in REQUIRED if name in fields and fields[name] is None]
    if missing:
        raise InvalidInput(f"不能清空：{'、'.join(missing)}", code="invalid_input",
                           details={name: "不能为空" for name in missing})
    _check({"valid_from": article.valid_from, "valid_until": article.valid_until} | fields)
    before = article.to_dict()
    changed = {name: value for name, value in fields.items() if getattr(article, name) != value}
    for name, value in changed.items():
        setattr(article, name, value)
    if not changed:
        return article
    db.session.flush()
    after = article.to_dict()
    names = sorted(changed)
    action = ("retire" if changed == {"active": False} else "enable" if changed == {"active": True}
              else "update")
    audit.record(actor, "knowledge", article.id, action, {k: before[k] for k in names},
                 {k: after[k] for k in names})
    return article


def _check(fields):
    category_id, department_id = fields.get("category_id"), fields.get("source_department_id")
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise InvalidInput(f"分类 {category_id} 不存在", code="unknown_category")
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise InvalidInput(f"来源单位 {department_id} 不存在", code="unknown_department")
    start, end = fields.get("valid_from"), fields.get("valid_until")
    if start is not None and end is not None and end < start:
        raise InvalidInput("失效日期不能早于生效日期", code="invalid_dates",
                           details={"valid_until": "不能早于生效日期"})
