"""Text search over active articles, rebuilt in each process when an article changes."""
import threading

from flask import current_app
from sqlalchemy import func, select

from classifier.pipeline import compose_text
from classifier.similar import SimilarityIndex
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle

_lock = threading.Lock()
_states = {}


def _stamp():
    return tuple(db.session.execute(
        select(func.count(KnowledgeArticle.id), func.max(KnowledgeArticle.updated_at))
        .where(KnowledgeArticle.active)
    ).one())


def _current():
    stamp = _stamp()
    with _lock:
        state = _states.setdefault(id(current_app._get_current_object()), {"stamp": None})
        if state["stamp"] != stamp:
            articles = db.session.execute(
                select(KnowledgeArticle.id, KnowledgeArticle.title, KnowledgeArticle.body)
                .where(KnowledgeArticle.active)
            ).all()
            texts = [compose_text(a.title, a.body) for a in articles]
            index = SimilarityIndex(idf_texts=texts)
            index.add([a.id for a in articles], texts, [0.0] * len(articles))
            state.update(stamp=stamp, index=index, titles={a.id: a.title for a in articles})
        return state["index"], state["titles"]


def search(text, k=3, min_score=0.12):
    """[{id, title, score}] of the articles closest to the text."""
    index, titles = _current()
    return [{"id": i, "title": titles[i], "score": round(score, 3)}
            for i, score in index.query(text, k=k, min_score=min_score)]
