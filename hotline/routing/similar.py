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
# Up to this many open tickets the first build is quick enough to do during the request.
INLINE_BUILD_LIMIT = 5000


class TicketIndex:
    """One process's index of recent open tickets, topped up from the table as it grows.

    Closed and expired tickets stay in the index until the next pruning (every
    HOTLINE_SIMILAR_PRUNE_SECONDS, in the background); find_similar() confirms the state of
    every hit in the database. A large first build runs in a background thread so that no
    operator waits for it; meanwhile only same-phone matches are offered.
    """

    def __init__(self, app, idf_texts):
        self.app = app
        self.idf_texts = idf_texts
        self.window = timedelta(days=app.config["HOTLINE_SIMILAR_DAYS"])
        self.prune_seconds = app.config["HOTLINE_SIMILAR_PRUNE_SECONDS"]
        self.index, self.last_id, self.pruned_at, self.building, self.pruning = None, 0, 0.0, False, False
        self.lock = threading.Lock()

    def current(self, now):
        """The index with every ticket created since the last look, or None while building."""
        newest = db.session.scalar(select(db.func.max(Ticket.id))) or 0
        with self.lock:
            # A table that shrank (restored from a backup) invalidates what we indexed.
            start_build = (self.index is None or newest < self.last_id) and not self.building
            self.building = self.building or start_build
            start_prune = (not start_build and not self.building and not self.pruning
                           and time.monotonic() - self.pruned_at > self.prune_seconds)
            self.pruning = self.pruning or start_prune
        if start_build:
            if self._open_count(now) <= INLINE_BUILD_LIMIT:
                self._build(now)
            else:
                threading.Thread(target=self._in_context, args=(self._build, now), daemon=True).start()
        elif start_prune:
            threading.Thread(target=self._in_context, args=(self._prune, now), daemon=True).start()
        with self.lock:
            if self.index is not None and newest > self.last_id:
                self.last_id = self._add_rows(self.index, self.last_id, now)
            return self.index

    def _open_count(self, now):
        return db.session.scalar(select(db.func.count(Ticket.id)).where(*self._recent_open(now)))

    def _recent_open(self, now):
        return Ticket.created_at >= now - self.window, Ticket.state.in_(OPEN_STATES)

    def _in_context(self, work, now):
        with self.app.app_context():
            work(now)

    def _prune(self, now):
        """Drop closed and expired tickets: a list of ids from the table, no re-vectorising."""
        try:
            index = self.index
            wanted = db.session.scalars(select(Ticket.id).where(*self._recent_open(now))).all()
            db.session.commit()
            index.retain(wanted)
        finally:
            with self.lock:
                self.pruning, self.pruned_at = False, time.monotonic()

    def _build(self, now):
        index = SimilarityIndex(self.idf_texts)
        try:
            rows = self._fetch(0, now)
            # Vectorising takes a while: end the read first, so that SQLite's lock is free.
            db.session.commit()
            last_id = self._index_rows(index, rows, 0)
        finally:
            with self.lock:
                self.building = False
        with self.lock:
            self.index, self.last_id, self.pruned_at = index, last_id, time.monotonic()

    def _add_rows(self, index, after_id, now):
        # Only the primary key narrows the newest rows well: filtered by time and state as well,
        # SQLite's planner may walk one of those indexes instead, over the whole window.
        rows = db.session.execute(
            select(Ticket.id, Ticket.subject, Ticket.content, Ticket.created_at, Ticket.state)
            .where(Ticket.id > after_id).order_by(Ticket.id)
        ).all()
        since = now - self.window
        wanted = [r for r in rows if r.created_at >= since and r.state in OPEN_STATES]
        self._index_rows(index, wanted, after_id)
        return rows[-1].id if rows else after_id

    def _fetch(self, after_id, now):
        return db.session.execute(
            select(Ticket.id, Ticket.subject, Ticket.content, Ticket.created_at)
            .where(Ticket.id > after_id, *self._recent_open(now))
            .order_by(Ticket.id)
        ).all()

    @staticmethod
    def _index_rows(index, rows, after_id):
        if rows:
            index.add([r.id for r in rows], [compose_text(r.subject, r.content) for r in rows],
                      [r.created_at.timestamp() for r in rows])
            after_id = rows[-1].id
        return after_id


def ticket_index():
    app = current_app._get_current_object()
    with _lock:
        if id(app) not in _indexes:
            _indexes[id(app)] = TicketIndex(app, seed_corpus()[0])
        return _indexes[id(app)]


def find_similar(text, phone, now, exclude_id=None, limit=5):
    """[{number, score, reason}] from similar open texts and earlier calls from the phone.

    Texts are subject and content without the address: neighbours share an address but
    seldom a problem, and the operator sees the address beside each match anyway.
    """
    config = current_app.config
    index = ticket_index().current(now)
    since = (now - timedelta(days=config["HOTLINE_SIMILAR_DAYS"])).timestamp()
    hits = index.query(text, k=limit * 3, since=since,
                       exclude={exclude_id} if exclude_id else (),
                       min_score=config["HOTLINE_SIMILAR_MIN_SCORE"]) if index else []
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
