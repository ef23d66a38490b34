"""The OpenAPI document covers every route, and real responses match its models and SPEC §8."""
import re
from datetime import datetime

import pytest

from hotline.api.models import CategoryList, DepartmentList, TicketOut, TicketPage
from hotline.tickets import schemas, workflow
from tests.api.support import api, make_ticket, tokens  # noqa: F401
from tests.factories import ticket_data

SPEC_URL = "/api/v1/openapi.json"
PUBLIC = {"/api/v1/auth/token"}
# SPEC §8, "Field names (other systems integrate against these; add fields freely, rename none)".
TICKET_FIELDS = {
    "number", "channel", "caller_name", "caller_phone", "is_enterprise", "subject", "content",
    "address", "area", "type", "urgency", "category_id", "department_id",
    "assisting_department_ids", "state", "version", "reopen_count", "duplicate_of",
    "created_at", "dispatched_at", "signed_at", "replied_at", "closed_at", "sign_due_at",
    "complete_due_at", "lateness",
}
EVENT_FIELDS = {"action", "from_state", "to_state", "actor", "note", "created_at"}
SUGGESTION_FIELDS = {"departments", "category", "stage", "manual", "urgency", "similar", "knowledge"}
ACTION_FIELDS = {
    "answer": {"answer"},
    "dispatch": {"department_id", "assisting_department_ids", "note"},
    "sign": set(),
    "request_return": {"reason"},
    "approve_return": {"note"},
    "reject_return": {"reason"},
    "request_extension": {"days", "reason"},
    "approve_extension": {"note"},
    "reject_extension": {"reason"},
    "reply": {"result", "outcome"},
    "approve_reply": {"note"},
    "reject_reply": {"reason"},
    "revisit": {"satisfaction", "resolved", "note"},
    "merge": {"target_number"},
    "invalidate": {"reason"},
    "urge": {"note"},
    "supervise": {"note"},
}


@pytest.fixture(scope="module")
def spec(app):
    response = app.test_client().get(SPEC_URL)
    assert response.status_code == 200
    return response.json


def ref_target(spec, ref):
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def schema_of(spec, ref_holder):
    schema = ref_holder["schema"]
    return ref_target(spec, schema["$ref"]) if "$ref" in schema else schema


