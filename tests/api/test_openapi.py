"""The OpenAPI document covers every route, and real responses match its models and SPEC §8."""
import re
from datetime import datetime

import jsonschema_rs
import pytest
from pydantic import ValidationError

from hotline.api import respond
from hotline.api.models import CategoryList, DepartmentList, EventOut, Stored, SuggestionsOut, TicketOut, TicketPage
from hotline.tickets import schemas, workflow
from hotline.tickets.serialize import ticket_dict
from hotline.timeutil import utcnow
from tests.api.support import api, department_ids, make_ticket, tokens  # noqa: F401
from tests.factories import ticket_data

SPEC_URL = "/api/v1/openapi.json"
PUBLIC = {"/api/v1/auth/token"}
ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "429", "503"}
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


def test_every_api_route_is_documented_with_summary_and_its_errors(app, spec):
    routes = list(api_routes(app))
    assert ("/api/v1/tickets", "post") in routes and ("/api/v1/tickets/{number}", "get") in routes
    for path, method in routes:
        operation = spec["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is not documented"
        assert isinstance(operation["summary"], str) and operation["summary"].strip(), path
        statuses = set(operation["responses"])
        assert [s for s in statuses if s < "300"], (path, method)
        # Only statuses the API produces; every operation reads the database (503).
        assert statuses - {"200", "201", "202", "204"} <= ERROR_STATUSES, (path, method, sorted(statuses))
        assert "503" in statuses, (path, method)
        if path not in PUBLIC:
            assert "401" in statuses and operation["security"] == [{"bearer": []}], path
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, (path, method)
        for status in statuses & ERROR_STATUSES:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}
            assert operation["responses"][status]["description"].strip(), (path, status)
        for name in re.findall(r"{(\w+)}", path):
            assert {"name": name, "in": "path", "required": True}.items() <= next(
                p for p in operation["parameters"] if p["name"] == name).items(), (path, name)


def test_path_parameters_are_typed(app, spec):
    integers = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == SPEC_URL:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for operation in spec["paths"][path].values():
            parameters = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
            for name, converter in rule._converters.items():
                if type(converter).__name__ == "IntegerConverter":
                    integers += 1
                    schema = parameters[name]
                    assert schema["type"] == "integer" and schema["minimum"] >= 1 and schema["maximum"] <= 2**31 - 1
                    continue
                assert parameters[name]["type"] == "string", (path, name)
            if "number" in parameters:
                assert re.fullmatch(parameters["number"]["pattern"], "20261127-000123"), path
                assert not re.search(parameters["number"]["pattern"], "x/../1")
    assert integers > 10


def test_only_the_user_facing_errors_are_documented_per_operation(spec):
    assert "403" not in spec["paths"]["/api/v1/departments"]["get"]["responses"]
    assert "404" not in spec["paths"]["/api/v1/tickets"]["get"]["responses"]
    assert "429" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "409" in spec["paths"]["/api/v1/tickets/{number}/sign"]["post"]["responses"]
    assert "too_many_requests" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]["description"]


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


# --- exactness: every answer of a sample workflow is what the document says -----------------

def conforms(spec, template, method, response):
    """The response validates against the document's schema for its path, method and status."""
    answer = spec["paths"][template][method]["responses"].get(str(response.status_code))
    assert answer is not None, (template, method, response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code == 204:
        return None
    [(media, content)] = answer["content"].items()
    assert response.mimetype == media, (template, response.mimetype)
    if media != "application/json":
        return None
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": spec["components"],
              **content["schema"]}
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(response.json)]
    assert not errors, (template, method, response.status_code, errors[:5])
    return response.json


@pytest.fixture
def checked(client, api, spec):
    """Call the API as a user and check the answer against the document: checked("operator1",
    "post", "/tickets/{number}/sign", number=…, json=…)."""
    def call(username, method, target, json=None, expect=None, **params):
        template, _, query = target.partition("?")
        url = template.format(**params) + (f"?{query}" if query else "")
        response = client.open(f"/api/v1{url}", method=method.upper(), json=json, headers=api(username).headers)
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)[:500]
        return conforms(spec, "/api/v1" + template, method, response)

    return call


