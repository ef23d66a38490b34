"""The ticket state machine as plain data (SPEC §3), with the checks built on it."""
from dataclasses import dataclass
from enum import StrEnum

from hotline.errors import Forbidden, InvalidTransition, NotFound


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
    "revisit": _rule({S.PENDING_REVISIT}, {S.CLOSED, S.DISPATCHED}, {R.REVISITOR}),
    "merge": _rule({S.RECEIVED, S.DISPATCHED, S.ACCEPTED}, {S.MERGED}, {R.OPERATOR, R.DISPATCHER}),
    "invalidate": _rule({S.RECEIVED}, {S.INVALID}, {R.OPERATOR}),
    "urge": _rule(OPEN_STATES, set(), {R.SUPERVISOR}),
    "supervise": _rule(OPEN_STATES, set(), {R.SUPERVISOR}),
}

# Department users act only on tickets their department holds now.
DEPARTMENT_ACTIONS = frozenset(a for a, r in RULES.items() if r.roles == {R.DEPARTMENT})


def check(action, state, roles):
    """Return the rule for `action`, or raise why `roles` may not take it from `state`."""
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(f"未知操作：{action}", code="unknown_action")
    if not rule.roles & set(roles):
        raise Forbidden(f"当前角色无权执行“{ACTION_LABELS[action]}”")
    if state not in rule.sources:
        raise InvalidTransition(
            f"工单处于“{STATE_LABELS[state]}”状态，不能执行“{ACTION_LABELS[action]}”",
            details={"state": str(state), "action": action},
        )
    return rule


STATE_LABELS = {
    S.RECEIVED: "已受理",
    S.ANSWERED: "直接办结",
    S.DISPATCHED: "待签收",
    S.ACCEPTED: "办理中",
    S.RETURN_REQUESTED: "退单待审",
    S.REPLIED: "待审核",
    S.PENDING_REVISIT: "待回访",
    S.CLOSED: "已办结",
    S.MERGED: "已并单",
    S.INVALID: "无效",
}

ACTION_LABELS = {
    "create": "受理",
    "answer": "直接答复",
    "dispatch": "派单",
    "sign": "签收",
    "request_return": "申请退单",
    "approve_return": "同意退单",
    "reject_return": "驳回退单",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "reject_extension": "驳回延期",
    "record_contact": "联系市民",
    "record_onsite": "到达现场",
    "reply": "办结回复",
    "approve_reply": "审核通过",
    "reject_reply": "退回重办",
    "revisit": "回访",
    "merge": "并单",
    "invalidate": "无效工单",
    "urge": "催办",
    "supervise": "督办",
}

ROLE_LABELS = {
    R.OPERATOR: "话务员",
    R.DISPATCHER: "派单审核员",
    R.DEPARTMENT: "承办单位",
    R.REVISITOR: "回访员",
    R.SUPERVISOR: "督办领导",
    R.ADMIN: "系统管理员",
}
