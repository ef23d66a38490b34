"""Similar open tickets and earlier calls from the same phone, for merging (并单).

Each process keeps an index of the recent open tickets (`TicketIndex`, one per app in
app.extensions). Requests only read it and top it up with the rows created since they last
looked, inside their own transaction: they never commit and never start a thread. Building
the index over a large table and pruning closed tickets from it are the maintainer's work, a
thread that each web worker starts when it boots (`start_maintainer`, from gunicorn's
post_worker_init hook), with its own app context and session. Without a maintainer (the CLI,
tests, `flask run`) a small table is indexed inside the first request that needs it.
"""
import functools
import gc
import logging
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import aliased

from classifier.pipeline import compose_text
from classifier.repeats import NEAR_COPY, RepeatIndex
from classifier.similar import SimilarityIndex
from hotline.extensions import db
from hotline.refresh import app_state
from hotline.routing.training import seed_corpus
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import OPEN_STATES
from hotline.timeutil import utcnow

log = logging.getLogger(__name__)
# Up to this many open tickets a request without a maintainer indexes them itself.
INLINE_BUILD_LIMIT = 5000
# How often the maintainer looks whether the index needs building or pruning.
MAINTAIN_POLL_SECONDS = 5
# PostgreSQL hands out ids at INSERT, so a ticket may commit after one with a higher id that was
# already indexed. An id missing below the newest seen is looked for again, with the rows after it,
# until it appears or this long has passed (an insert rolled back leaves its id unused for good).
GAP_SECONDS = 120
# The maintainer reads and indexes the window's texts this many at a time.
BUILD_BATCH = 10_000
# A jump in ids wider than this is not transactions overtaking one another (a sequence moved on, rows
# deleted): such holes are not looked for.
GAP_SPAN = 1000


# What the index reads of each ticket.
_INDEXED = (Ticket.id, Ticket.subject, Ticket.content, Ticket.address, Ticket.created_at)
# What a top-up reads: the same, and the state (a row is indexed only while open).
_TOPPED_UP = (*_INDEXED, Ticket.state)