def test_every_answer_of_a_ticket_workflow_matches_the_document(checked, department_ids):
    housing = department_ids["housing"]
    ticket = checked("operator1", "post", "/tickets", ticket_data(caller_id_number="110101199003071234"),
                     expect=201)
    number = ticket["number"]
    checked("operator1", "post", "/tickets", ticket_data(content="再来一次：" + ticket["content"]), expect=201)
    steps = [
        ("dispatcher1", "dispatch", {"department_id": housing, "note": "请尽快处理"}),
        ("dept_housing", "sign", {}),
        ("dept_housing", "record_contact", {"note": "已电话联系"}),
        ("dept_housing", "request_extension", {"days": 2, "reason": "需要协调施工队"}),
        ("dispatcher1", "approve_extension", {}),
        ("supervisor1", "urge", {"note": "请加快进度"}),
        ("supervisor1", "supervise", {"note": "督办此件"}),
        ("dept_housing", "reply", {"result": "已督促物业修复电梯", "outcome": "resolved"}),
        ("dispatcher1", "approve_reply", {}),
        ("revisitor1", "revisit", {"satisfaction": "satisfied", "resolved": True}),
    ]
    for username, action, payload in steps:
        ticket = checked(username, "post", f"/tickets/{{number}}/{action}", payload, expect=200, number=number)
        assert ticket["events"][-1]["action"] == action
    assert ticket["state"] == "closed" and ticket["satisfaction"] == "satisfied"
    for username in ("operator1", "dept_housing", "supervisor1"):
        checked(username, "get", "/tickets/{number}", expect=200, number=number)
        page = checked(username, "get", "/tickets?per_page=5", expect=200)
        assert page["items"] and "events" not in page["items"][0]
    checked("operator1", "post", "/tickets/{number}/contact", expect=200, number=number)
    # Refusals are documented answers too.
    checked("dept_housing", "post", "/tickets/{number}/sign", {}, expect=409, number=number)
    checked("operator1", "post", "/tickets/{number}/reply", {"result": "x" * 10, "outcome": "resolved"},
            expect=403, number=number)
    checked("operator1", "get", "/tickets/{number}", expect=404, number="20000101-000001")
    checked("operator1", "post", "/tickets", {"channel": "phone"}, expect=400)
    checked("dept_housing", "post", "/tickets/{number}/contact", expect=403, number=number)


def test_every_answer_of_reports_and_reference_reads_matches_the_document(checked, make_ticket):
    make_ticket("closed")
    make_ticket("accepted")
    for username in ("supervisor1", "dept_housing"):
        for path in ("/reports/summary", "/reports/departments", "/reports/trend?granularity=week",
                     "/reports/categories?level=2", "/reports/areas", "/reports/hotspots?days=30",
                     "/reports/definitions", "/departments", "/categories", "/notifications",
                     "/accountability"):
            assert checked(username, "get", path, expect=200) is not None, path
    checked("supervisor1", "get", "/reports/export.xlsx", expect=200)
    checked("dept_housing", "get", "/reports/summary?department_id=999", expect=403)
    checked("supervisor1", "get", "/reports/daily/{day}", expect=404, day="2026-01-05")
    checked("operator1", "post", "/classify", {"content": "小区门口的路灯坏了好几天，晚上很黑"}, expect=200)
    checked("operator1", "get", "/knowledge?q=路灯", expect=200)
    checked("operator1", "get", "/catalogue", expect=200)
    checked("dept_housing", "get", "/catalogue", expect=403)


def test_every_answer_of_admin_reads_matches_the_document(checked):
    for path in ("/admin/users", "/admin/departments", "/admin/categories", "/admin/policies",
                 "/admin/working-hours", "/admin/models", "/admin/audit", "/admin/knowledge",
                 "/admin/calendar/{year}"):
        checked("admin", "get", path, expect=200, year=2026)
    checked("supervisor1", "get", "/admin/audit", expect=200)
    checked("operator1", "get", "/admin/users", expect=403)
    user = checked("admin", "post", "/admin/users", {"username": "openapi_probe", "full_name": "契约检查",
                                                      "roles": ["operator"], "password": "probe-Passw0rd!"},
                   expect=201)
    checked("admin", "post", "/admin/users/{user_id}/reset-password", {"password": "probe-Passw0rd!2"},
            expect=200, user_id=user["id"])
    checked("admin", "put", "/admin/calendar/{year}/{day}", {"kind": "holiday", "name": "检查"}, expect=200,
            year=2026, day="2026-03-02")


def test_ticket_model_names_every_key_of_ticket_dict(app, factory):
    ticket = factory.ticket("closed")
    viewer = factory.user("operator1")
    data = ticket_dict(ticket, viewer, utcnow(), with_events=True)
    assert set(data) - set(TicketOut.model_fields) == set()
    assert set(TicketOut.model_fields) - set(data) <= {"suggestions"}
    TicketOut.model_validate(data)


def test_respond_refuses_a_key_the_model_does_not_name(app):
    with app.test_request_context(), pytest.raises(ValidationError, match="extra"):
        respond(DepartmentList, {"items": [{"id": 1, "code": "x", "name": "某局", "area": None, "kind": "x",
                                            "active": True, "phone": "12345"}]})


