"""The API against its own OpenAPI document, driven by schemathesis: whatever the document lets
a client send, with an operator's, a department's and an admin's token, the answer is never a
5xx and is what the document says it is: a documented status, its content type and its schema
(issues 13 and 14). Then a stateful run follows the document's links through the ticket
workflow (create → dispatch → sign → reply …), each step by a user whose role may take it. One
capped run: a few examples per operation, derandomized so that a failure repeats."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.tickets import workflow
from tests.conftest import DEMO_PASSWORD

USERS = ("operator1", "dept_housing", "admin")
MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Who takes each step of the stateful run: the first of these users whose role the action allows.
WORKFLOW_USERS = {"operator": "operator1", "dispatcher": "dispatcher1", "department": "dept_housing",
                  "revisitor": "revisitor1", "supervisor": "supervisor1"}
STATEFUL_SCENARIOS = 12
STATEFUL_STEPS = 8
# They would end the run's own tokens; tests/web/test_logout.py and the password tests cover them.
SPARED = {"/api/v1/auth/logout", "/api/v1/auth/logout-all", "/api/v1/auth/password"}


@pytest.fixture
def api_tokens(app):
    client = app.test_client()
    tokens = {}
    for username in {*USERS, *WORKFLOW_USERS.values()}:
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


def step_user(path):
    """The user whose role may take the step at `path` (the ticket's action, or creating and reading)."""
    action = path.rsplit("/", 1)[-1]
    rule = workflow.RULES.get(action)
    if rule is None:
        return "operator1"
    return next(user for role, user in WORKFLOW_USERS.items() if role in rule.roles)


def test_stateful_ticket_workflow_follows_the_links_and_keeps_to_the_document(app, api_tokens):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(
        path_regex=r"^/api/v1/tickets(/\{number\}(/[a-z_]+)?)?$")
    base = schema.as_state_machine()
    seen = []

    class TicketWorkflow(base):
        def before_call(self, case):
            # The step's own user, over any Authorization the generator made up for the bearer scheme.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_tokens[step_user(case.path)]}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            seen.append((case.method, case.path, response.status_code))
            case.validate_response(response, checks=CHECKS)

    TicketWorkflow.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
                                         derandomize=True, deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck)))
    followed = {path for method, path, status in seen if "{number}" in path}
    assert len(followed) >= 10 and 401 not in {status for _, _, status in seen}, seen
    assert max(status for _, _, status in seen) < 500