class TicketIndex:
    """One process's index of recent open tickets, topped up from the table as it grows.

    Two indexes are kept side by side: `index`, character n-grams of what the callers said (near
    copies), and `repeats`, place names and topic of what they said with the address (the same
    incident in other words, classifier.repeats).

    Closed and expired tickets stay in the index until the maintainer prunes them (every
    HOTLINE_SIMILAR_PRUNE_SECONDS); find_similar() confirms the state of every hit in the
    database, so they are never offered meanwhile.
    """

    def __init__(self, app):
        self.window = timedelta(days=app.config["HOTLINE_SIMILAR_DAYS"])
        self.prune_seconds = app.config["HOTLINE_SIMILAR_PRUNE_SECONDS"]
        self.max_tickets = app.config["HOTLINE_SIMILAR_MAX_TICKETS"]
        self.index, self.repeats, self.last_id, self.pruned_at = None, None, 0, 0.0
        self.maintained, self.stale = False, False
        self.gaps = {}  # id not yet visible -> when it was first missed (time.monotonic())
        self.lock = threading.Lock()
        self._idf_texts = None

    @property
    def idf_texts(self):
        if self._idf_texts is None:
            self._idf_texts = seed_corpus()[0]
        return self._idf_texts

    def current(self, now):
        """In a request: the index with every ticket created since the last look, or None
        while it waits for the maintainer."""
        if self.maintained:
            # One query: the rows after the last one indexed. Whether the table shrank (a restore) is
            # the maintainer's question, every few seconds, not every request's.
            with self.lock:
                if self.index is None or self.stale:
                    return None
                self.last_id = self._add_rows(self.last_id, now)
                return self.index
        newest = db.session.scalar(select(db.func.max(Ticket.id))) or 0
        with self.lock:
            # A table that shrank (restored from a backup) invalidates what we indexed.
            self.stale = self.stale or newest < self.last_id
            needs_build = self.index is None or self.stale
        if needs_build and not self.maintained and self._open_count(now) <= INLINE_BUILD_LIMIT:
            self.build(now)
        with self.lock:
            if self.index is not None and not self.stale and (newest > self.last_id or self.gaps):
                self.last_id = self._add_rows(self.last_id, now)
            return None if self.stale else self.index

    def build(self, now):
        """Index the recent open tickets (the newest max_tickets of them), replacing what was there."""
        index, repeats = SimilarityIndex(self.idf_texts), RepeatIndex(self.idf_texts)
        newest = db.session.scalar(select(db.func.max(Ticket.id))) or 0
        ids = self._wanted_ids(now, Ticket.id <= newest)
        # The newest ids of any state: those missing below `newest` may belong to transactions
        # still open, to be looked for again (see GAP_SECONDS).
        visible = set(db.session.scalars(select(Ticket.id).where(Ticket.id > newest - GAP_SPAN)))
        if self.maintained:
            # The maintainer's own read ends here, so that SQLite's lock is free while it vectorises.
            db.session.commit()
        # The texts in batches, each read in a short transaction of its own: the whole window at once
        # would hold every text, and its vectors' temporaries, in memory together.
        for start in range(0, len(ids), BUILD_BATCH):
            batch = ids[start:start + BUILD_BATCH]
            rows = db.session.execute(select(*_INDEXED).where(Ticket.id.in_(batch)).order_by(Ticket.id)).all()
            if self.maintained:
                db.session.commit()
            self._index_rows(index, repeats, rows)
        clock = time.monotonic()
        gaps = {i: clock for i in range(max(newest - GAP_SPAN + 1, 1), newest) if i not in visible}
        with self.lock:
            self.index, self.repeats, self.gaps = index, repeats, gaps
            self.last_id, self.pruned_at, self.stale = newest, clock, False

    def prune(self, now):
        """Drop closed and expired tickets (and the oldest beyond max_tickets): a list of ids from the
        table, no re-vectorising."""
        wanted = self._wanted_ids(now)
        db.session.commit()
        self.index.retain(wanted)
        self.repeats.retain(wanted)
        self.pruned_at = time.monotonic()

    def maintain_once(self, now):
        """The maintainer's round: build when missing or stale, else prune when due."""
        if self.index is not None and not self.stale:
            indexed = self.last_id  # read first: requests may index newer rows meanwhile
            newest = db.session.scalar(select(db.func.max(Ticket.id))) or 0
            db.session.commit()
            if newest < indexed:  # the table shrank (restored from a backup): what we indexed is wrong
                with self.lock:
                    self.stale = True
        if self.index is None or self.stale:
            self.build(now)
            if self.maintained:
                # A large index is several hundred thousand long-lived objects: moved out of the
                # cyclic collector's sight, a full collection no longer walks them all, which would
                # stall whichever request triggers it (about 2 s over 100,000 tickets).
                gc.freeze()
        elif time.monotonic() - self.pruned_at > self.prune_seconds:
            self.prune(now)

    def _wanted_ids(self, now, *where):
        """The ids of the recent open tickets to index, in ascending order: the newest max_tickets."""
        newest_first = db.session.scalars(
            select(Ticket.id).where(*self._recent_open(now), *where).order_by(Ticket.id.desc()).limit(self.max_tickets)
        ).all()
        return newest_first[::-1]

    def _open_count(self, now):
        return db.session.scalar(select(db.func.count(Ticket.id)).where(*self._recent_open(now)))

    def _recent_open(self, now):
        return Ticket.created_at >= now - self.window, Ticket.state.in_(OPEN_STATES)

    def _add_rows(self, after_id, now):
        """Index the rows after `after_id` and those of earlier gaps that appeared; returns the
        newest id seen. Called with the lock held."""
        # Only the primary key narrows the newest rows well: filtered by time and state as well,
        # SQLite's planner may walk one of those indexes instead, over the whole window.
        if self.gaps:
            # A union, not an OR: SQLite walks the whole table for `id > ? OR id IN (…)`.
            query = union_all(select(*_TOPPED_UP).where(Ticket.id > after_id),
                              select(*_TOPPED_UP).where(Ticket.id.in_(list(self.gaps))))
            rows = db.session.execute(query.order_by(Ticket.id.name)).all()
        else:
            rows = db.session.execute(_statements().rows_after, {"after": after_id}).all()
        since = now - self.window
        self._index_rows(self.index, self.repeats,
                         [r for r in rows if r.created_at >= since and r.state in OPEN_STATES])
        return self._note_gaps(after_id, [r.id for r in rows])

    def _note_gaps(self, after_id, seen):
        """Forget the gaps now filled or too old, remember the new ones; returns the newest id."""
        clock, gaps = time.monotonic(), self.gaps
        expected = after_id + 1
        for ticket_id in seen:
            gaps.pop(ticket_id, None)
            if ticket_id >= expected:
                if ticket_id - expected <= GAP_SPAN:
                    gaps.update(dict.fromkeys(range(expected, ticket_id), clock))
                expected = ticket_id + 1
        for ticket_id in [i for i, missed in gaps.items() if clock - missed > GAP_SECONDS]:
            del gaps[ticket_id]
        return max(after_id, expected - 1)

    @staticmethod
    def _index_rows(index, repeats, rows):
        if rows:
            ids, times = [r.id for r in rows], [r.created_at.timestamp() for r in rows]
            index.add(ids, [compose_text(r.subject, r.content) for r in rows], times)
            repeats.add(ids, [compose_text(r.subject, r.content, r.address) for r in rows], times)


def ticket_index():
    app = current_app._get_current_object()
    return app_state("hotline.similar", lambda: TicketIndex(app))


