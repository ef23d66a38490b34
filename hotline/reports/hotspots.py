"""Hotspots (热点): groups of similar tickets in one area, with count, trend and heat score.

Texts become TF-IDF vectors over the classifier's jieba tokenizer; within each area,
DBSCAN on cosine distance groups tickets that have enough close neighbours, so a lone
complaint never forms a hotspot while a burst of near-identical ones does.
"""
from collections import Counter
from datetime import timedelta

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select

from classifier.pipeline import compose_text
from classifier.tokenize import tokenize
from hotline.extensions import db
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import State

# Two tickets are neighbours when their cosine similarity is at least 1 - MAX_DISTANCE.
MAX_DISTANCE = 0.6
MIN_TICKETS = 5
# Above this many tickets per window the most recent are used: hotspots are about now.
MAX_TICKETS = 30000
TERMS = 3
NO_AREA = "未填写"


def _tickets(start, end, department_id):
    stmt = (select(Ticket.number, Ticket.subject, Ticket.content, Ticket.address, Ticket.area,
                   Ticket.category_id)
            .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.state != State.INVALID)
            .order_by(Ticket.created_at.desc()).limit(MAX_TICKETS))
    if department_id is not None:
        stmt = stmt.where(Ticket.final_department_id == department_id)
    return db.session.execute(stmt).all()


def _text(row):
    return compose_text(row.subject or "", row.content, "")


def heat(count, previous):
    """count × (1 + rise), rise = growth over the previous window, between 0 and 1."""
    rise = max(0, count - previous) / max(count, previous, 1)
    return round(count * (1 + rise), 2)


def hotspots(now, days, department_id=None, limit=20):
    """The hottest groups of the last `days` days, compared with the `days` before them."""
    window = timedelta(days=days)
    current = _tickets(now - window, now, department_id)
    previous = _tickets(now - 2 * window, now - window, department_id)
    if len(current) < MIN_TICKETS:
        return []
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                 sublinear_tf=True, min_df=2, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform([_text(r) for r in current])
    except ValueError:  # no word occurs twice: nothing can be similar
        return []
    old = vectorizer.transform([_text(r) for r in previous]) if previous else None
    terms = vectorizer.get_feature_names_out()
    found = []
    for area in sorted({r.area or NO_AREA for r in current}):
        members = [i for i, r in enumerate(current) if (r.area or NO_AREA) == area]
        if len(members) < MIN_TICKETS:
            continue
        labels = DBSCAN(eps=MAX_DISTANCE, min_samples=MIN_TICKETS, metric="cosine",
                        algorithm="brute").fit_predict(matrix[members])
        before = [i for i, r in enumerate(previous) if (r.area or NO_AREA) == area]
        for label in set(labels) - {-1}:
            group = [members[i] for i in np.flatnonzero(labels == label)]
            found.append(_describe(area, group, current, matrix, terms,
                                   _previous_count(matrix[group], old[before] if before else None)))
    found.sort(key=lambda h: (-h["heat"], -h["count"], h["area"]))
    for rank, hotspot in enumerate(found[:limit], 1):
        hotspot["rank"] = rank
    return found[:limit]


def _previous_count(group_matrix, old_matrix):
    """Tickets of the previous window that would have been neighbours of the group."""
    if old_matrix is None:
        return 0
    similarity = (old_matrix @ group_matrix.T).toarray()
    return int((similarity.max(axis=1) >= 1 - MAX_DISTANCE).sum())


def _describe(area, group, rows, matrix, terms, previous):
    centroid = np.asarray(matrix[group].mean(axis=0)).ravel()
    top = [terms[i] for i in np.argsort(centroid)[::-1][:TERMS] if centroid[i] > 0]
    categories = Counter(rows[i].category_id for i in group if rows[i].category_id)
    return {
        "area": area,
        "topic": "、".join(top),
        "terms": top,
        "count": len(group),
        "previous_count": previous,
        "trend": len(group) - previous,
        "heat": heat(len(group), previous),
        "category_id": categories.most_common(1)[0][0] if categories else None,
        "example": _text(rows[group[0]])[:200],
        "ticket_numbers": [rows[i].number for i in group],
    }
