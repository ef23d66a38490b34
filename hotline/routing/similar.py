"""Similar open tickets and earlier calls from the same phone, for merging (并单)."""
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from classifier.pipeline import compose_text
from classifier.similar import SimilarityIndex
from hotline.extensions import db
from hotline.routing.training import seed_corpus
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import OPEN_STATES

_indexes = {}
_lock = threading.Lock()


class TicketIndex:
    """One process's index of recent open tickets, topped up from the table as it grows."""

    def __init__(self, idf_texts, window_days, rebuild_seconds):
        self.idf_texts = idf_texts
        self.window = timedelta(days=window_days)
        self.rebuild_seconds = rebuild_seconds
        self.index = None
        self.built_at = 0.0
        self.last_id = 0
        self.lock = threading.Lock()

    def refresh(self, now):
        """Add tickets created since the last look; rebuild now and then to drop closed ones."""
        with self.lock:
            # A table that shrank (restored from a backup) invalidates what we indexed.
            shrunk = (db.session.scalar(select(db.func.max(Ticket.id))) or 0) < self.last_id
            if shrunk or self.index is None or time.monotonic() - self.built_at > self.rebuild_seconds:
                self.index, self.last_id = SimilarityIndex(self.idf_texts), 0
                self.built_at = time.monotonic()
            rows = db.session.execute(
                select(Ticket.id, Ticket.subject, Ticket.content, Ticket.created_at)
                .where(Ticket.id > self.last_id, Ticket.created_at >= now - self.window,
                       Ticket.state.in_(OPEN_STATES))
                .order_by(Ticket.id)
            ).all()
            if rows:
                self.index.add([r.id for r in rows],
                               [compose_text(r.subject, r.content) for r in rows],
                               [r.created_at.timestamp() for r in rows])
                self.last_id = rows[-1].id
            return self.index


def ticket_index():
    app = current_app._get_current_object()
    with _lock:
        if id(app) not in _indexes:
            _indexes[id(app)] = TicketIndex(
                seed_corpus()[0], app.config["HOTLINE_SIMILAR_DAYS"],
                app.config["HOTLINE_SIMILAR_REBUILD_SECONDS"],
            )
        return _indexes[id(app)]


def find_similar(text, phone, now, exclude_id=None, limit=5):
    """[{number, score, reason}] from similar open texts and earlier calls from the phone.

    Texts are subject and content without the address: neighbours share an address but
    seldom a problem, and the operator sees the address beside each match anyway.
    """
    config = current_app.config
    index = ticket_index().refresh(now)
    since = (now - timedelta(days=config["HOTLINE_SIMILAR_DAYS"])).timestamp()
    hits = index.query(text, k=limit * 3, since=since,
                       exclude={exclude_id} if exclude_id else (),
                       min_score=config["HOTLINE_SIMILAR_MIN_SCORE"])
    found = {}
    if hits:
        scores = dict(hits)
        # The index may be a few minutes behind on closures: confirm the state here.
        for ticket_id, number in db.session.execute(
            select(Ticket.id, Ticket.number).where(Ticket.id.in_(scores),
                                                   Ticket.state.in_(OPEN_STATES))
        ):
            found[number] = {"number": number, "score": round(scores[ticket_id], 3), "reason": "text"}
    if phone:
        for number, in db.session.execute(
            select(Ticket.number).where(Ticket.caller_phone == phone, Ticket.id != (exclude_id or 0))
            .order_by(Ticket.id.desc()).limit(limit)
        ):
            found.setdefault(number, {"number": number, "score": 1.0, "reason": "same_phone"})
    return sorted(found.values(), key=lambda s: (-s["score"], s["number"]))[: limit * 2]
