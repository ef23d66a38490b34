"""The API against its own OpenAPI document, driven by schemathesis: whatever the document lets
a client send, with an operator's, a department's and an admin's token, the answer is never a
5xx and is what the document says it is: a documented status, its content type and its schema
(issues 13 and 14). Then a stateful run follows the document's links through the ticket
workflow (create → dispatch → sign → reply …), each step by a user whose role may take it. One
capped run: a few examples per operation, derandomized so that a failure repeats."""
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets import workflow
from hotline.tickets.models import Ticket
from tests.api.support import tokens  # noqa: F401
from tests.conftest import DEMO_PASSWORD

USERS = ("operator1", "dept_housing", "admin")
MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Who takes each step of the stateful run: the first of these users whose role the action allows.
WORKFLOW_USERS = {"operator": "operator1", "dispatcher": "dispatcher1", "department": "dept_housing",
                  "revisitor": "revisitor1", "supervisor": "supervisor1"}
STATEFUL_SCENARIOS = 12
STATEFUL_STEPS = 10
# They would end the run's own tokens; tests/web/test_logout.py and the password tests cover them.
SPARED = {"/api/v1/auth/logout", "/api/v1/auth/logout-all", "/api/v1/auth/password"}


@pytest.fixture
def api_tokens(app):
    client = app.test_client()
    tokens = {}
    for username in USERS:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200
        tokens[username] = response.json["token"]
    return tokens


def test_no_input_the_document_allows_makes_a_server_error_or_breaks_the_document(app, api_tokens):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    tried, statuses, failures = [], [], []
    for operation in operations:
        if operation.path in SPARED:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for username in USERS:
                response = case.call_and_validate(headers={"Authorization": f"Bearer {api_tokens[username]}"},
                                                  checks=CHECKS)
                statuses.append(response.status_code)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # every operation's failures, not the first only
            failures.append(f"{operation.label}: {failure}")
        tried.append(operation.label)
    assert not failures, "\n\n".join(failures)
    assert any(label.startswith("POST /api/v1/tickets") for label in tried)
    # Every operation was called by every user, and the run reached both successes and refusals.
    assert len(statuses) >= len(tried) * len(USERS)
    assert {200, 400, 403, 404} <= set(statuses) and max(statuses) < 500


# The stateful run walks the workflow's main road, each step's links the document's own: intake →
# dispatch (to the suggested department) → sign → reply → approve → revisit. Side roads (returns,
# extensions, urging …) multiply the choices at each step past what a capped run can walk to the end;
# the run above sends every one of them.
WALKED = r"^/api/v1/tickets(/\{number\}/(dispatch|sign|reply|approve_reply|revisit))?$"
INTAKE_RULE = "RANDOM__POST_api_v1_tickets"
MAIN_ROAD = {"tickets", "dispatch", "sign", "reply", "approve_reply", "revisit"}
# Hypothesis replays a scenario's choices; schemathesis follows a link or not by a coin of its own, and the
# links carry numbers the server gave, so a replay may draw differently (FlakyStrategyDefinition). Its engine
# then ends the suite; this test starts another until the road is covered, at most this often. Shrinking is
# off: it only replays such scenarios, with hypothesis' line tracer on, for minutes (it made this test take
# 10 minutes in the full suite).
SUITES = 8


def document_examples(spec):
    """operation label → the request body examples the document shows for it."""
    examples = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get(
                "schema", {}).get("$ref", "")
            found = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("examples")
            if found:
                examples[f"{method.upper()} {path}"] = found
    return examples


def step_user(app, case):
    """The user whose role may take the step: for a department's step, a user of the department the
    ticket is with now (any other department gets 404); creating and reading: the operator."""
    rule = workflow.RULES.get(case.path.rsplit("/", 1)[-1])
    if rule is None:
        return "operator1"
    if workflow.Role.DEPARTMENT in rule.roles:
        with app.app_context():
            code = db.session.scalar(select(Department.code).join(Ticket, Ticket.department_id == Department.id)
                                     .where(Ticket.number == case.path_parameters.get("number")))
        return f"dept_{code or 'housing'}"
    return next(user for role, user in WORKFLOW_USERS.items() if role in rule.roles)


def test_stateful_ticket_workflow_follows_the_links_and_keeps_to_the_document(app, tokens):
    spec = app.test_client().get("/api/v1/openapi.json").json
    examples = document_examples(spec)
    # The document's links only: schemathesis' own inference would link every ticket answer to every action.
    config = SchemathesisConfig.from_dict({"phases": {"stateful": {"inference": {"algorithms": []}}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config).include(
        path_regex=WALKED, method="POST")

    @schema.hook
    def before_generate_body(context, strategy):
        # Half the bodies are the document's examples (valid in the demo city), half generated.
        shown = examples.get(context.operation.label)
        return st.one_of(st.sampled_from(shown), strategy) if shown else strategy

    base = schema.as_state_machine()
    assert INTAKE_RULE in base.root_rules
    seen, scenarios, broken = [], [], []

    class TicketWorkflow(base):
        # A scenario starts with intake: an action on a made-up number is a 404 the run above has tried.
        locals().update({name: precondition(lambda self: False)(getattr(base, name))
                         for name in base.root_rules - {INTAKE_RULE}})

        def before_call(self, case):
            # The step's own user, over any Authorization the generator made up for the bearer scheme.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens(step_user(app, case))}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            body = response.json() if response.status_code != 204 else None
            state = body.get("state") if isinstance(body, dict) else None
            seen.append((case.path.rsplit("/", 1)[-1], response.status_code, state))
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as failure:  # kept, so that a suite ended as flaky cannot hide it
                broken.append((case.method, case.path, response.status_code, str(failure)[:2000]))
                raise

        def teardown(self):
            scenarios.append(len(seen))

    def covered():
        succeeded = {step for step, status, _ in seen if status in (200, 201)}
        return (len(scenarios) >= STATEFUL_SCENARIOS and MAIN_ROAD <= succeeded
                and "closed" in {state for _, status, state in seen if status == 200})

    for suite in range(SUITES):
        try:
            hypothesis.seed(suite)(TicketWorkflow).run(settings=settings(
                max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, deadline=None, database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=list(HealthCheck)))
        except hypothesis.errors.Flaky:
            pass
        if covered():
            break
    assert not broken, broken
    assert len(scenarios) >= STATEFUL_SCENARIOS, (len(scenarios), seen)
    assert max(status for _, status, _ in seen) < 500, seen
    succeeded = {step for step, status, _ in seen if status in (200, 201)}
    assert MAIN_ROAD <= succeeded, seen
    # Some scenario walked a ticket from intake to closed, every step by the link's number and version.
    assert "closed" in {state for _, status, state in seen if status == 200}, seen
    assert 401 not in {status for _, status, _ in seen} and 403 not in {status for _, status, _ in seen}, seen