def start_maintainer(app, poll_seconds=MAINTAIN_POLL_SECONDS):
    """Start this process's maintainer thread (at worker boot, never in a request); returns
    the event that stops it."""
    with app.app_context():
        index = ticket_index()
    index.maintained = True
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    index.maintain_once(utcnow())
                except Exception:  # a database hiccup must not end the thread: try again later
                    db.session.rollback()
                    log.exception("similarity index maintenance failed")
            stop.wait(poll_seconds)

    threading.Thread(target=loop, name="similar-index", daemon=True).start()
    return stop


def find_similar(text, phone, now, exclude_id=None, limit=5, address=None, groups=None):
    """[{number, score, reason, …}] from open tickets of the same incident, similar open texts and
    earlier calls from the phone.

    reason "same_incident": the same place (address, estate, road … in the address or what was said)
    and the same problem, with `place` (the shared place name), `place_kind` and `topic` (how similar
    the problem is, 0–1) so that the operator sees why; "text": what was said is much alike;
    "same_phone": an earlier call from the phone. Texts alike but placed elsewhere are left out.

    `groups`, a dict, receives what repeat_group() needs of each open ticket offered (from the query
    that confirms their state, so that intake asks the database once).
    """
    config = current_app.config
    tickets = ticket_index()
    index = tickets.current(now)
    since = (now - timedelta(days=config["HOTLINE_SIMILAR_DAYS"])).timestamp()
    exclude = {exclude_id} if exclude_id else set()
    offers = []
    if index is not None:
        hits = index.query(text, k=limit * 3, since=since, exclude=exclude,
                           min_score=config["HOTLINE_SIMILAR_MIN_SCORE"])
        offers = tickets.repeats.offers(compose_text(None, text, address), hits, k=limit,
                                        since=since, exclude=exclude)
    found = {}
    if offers:
        by_id = {o["id"]: o for o in offers}
        # The index may be a few minutes behind on closures: confirm the state here.
        for ticket_id, number, created_at, merged in db.session.execute(_statements().open_by_id,
                                                                        {"ids": list(by_id)}):
            if groups is not None:
                groups[number] = (created_at, ticket_id, merged)
            offer = {k: v for k, v in by_id[ticket_id].items() if k != "id"}
            found[number] = {"number": number} | offer | {"score": round(offer["score"], 3)}
    if phone:
        for number, in db.session.execute(_statements().same_phone,
                                          {"phone": phone, "exclude": exclude_id or 0, "limit": limit}):
            found.setdefault(number, {"number": number, "score": 1.0, "reason": "same_phone"})
    return sorted(found.values(), key=lambda s: (_rank(s), -s["score"], s["number"]))[: limit * 2]


def _rank(offer):
    """The same incident (or a copy of the call) first, then the caller's own calls, then texts alike."""
    if offer["reason"] == "same_incident" or offer["score"] >= NEAR_COPY and offer["reason"] == "text":
        return 0
    return 1 if offer["reason"] == "same_phone" else 2


def is_same_incident(offer):
    return offer["reason"] == "same_incident" or (offer["reason"] == "text" and offer["score"] >= NEAR_COPY)


class _Statements:
    """Intake's statements, built once (statements are immutable, their values bound at execution):
    building each again, with its cache key, cost about as much as running it, and the alias and
    grouped join of the open tickets about half a millisecond."""

    def __init__(self):
        self.rows_after = select(*_TOPPED_UP).where(Ticket.id > bindparam("after")).order_by(Ticket.id)
        # Open tickets with their number, time and how many tickets were merged into each.
        merged = aliased(Ticket, name="merged")
        open_tickets = (select(Ticket.id, Ticket.number, Ticket.created_at, db.func.count(merged.id))
                        .outerjoin(merged, merged.duplicate_of_id == Ticket.id)
                        .where(Ticket.state.in_(OPEN_STATES)).group_by(Ticket.id, Ticket.number, Ticket.created_at))
        self.open_by_id = open_tickets.where(Ticket.id.in_(bindparam("ids", expanding=True)))
        self.open_by_number = open_tickets.where(Ticket.number.in_(bindparam("numbers", expanding=True)))
        self.same_phone = (select(Ticket.number)
                           .where(Ticket.caller_phone == bindparam("phone"), Ticket.id != bindparam("exclude"))
                           .order_by(Ticket.id.desc()).limit(bindparam("limit")))


@functools.cache
def _statements():
    return _Statements()


def repeat_group(similar, groups=None):
    """{number, calls} of the incident the offers belong to, or None: the earliest open ticket of the
    same incident (the one to merge into) and how many calls the incident has had so far — its open
    tickets offered here and the tickets already merged into them. `groups` is what find_similar()
    gathered; without it the database is asked."""
    numbers = [s["number"] for s in similar if is_same_incident(s)]
    if not numbers:
        return None
    if groups is None:
        groups = {number: (created_at, ticket_id, merged) for ticket_id, number, created_at, merged
                  in db.session.execute(_statements().open_by_number, {"numbers": numbers})}
    members = sorted(groups[n] + (n,) for n in set(numbers) if n in groups)
    if not members:
        return None
    return {"number": members[0][3], "calls": len(members) + sum(m[2] for m in members)}