def test_respond_writes_times_with_their_offset(app):
    data = {"action": "create", "from_state": None, "to_state": "received", "actor": "话务员",
            "note": None, "data": {}, "created_at": "2026-11-27T01:02:03.456789+00:00"}
    with app.test_request_context():
        body = respond(EventOut, data).get_json()
    assert body == data


def test_document_validates_as_openapi_3_1(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)


def _unnamed_keys(model, data, path="suggestions"):
    """Keys of a stored blob that its model (and the models of its parts) would leave out."""
    found = [f"{path}.{key}" for key in data if key not in model.model_fields]
    for name, field in model.model_fields.items():
        value, kind = data.get(name), field.annotation
        inner = [a for a in getattr(kind, "__args__", (kind,)) if isinstance(a, type) and issubclass(a, Stored)]
        inner += [b for a in getattr(kind, "__args__", ()) for b in getattr(a, "__args__", ())
                  if isinstance(b, type) and issubclass(b, Stored)]
        if not inner:
            continue
        for item in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
            found += _unnamed_keys(inner[0], item, f"{path}.{name}")
    return found


def test_todays_suggestions_have_no_key_the_document_leaves_out(api, app):
    from hotline.routing.suggest import suggest

    api("operator1").post("/tickets", json=ticket_data())
    with app.app_context():
        made = suggest(None, ticket_data()["content"], "城西区桂花街道", "城西区", "13800000000", utcnow())
    assert made["similar"] and made["urgency"]
    assert _unnamed_keys(SuggestionsOut, made) == []


def test_a_stored_blob_with_a_key_since_dropped_is_answered_without_it():
    old = {"departments": [], "category": None, "stage": "catalogue", "manual": True, "similar": [],
           "model_version": None,
           "urgency": {"level": "normal", "phrases": [], "transfer_hint": None, "score": 0.1},
           "retired_field": 1}
    dumped = SuggestionsOut.model_validate(old).model_dump(exclude_unset=True)
    assert "retired_field" not in dumped and "score" not in dumped["urgency"]
    assert dumped["urgency"]["level"] == "normal"


def test_ticket_answers_link_to_what_the_state_they_leave_allows(spec):
    def links(path, status="200", method="post"):
        return spec["paths"][f"/api/v1/tickets{path}"][method]["responses"][status]["links"]

    created = links("", "201")
    assert {"ticket_dispatch_post", "ticket_answer_post", "get_ticket_get"} <= set(created)
    assert "ticket_sign_post" not in created and "ticket_reply_post" not in created
    dispatch = created["ticket_dispatch_post"]
    assert dispatch["parameters"] == {"number": "$response.body#/number"}
    assert dispatch["requestBody"] == {"version": "$response.body#/version",
                                       "department_id": "$response.body#/suggestions/departments/0/department_id"}
    assert {"ticket_approve_reply_post", "ticket_reject_reply_post"} <= set(links("/{number}/reply"))
    assert "ticket_sign_post" not in links("/{number}/reply")
    assert links("/{number}/sign")["ticket_reply_post"]["requestBody"] == {"version": "$response.body#/version"}
    # A revisit closes, redoes or waits: from there sign (redo) and revisit (next attempt) are both possible.
    assert {"ticket_sign_post", "ticket_revisit_post"} <= set(links("/{number}/revisit"))
    # A read may find the ticket in any state; the contact read has no body to carry a version.
    on_a_ticket = [op for path, item in spec["paths"].items() if path.startswith("/api/v1/tickets/{number}")
                   for op in item.values()]
    assert len(links("/{number}", method="get")) == len(on_a_ticket) > len(created)
    assert "requestBody" not in links("/{number}", method="get")["reveal_contact_post"]


@pytest.mark.parametrize("action", sorted(workflow.RULES))
def test_every_action_body_shows_an_example_its_model_accepts(spec, action):
    operation = spec["paths"][f"/api/v1/tickets/{{number}}/{action}"]["post"]
    examples = schema_of(spec, operation["requestBody"]["content"]["application/json"])["examples"]
    assert examples
    for example in examples:
        schemas.ACTION_INPUTS[action].model_validate(example)


def test_intake_examples_create_tickets(api, spec):
    examples = schema_of(spec, spec["paths"]["/api/v1/tickets"]["post"]["requestBody"]["content"]["application/json"])
    assert len(examples["examples"]) >= 2
    for example in examples["examples"]:
        response = api("operator1").post("/tickets", json=example)
        assert response.status_code == 201, response.json
        assert response.json["content"] == example["content"]
