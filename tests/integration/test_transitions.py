"""The whole transition table and its complement, by state, action and role (SPEC §3)."""
import pytest
from sqlalchemy import func, select

from hotline import labels
from hotline.demo import CENTRE_USERS
from hotline.errors import Forbidden, InvalidTransition, NotFound
from hotline.extensions import db
from hotline.tickets import service, workflow
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.workflow import RULES, Role, State
from tests.factories import PATHS, Factory

# One demo user per role; department actions are taken by housing, which holds the tickets, and
# 协办意见 by water, which every dispatch here names as assisting department.
DEMO_USERS = {username: roles for username, _, roles in CENTRE_USERS} | {
    "dept_housing": {Role.DEPARTMENT}}
ASSISTANT = "dept_water"
USER_FOR_ROLE = {role: username for username, roles in DEMO_USERS.items() for role in roles}
# A valid input for every action; DISPATCH and MERGE are filled in by the factory.
PAYLOADS = {
    "answer": {"answer": "已按政策解答"},
    "dispatch": "DISPATCH",
    "sign": {},
    "request_return": {"reason": "不属于本单位职责"},
    "approve_return": {"note": "同意退回"},
    "reject_return": {"reason": "属于本单位职责"},
    "request_extension": {"days": 3, "reason": "需要协调施工单位"},
    "approve_extension": {"note": "同意延期"},
    "reject_extension": {"reason": "理由不充分"},
    "record_contact": {"note": "已电话联系市民"},
    "record_onsite": {"note": "已到现场查看"},
    "reply": {"result": "已联系物业完成维修", "outcome": "resolved"},
    "approve_reply": {"note": "答复规范"},
    "reject_reply": {"reason": "答复未解决问题"},
    "revisit": {"satisfaction": "satisfied", "resolved": True},
    "merge": "MERGE",
    "invalidate": {"reason": "骚扰电话"},
    "urge": {"note": "请尽快办理"},
    "supervise": {"note": "列入督办"},
    "assist_reply": {"opinion": "供水管网由我局配合排查"},
}
EXTENSION_DECISIONS = {"approve_extension", "reject_extension"}
# Housing holds the ticket and hands it back, so that it still sees the ticket afterwards.
RETURNED = PATHS["return_requested"] + [("dispatcher1", "approve_return", {})]
PENDING_EXTENSION = ("dept_housing", "request_extension", {"days": 2, "reason": "需要协调施工单位"})


class CachingFactory(Factory):
    """The factory, looking each demo user up once per test: ~190 tickets are built here.
    Its dispatches name water as assisting department."""

    def __init__(self):
        self._users = {}

    def user(self, username):
        if username not in self._users:
            self._users[username] = super().user(username)
        return self._users[username]

    def act(self, ticket, username, action, payload=None, now=None):
        if payload == "DISPATCH":
            payload = {"department_id": self.department("housing").id,
                       "assisting_department_ids": [self.department("water").id]}
        return super().act(ticket, username, action, payload, now)


@pytest.fixture
def factory(ctx):
    return CachingFactory()


def _path(state, held=False, pending_extension=False):
    """The steps to `state`; `held`: housing has held it; `pending_extension`: one is pending."""
    path = list(PATHS[state])
    if held and not any(action == "dispatch" for _, action, _ in path):
        path = RETURNED + path
    if pending_extension:
        signed = next((i for i, (_, action, _) in enumerate(path) if action == "sign"), None)
        if signed is not None:
            path.insert(signed + 1, PENDING_EXTENSION)
    return path


def _build(factory, state, held=False, pending_extension=False):
    ticket = factory.ticket("received")
    for username, action, payload in _path(state, held, pending_extension):
        factory.act(ticket, username, action, payload)
    db.session.commit()
    return ticket


def _payload(factory, action):
    payload = PAYLOADS[action]
    if payload == "DISPATCH":
        return {"department_id": factory.department("housing").id}
    if payload == "MERGE":
        return {"target_number": factory.ticket("received").number}
    return dict(payload)


def _snapshot(ticket_id):
    """State, version and event count as stored, read fresh from the database."""
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    events = db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id))
    return ticket.state, ticket.version, events


def _acting_user(action):
    if action in workflow.ASSIST_ACTIONS:
        return ASSISTANT
    return USER_FOR_ROLE[min(RULES[action].roles, key=list(Role).index)]


def _source_state(action):
    """A state the action may be taken from, preferring one with a department at work."""
    sources = RULES[action].sources
    return next(s for s in (State.ACCEPTED, State.DISPATCHED, *State) if s in sources)


def _assert_refused(factory, ticket, username, action, payload, error):
    before = _snapshot(ticket.id)
    with pytest.raises(error) as raised:
        service.perform(ticket.number, action, factory.user(username), payload)
    db.session.rollback()
    assert _snapshot(ticket.id) == before
    return raised.value


TABLE = [pytest.param(state, action, id=f"{state}-{action}") for state in State for action in RULES]


def test_every_action_has_a_walk_payload():
    assert set(PAYLOADS) == set(RULES) == set(labels.ACTIONS) - {"create", "recompute", "merged_in", "import"}


