"""The state machine as data, walked whole without a database (SPEC §3)."""
import itertools

import pytest

from hotline.errors import Forbidden, InvalidTransition, NotFound
from hotline.labels import ACTIONS, ROLES, STATES
from hotline.tickets import workflow
from hotline.tickets.workflow import RULES, BrokenRule, Role, State

ALL_ROLE_SETS = [frozenset({role}) for role in Role]


@pytest.mark.parametrize("action", sorted(RULES))
def test_check_allows_exactly_the_rules_sources_and_roles(action):
    rule = RULES[action]
    for state, roles in itertools.product(State, ALL_ROLE_SETS):
        allowed_role, allowed_state = bool(rule.roles & roles), state in rule.sources
        if allowed_role and allowed_state:
            assert workflow.check(action, state, roles) is rule
        else:
            with pytest.raises(Forbidden if not allowed_role else InvalidTransition):
                workflow.check(action, state, roles)


@pytest.mark.parametrize("action", sorted(RULES))
def test_outcome_allows_exactly_the_rules_targets(action):
    rule = RULES[action]
    for source, result in itertools.product(rule.sources, State):
        allowed = rule.targets or {source}
        if result in allowed:
            workflow.check_outcome(action, source, result)
        else:
            with pytest.raises(BrokenRule):
                workflow.check_outcome(action, source, result)


def test_no_action_leaves_a_terminal_state():
    for action, rule in RULES.items():
        assert not rule.sources & workflow.TERMINAL_STATES, action


def test_every_open_state_is_reachable_and_left():
    reached = {target for rule in RULES.values() for target in rule.targets} | {State.RECEIVED}
    left = {source for rule in RULES.values() if rule.targets for source in rule.sources}
    assert reached == set(State)
    assert left == set(workflow.OPEN_STATES)


def test_unknown_action_is_not_found():
    with pytest.raises(NotFound):
        workflow.check("teleport", State.RECEIVED, {Role.OPERATOR})


def test_every_code_has_a_chinese_label():
    assert set(STATES) == set(State)
    assert set(ROLES) == set(Role)
    # Events that no workflow action makes: creation, recomputed deadlines, merges, historical imports.
    assert set(ACTIONS) == set(RULES) | {"create", "recompute", "merged_in", "import"}


LEAD, HELPER, OTHER = 1, 2, 3
# Whose department may take a department action on a spell led by LEAD with HELPER assisting.
DEPARTMENT_SEATS = {"lead": LEAD, "assisting": HELPER, "other": OTHER, "none": None}


@pytest.mark.parametrize("action", sorted(a for a, rule in RULES.items() if Role.DEPARTMENT in rule.roles))
@pytest.mark.parametrize("seat", sorted(DEPARTMENT_SEATS))
def test_department_actions_belong_to_the_lead_and_assist_actions_to_the_assistants(action, seat):
    department_id = DEPARTMENT_SEATS[seat]
    allowed = seat == ("assisting" if action in workflow.ASSIST_ACTIONS else "lead")
    assert workflow.department_may(action, department_id, LEAD, [HELPER]) is allowed
    if allowed:
        workflow.check_department(action, department_id, LEAD, [HELPER])
    else:
        with pytest.raises(Forbidden):
            workflow.check_department(action, department_id, LEAD, [HELPER])


def test_assist_reply_changes_no_state_while_the_lead_department_works():
    rule = RULES["assist_reply"]
    assert rule.sources == workflow.WITH_DEPARTMENT and not rule.targets
    assert rule.roles == {Role.DEPARTMENT}
    assert workflow.ASSIST_ACTIONS == {"assist_reply"}
    assert not workflow.ASSIST_ACTIONS & workflow.DEPARTMENT_ACTIONS


def test_no_spell_has_no_assistant():
    for action in workflow.ASSIST_ACTIONS:
        with pytest.raises(Forbidden):
            workflow.check_department(action, HELPER, None, [])


@pytest.mark.parametrize("action", sorted(RULES))
def test_centre_actions_need_no_department(action):
    if Role.DEPARTMENT not in RULES[action].roles:
        assert workflow.department_may(action, None, LEAD, [HELPER])
