"""Shared pieces of the HTTP tests: fast tokens, committed tickets, database snapshots.

Test modules import the fixtures they use (`from tests.api.support import api, ...`), so
that these definitions apply to those modules only.
"""
import pytest
from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.auth.tokens import issue_token
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets.models import Assignment, ExtensionRequest, Revisit, Ticket, TicketEvent
from tests.factories import Factory

WRITTEN = (Ticket, TicketEvent, Assignment, ExtensionRequest, Revisit)


def assert_error(response, status, code=None):
    """The response is the API's one error format with this status (and code); returns it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.fixture(scope="session")
def tokens(app):
    """One token per user for the session, issued directly: each login runs scrypt (~0.2 s)."""
    cache = {}

    def token(username):
        if username not in cache:
            with app.app_context():
                user = db.session.scalar(select(User).where(User.username == username))
                cache[username] = issue_token(user)
        return cache[username]

    return token


@pytest.fixture
def api(client, tokens):
    """Call the API as a demo user: api("operator1").post("/tickets", json=...)."""
    class As:
        def __init__(self, username):
            self.headers = {"Authorization": f"Bearer {tokens(username)}"}

        def get(self, path, **kw):
            return client.get(f"/api/v1{path}", headers=self.headers, **kw)

        def post(self, path, **kw):
            return client.post(f"/api/v1{path}", headers=self.headers, **kw)

    return As


@pytest.fixture(scope="session")
def department_ids(app):
    with app.app_context():
        return dict(db.session.execute(select(Department.code, Department.id)).tuples().all())


@pytest.fixture
def make_ticket(app):
    """The number of a committed ticket walked to `state`, then through extra `steps`.

    Each call has its own app context, so that the requests of a test run in theirs and
    end the way production requests do.
    """
    def make(state="received", steps=(), now=None, **fields):
        with app.app_context():
            factory = Factory()
            ticket = factory.ticket(state, now=now, **fields)
            for username, action, payload in steps:
                factory.act(ticket, username, action, payload, now=now)
            db.session.commit()
            return ticket.number

    return make


@pytest.fixture
def snapshot(app):
    """What a request could have written: row counts, and every ticket's state and version."""
    def take():
        with app.app_context():
            counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                      for model in WRITTEN}
            tickets = db.session.execute(
                select(Ticket.number, Ticket.state, Ticket.version, Ticket.department_id,
                       Ticket.extension_days, Ticket.updated_at).order_by(Ticket.id)
            ).all()
            return counts, [tuple(row) for row in tickets]

    return take