@pytest.mark.parametrize(("state", "action"), TABLE)
def test_action_is_taken_exactly_from_its_source_states(factory, state, action):
    rule = RULES[action]
    # Held: the department acting has seen the ticket, so that a wrong state is what refuses it.
    ticket = _build(factory, state, held=action in workflow.DEPARTMENT_ACTIONS | workflow.ASSIST_ACTIONS,
                    pending_extension=action in EXTENSION_DECISIONS)
    username = _acting_user(action)
    payload = _payload(factory, action)
    before_state, before_version, before_events = _snapshot(ticket.id)
    assert before_state == state

    if state not in rule.sources:
        error = _assert_refused(factory, ticket, username, action, payload, InvalidTransition)
        assert error.code == "invalid_transition"
        return

    actor = factory.user(username)
    service.perform(ticket.number, action, actor, payload)
    db.session.commit()
    after_state, after_version, after_events = _snapshot(ticket.id)
    assert after_state in (rule.targets or {state})
    assert after_version == before_version + 1
    assert after_events == before_events + 1
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                              .order_by(TicketEvent.id.desc()).limit(1))
    assert (event.action, event.from_state, event.to_state, event.actor_id) == (
        action, state, after_state, actor.id)


ROLE_COMPLEMENT = [
    pytest.param(action, username, id=f"{action}-{username}")
    for action, rule in RULES.items()
    for username, roles in DEMO_USERS.items()
    if not roles & rule.roles
]


@pytest.mark.parametrize(("action", "username"), ROLE_COMPLEMENT)
def test_role_without_the_action_is_forbidden(factory, action, username):
    ticket = _build(factory, _source_state(action), held=True,
                    pending_extension=action in EXTENSION_DECISIONS)
    payload = _payload(factory, action)
    _assert_refused(factory, ticket, username, action, payload, Forbidden)


def test_demo_users_hold_one_role_each_and_cover_every_role():
    assert set(DEMO_USERS) == {"operator1", "dispatcher1", "dept_housing", "revisitor1",
                               "supervisor1", "admin"}
    assert sorted(len(roles) for roles in DEMO_USERS.values()) == [1] * len(Role)
    assert set(USER_FOR_ROLE) == set(Role)


DEPARTMENT_CASES = [pytest.param(a, id=a) for a in sorted(workflow.DEPARTMENT_ACTIONS)]


@pytest.mark.parametrize("action", DEPARTMENT_CASES)
def test_other_department_cannot_find_a_housing_ticket(factory, action):
    ticket = _build(factory, _source_state(action))
    payload = _payload(factory, action)
    _assert_refused(factory, ticket, "dept_eco_env", action, payload, NotFound)


@pytest.mark.parametrize("action", DEPARTMENT_CASES)
def test_assisting_department_may_not_act_for_the_lead(factory, action):
    ticket = factory.ticket("received")
    factory.act(ticket, "dispatcher1", "dispatch", {
        "department_id": factory.department("housing").id,
        "assisting_department_ids": [factory.department("eco_env").id]})
    if _source_state(action) == State.ACCEPTED:
        factory.act(ticket, "dept_housing", "sign")
    db.session.commit()
    payload = _payload(factory, action)
    _assert_refused(factory, ticket, "dept_eco_env", action, payload, Forbidden)


@pytest.mark.parametrize("action", DEPARTMENT_CASES)
def test_department_that_returned_a_ticket_may_no_longer_act(factory, action):
    ticket = _build(factory, "received", held=True)
    factory.act(ticket, "dispatcher1", "dispatch",
                {"department_id": factory.department("eco_env").id})
    if _source_state(action) == State.ACCEPTED:
        factory.act(ticket, "dept_eco_env", "sign")
    db.session.commit()
    payload = _payload(factory, action)
    _assert_refused(factory, ticket, "dept_housing", action, payload, Forbidden)


ASSIST_CASES = [pytest.param(a, id=a) for a in sorted(workflow.ASSIST_ACTIONS)]


@pytest.mark.parametrize("action", ASSIST_CASES)
def test_lead_department_may_not_give_an_assisting_opinion(factory, action):
    ticket = _build(factory, _source_state(action))
    error = _assert_refused(factory, ticket, "dept_housing", action, _payload(factory, action), Forbidden)
    assert "承办单位不提交协办意见" in error.message


@pytest.mark.parametrize("action", ASSIST_CASES)
def test_department_neither_leading_nor_assisting_cannot_find_the_ticket(factory, action):
    ticket = _build(factory, _source_state(action))
    _assert_refused(factory, ticket, "dept_eco_env", action, _payload(factory, action), NotFound)


@pytest.mark.parametrize("action", ASSIST_CASES)
def test_department_that_assisted_an_earlier_spell_may_no_longer_assist(factory, action):
    ticket = _build(factory, "received", held=True)  # water assisted housing's returned spell
    factory.act(ticket, "dispatcher1", "dispatch", {"department_id": factory.department("eco_env").id})
    db.session.commit()
    error = _assert_refused(factory, ticket, ASSISTANT, action, _payload(factory, action), Forbidden)
    assert "不是该工单当前的协办单位" in error.message