def api_routes(app):
    """(OpenAPI path, method) of every /api/v1 route but the document itself."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != SPEC_URL:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield path, method.lower()


def assert_iso_with_offset(data):
    for name, value in data.items():
        if name.endswith("_at") and value is not None:
            assert datetime.fromisoformat(value).utcoffset() is not None, (name, value)


# --- the document ------------------------------------------------------------------------

def test_openapi_document_is_public_openapi_3(client):
    response = client.get(SPEC_URL)
    assert response.status_code == 200 and response.is_json
    document = response.json
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_api_route_is_documented_with_summary_and_errors(app, spec):
    routes = list(api_routes(app))
    assert ("/api/v1/tickets", "post") in routes and ("/api/v1/tickets/{number}", "get") in routes
    for path, method in routes:
        operation = spec["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is not documented"
        assert isinstance(operation["summary"], str) and operation["summary"].strip(), path
        errors = {"400"} if path in PUBLIC else {"400", "401", "403", "404"}
        assert errors <= set(operation["responses"]), (path, method, sorted(operation["responses"]))
        for status in errors:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}
        if path not in PUBLIC:
            assert operation["security"] == [{"bearer": []}], path
        for name in re.findall(r"{(\w+)}", path):
            assert {"name": name, "in": "path"}.items() <= next(
                p for p in operation["parameters"] if p["name"] == name).items(), (path, name)


def test_error_schema_matches_error_format(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["required"]) == {"code", "message", "details"}


def test_every_reference_in_document_resolves(spec):
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec)
    assert len(refs) > 20
    for ref in refs:
        assert isinstance(ref_target(spec, ref), dict), ref


def test_token_endpoint_documents_its_401(spec):
    assert "401" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]


def test_every_workflow_action_has_its_own_documented_path(spec):
    assert set(ACTION_FIELDS) <= set(workflow.RULES)
    for action in workflow.RULES:
        operation = spec["paths"][f"/api/v1/tickets/{{number}}/{action}"]["post"]
        body = operation["requestBody"]
        assert body["required"] is True
        schema = schema_of(spec, body["content"]["application/json"])
        assert schema["type"] == "object" and schema["additionalProperties"] is False, action
        model = schemas.ACTION_INPUTS[action]
        assert set(schema["properties"]) == set(model.model_fields), action
        assert ACTION_FIELDS.get(action, set()) | {"version"} <= set(schema["properties"]), action
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        assert set(schema.get("required", [])) == required, action
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/TicketOut"}


def test_ticket_list_documents_its_filters(spec):
    operation = spec["paths"]["/api/v1/tickets"]["get"]
    documented = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"state", "department_id", "urgency", "type", "channel", "overdue", "q",
            "created_from", "created_to", "page", "per_page"} <= documented


@pytest.mark.parametrize(("path", "method", "status", "model"), [
    ("/api/v1/tickets", "post", "201", TicketOut),
    ("/api/v1/tickets", "get", "200", TicketPage),
    ("/api/v1/tickets/{number}", "get", "200", TicketOut),
    ("/api/v1/departments", "get", "200", DepartmentList),
    ("/api/v1/categories", "get", "200", CategoryList),
])
def test_documented_response_model(spec, path, method, status, model):
    content = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    assert content["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}


# --- real responses ----------------------------------------------------------------------

def test_created_ticket_matches_ticket_model_and_spec_fields(api):
    response = api("operator1").post("/tickets", json=ticket_data(caller_id_number="110101199003071234"))
    assert response.status_code == 201, response.json
    ticket = TicketOut.model_validate(response.json)
    assert (ticket.state, ticket.version) == ("received", 1)
    assert TICKET_FIELDS <= set(response.json)
    [event] = response.json["events"]
    assert EVENT_FIELDS <= set(event) and event["action"] == "create"
    assert_iso_with_offset(response.json)
    assert_iso_with_offset(event)


def test_created_ticket_carries_suggestions(api):
    api("operator1").post("/tickets", json=ticket_data())
    response = api("operator1").post("/tickets", json=ticket_data())
    assert response.status_code == 201, response.json
    suggestions = response.json["suggestions"]
    assert SUGGESTION_FIELDS - {"knowledge"} <= set(suggestions)
    assert suggestions["stage"] in ("catalogue", "model") and isinstance(suggestions["manual"], bool)
    assert {"level", "phrases", "transfer_hint"} <= set(suggestions["urgency"])
    for department in suggestions["departments"]:
        assert {"department_id", "code", "name", "probability"} <= set(department)
    assert suggestions["similar"], "the same text was taken a moment ago"
    assert all({"number", "score", "reason"} <= set(s) for s in suggestions["similar"])


def test_created_ticket_suggests_knowledge(api):
    response = api("operator1").post("/tickets", json=ticket_data())
    assert isinstance(response.json["suggestions"]["knowledge"], list)


@pytest.mark.parametrize(("state", "username"), [
    ("received", "operator1"),
    ("merged", "operator1"),
    ("accepted", "dept_housing"),
    ("closed", "dept_housing"),
    ("closed", "supervisor1"),
])
def test_ticket_detail_matches_ticket_model_and_spec_fields(api, make_ticket, state, username):
    number = make_ticket(state)
    response = api(username).get(f"/tickets/{number}")
    assert response.status_code == 200, response.json
    ticket = TicketOut.model_validate(response.json)
    assert (ticket.number, ticket.state) == (number, state)
    assert TICKET_FIELDS <= set(response.json)
    assert [e.to_state for e in ticket.events][-1] == state
    for event in response.json["events"]:
        assert EVENT_FIELDS <= set(event)
        assert_iso_with_offset(event)
    assert_iso_with_offset(response.json)
    if state == "merged":
        assert re.fullmatch(r"\d{8}-\d{6}", response.json["duplicate_of"])


@pytest.mark.parametrize("username", ["operator1", "dept_housing"])
def test_ticket_page_matches_page_model_and_spec_fields(api, make_ticket, username):
    numbers = {make_ticket("closed"), make_ticket("dispatched")}
    response = api(username).get("/tickets")
    assert response.status_code == 200, response.json
    page = TicketPage.model_validate(response.json)
    assert {t.number for t in page.items} == numbers and page.total == 2
    for item in response.json["items"]:
        assert TICKET_FIELDS <= set(item)
        assert_iso_with_offset(item)


def test_departments_match_department_model(api):
    response = api("dept_housing").get("/departments")
    assert response.status_code == 200
    departments = DepartmentList.model_validate(response.json).items
    assert {"housing", "transport", "eco_env"} <= {d.code for d in departments}
    assert all({"id", "code", "name"} <= set(item) for item in response.json["items"])


def test_categories_match_category_model(api):
    response = api("operator1").get("/categories")
    assert response.status_code == 200
    categories = CategoryList.model_validate(response.json).items
    assert {c.level for c in categories} == {1, 2, 3}
    by_id = {c.id: c for c in categories}
    leaf = next(c for c in categories if c.level == 3)
    assert leaf.path.split(" / ") == [by_id[by_id[leaf.parent_id].parent_id].name,
                                      by_id[leaf.parent_id].name, leaf.name]
