"""Knowledge base articles (知识库): reading and adding them."""
from hotline.audit import service as audit
from hotline.directory.models import Category
from hotline.errors import InvalidInput, NotFound
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle


def get(article_id):
    article = db.session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound(f"知识条目 {article_id} 不存在")
    return article


def add(actor=None, category_id=None, **fields):
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise InvalidInput(f"分类 {category_id} 不存在", code="unknown_category")
    article = KnowledgeArticle(category_id=category_id, **fields)
    db.session.add(article)
    db.session.flush()
    audit.record(actor, "knowledge", article.id, "create", None, article.to_dict())
    return article
