"""The ticket state machine as plain data (SPEC §3), with the checks built on it."""
from dataclasses import dataclass
from enum import StrEnum

from hotline.errors import Forbidden, InvalidTransition, NotFound
from hotline.labels import ACTIONS, STATES


class State(StrEnum):
    RECEIVED = "received"
    ANSWERED = "answered"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURN_REQUESTED = "return_requested"
    REPLIED = "replied"
    PENDING_REVISIT = "pending_revisit"
    CLOSED = "closed"
    MERGED = "merged"
    INVALID = "invalid"


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    DEPARTMENT = "department"
    REVISITOR = "revisitor"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


S, R = State, Role

TERMINAL_STATES = frozenset({S.ANSWERED, S.CLOSED, S.MERGED, S.INVALID})
OPEN_STATES = frozenset(State) - TERMINAL_STATES
# States in which the ticket is in a department's hands and its clocks run.
WITH_DEPARTMENT = frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED})


@dataclass(frozen=True)
class Rule:
    sources: frozenset
    targets: frozenset  # empty: the ticket stays in its state
    roles: frozenset


def _rule(sources, targets, roles):
    return Rule(frozenset(sources), frozenset(targets), frozenset(roles))


RULES = {
    "answer": _rule({S.RECEIVED}, {S.ANSWERED}, {R.OPERATOR}),
    "dispatch": _rule({S.RECEIVED}, {S.DISPATCHED}, {R.OPERATOR, R.DISPATCHER}),
    "sign": _rule({S.DISPATCHED}, {S.ACCEPTED}, {R.DEPARTMENT}),
    "request_return": _rule({S.DISPATCHED, S.ACCEPTED}, {S.RETURN_REQUESTED}, {R.DEPARTMENT}),
    "approve_return": _rule({S.RETURN_REQUESTED}, {S.RECEIVED}, {R.DISPATCHER}),
    "reject_return": _rule({S.RETURN_REQUESTED}, {S.DISPATCHED, S.ACCEPTED}, {R.DISPATCHER}),
    "request_extension": _rule({S.ACCEPTED}, set(), {R.DEPARTMENT}),
    "approve_extension": _rule({S.ACCEPTED}, set(), {R.DISPATCHER}),
    "reject_extension": _rule({S.ACCEPTED}, set(), {R.DISPATCHER}),
    "record_contact": _rule({S.ACCEPTED}, set(), {R.DEPARTMENT}),
    "record_onsite": _rule({S.ACCEPTED}, set(), {R.DEPARTMENT}),
    "reply": _rule({S.ACCEPTED}, {S.REPLIED}, {R.DEPARTMENT}),
    "approve_reply": _rule({S.REPLIED}, {S.PENDING_REVISIT}, {R.DISPATCHER}),
    "reject_reply": _rule({S.REPLIED}, {S.ACCEPTED}, {R.DISPATCHER}),
    # An unreachable citizen before the last attempt: the ticket waits for the next call.
    "revisit": _rule({S.PENDING_REVISIT}, {S.CLOSED, S.DISPATCHED, S.PENDING_REVISIT}, {R.REVISITOR}),
    "merge": _rule({S.RECEIVED, S.DISPATCHED, S.ACCEPTED}, {S.MERGED}, {R.OPERATOR, R.DISPATCHER}),
    "invalidate": _rule({S.RECEIVED}, {S.INVALID}, {R.OPERATOR}),
    "urge": _rule(OPEN_STATES, set(), {R.SUPERVISOR}),
    "supervise": _rule(OPEN_STATES, set(), {R.SUPERVISOR}),
    # 协办意见: while the lead department works on the ticket, an assisting department has its say.
    "assist_reply": _rule(WITH_DEPARTMENT, set(), {R.DEPARTMENT}),
}

# Actions of the current spell's assisting departments (协办), never of its lead.
ASSIST_ACTIONS = frozenset({"assist_reply"})
# Department users take the others only on tickets their department holds now.
DEPARTMENT_ACTIONS = frozenset(a for a, r in RULES.items() if r.roles == {R.DEPARTMENT}) - ASSIST_ACTIONS


def check(action, state, roles):
    """Return the rule for `action`, or raise why `roles` may not take it from `state`."""
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(f"未知操作：{action}", code="unknown_action")
    if not rule.roles & set(roles):
        raise Forbidden(f"当前角色无权执行“{ACTIONS[action]}”")
    if state not in rule.sources:
        raise InvalidTransition(
            f"工单处于“{STATES[state]}”状态，不能执行“{ACTIONS[action]}”",
            details={"state": str(state), "action": action},
        )
    return rule


def check_department(action, department_id, lead_id, assisting_ids):
    """Raise unless a department user of `department_id` may take `action` on a ticket whose current
    spell is led by `lead_id` with `assisting_ids` assisting (no spell: lead_id None, no assistants)."""
    if action in ASSIST_ACTIONS:
        if department_id is not None and department_id == lead_id:
            raise Forbidden("承办单位不提交协办意见，请直接办理或回复")
        if department_id is None or department_id not in assisting_ids:
            raise Forbidden("本单位不是该工单当前的协办单位")
    elif action in DEPARTMENT_ACTIONS and (department_id is None or department_id != lead_id):
        raise Forbidden("该工单当前不由本单位承办")


def department_may(action, department_id, lead_id, assisting_ids):
    try:
        check_department(action, department_id, lead_id, assisting_ids)
    except Forbidden:
        return False
    return True


class BrokenRule(RuntimeError):
    """A handler produced a state its rule does not allow: a bug, never the user's fault."""


def check_outcome(action, from_state, to_state):
    """Refuse a resulting state outside the rule's targets (no targets: the state stays)."""
    rule = RULES[action]
    allowed = rule.targets or {from_state}
    if to_state not in allowed:
        raise BrokenRule(f"{action} may not lead from {from_state} to {to_state}")
