"""Two people act on one ticket at once: one wins, the other gets 409 (SPEC §10)."""
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from hotline.extensions import db
from hotline.tickets import service
from hotline.tickets.models import Ticket, TicketEvent

ROUNDS = 10
# How long the winner keeps the ticket locked before applying its action: long enough for
# the rival request, released by the same barrier, to reach the ticket while it is held.
# Without the pause a fast winner could commit before the rival starts, and the race
# would test nothing.
HOLD = 0.05
RACES = {
    "sign": ("dispatched", {}, "accepted"),
    "reply": ("accepted", {"result": "已联系物业完成维修", "outcome": "resolved"}, "replied"),
}


def _is_postgresql(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _holding(get_ticket):
    """get_ticket that keeps a locked ticket a moment longer, so that rivals overlap."""
    def held(number, user, for_update=False):
        ticket = get_ticket(number, user, for_update=for_update)
        if for_update:
            time.sleep(HOLD)
        return ticket
    return held


def _race(app, monkeypatch, headers, *requests):
    """POST each (path, body) from its own thread, all released together; return statuses."""
    barrier = threading.Barrier(len(requests), timeout=30)
    statuses = []

    def post(path, body):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            try:
                statuses.append(client.post(path, headers=headers, json=body).status_code)
            except Exception:  # TESTING re-raises what production answers with a 500
                statuses.append(500)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post, args=request) for request in requests]
    with monkeypatch.context() as patch:
        patch.setattr(service, "get_ticket", _holding(service.get_ticket))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return sorted(statuses)


@pytest.mark.parametrize("action", RACES)
def test_simultaneous_actions_have_exactly_one_winner(app, factory, auth, monkeypatch, action):
    state, body, won_state = RACES[action]
    headers = auth.headers("dept_housing")
    for _ in range(ROUNDS):
        ticket = factory.ticket(state)
        number, version = ticket.number, ticket.version
        # The main thread must hold no transaction (on SQLite: no write lock) during the race.
        db.session.remove()

        request = (f"/api/v1/tickets/{number}/{action}", body)
        statuses = _race(app, monkeypatch, headers, request, request)

        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        events = db.session.scalar(select(func.count(TicketEvent.id)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.action == action))
        assert statuses == [200, 409]
        assert (ticket.state, ticket.version, events) == (won_state, version + 1, 1)
        db.session.remove()


def test_crossed_merges_leave_one_ticket_open(app, factory, auth, monkeypatch, request):
    headers = auth.headers("operator1")
    for _ in range(ROUNDS):
        first, second = factory.ticket("received").number, factory.ticket("received").number
        db.session.remove()

        statuses = _race(app, monkeypatch, headers,
                         (f"/api/v1/tickets/{first}/merge", {"target_number": second}),
                         (f"/api/v1/tickets/{second}/merge", {"target_number": first}))

        states = db.session.scalars(select(Ticket.state).where(
            Ticket.number.in_([first, second]))).all()
        assert statuses == [200, 409]
        assert sorted(states) == ["merged", "received"]
        db.session.remove()


def test_perform_locks_the_ticket_row_before_checking_it(app, factory, monkeypatch):
    if not _is_postgresql(app):
        pytest.skip("row locks (SELECT … FOR UPDATE) exist on PostgreSQL only; "
                    "SQLite serialises writers with BEGIN IMMEDIATE instead")
    ticket = factory.ticket("dispatched")
    probes = []

    def probed(get_ticket):
        def probe(number, user, for_update=False):
            found = get_ticket(number, user, for_update=for_update)
            # Before perform() writes anything, a rival must already be unable to lock the row.
            with db.engine.connect() as rival:
                try:
                    rival.execute(text("SELECT id FROM tickets WHERE id = :id FOR UPDATE NOWAIT"),
                                  {"id": found.id})
                    probes.append("free")
                except OperationalError:
                    probes.append("locked")
            return found
        return probe

    monkeypatch.setattr(service, "get_ticket", probed(service.get_ticket))
    service.perform(ticket.number, "sign", factory.user("dept_housing"), {})
    assert probes == ["locked"]
