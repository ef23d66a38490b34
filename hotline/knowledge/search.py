"""Text search over the articles in force today, rebuilt in each process when an article changes or the day turns."""
import threading
from dataclasses import dataclass, field

from sqlalchemy import func, select

from classifier.pipeline import compose_text
from classifier.similar import SimilarityIndex
from hotline.extensions import db
from hotline.knowledge import articles as knowledge_articles
from hotline.knowledge.models import KnowledgeArticle
from hotline.refresh import Refreshed, app_state


@dataclass
class _Built:
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamp: tuple | None = None
    index: SimilarityIndex | None = None
    titles: dict = field(default_factory=dict)


def _stamp(day):
    # Every article counts, not only current ones: a change to any (its dates, its retirement)
    # moves the latest updated_at. The day is in the stamp, so that an article whose validity
    # ends (or begins) at midnight drops out (or comes in) without anyone changing it.
    return (day, *db.session.execute(
        select(func.count(KnowledgeArticle.id), func.max(KnowledgeArticle.updated_at))
    ).one())


def _index_for_current_articles():
    """The search index of the articles in force today, rebuilt only when that set may differ."""
    day = knowledge_articles.today()
    stamp = _stamp(day)
    built = app_state("hotline.knowledge", _Built)
    with built.lock:
        if built.stamp != stamp:
            articles = db.session.execute(
                select(KnowledgeArticle.id, KnowledgeArticle.title, KnowledgeArticle.body)
                .where(knowledge_articles.current_clause(day))
            ).all()
            texts = [compose_text(a.title, a.body) for a in articles]
            # A caller's words meet a short title and a long body on different scales: each
            # article is indexed twice, by title and by title + body, and keeps the better score.
            index = SimilarityIndex(idf_texts=texts)
            ids, zeros = [a.id for a in articles], [0.0] * len(articles)
            index.add(ids + ids, [a.title for a in articles] + texts, zeros + zeros)
            built.stamp, built.index, built.titles = stamp, index, {a.id: a.title for a in articles}
        return built.index, built.titles


# Intake searches on every call; whether an article changed is looked up at most every refresh interval.
_current = Refreshed("knowledge", _index_for_current_articles)


def search(text, k=3, min_score=0.06):
    """[{id, title, score}] of the articles closest to the text."""
    index, titles = _current.get()
    best = {}
    for article_id, score in index.query(text, k=2 * k, min_score=min_score):
        best[article_id] = max(score, best.get(article_id, 0.0))
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [{"id": i, "title": titles[i], "score": round(score, 3)} for i, score in ranked]
