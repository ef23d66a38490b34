"""The admin API under /api/v1/admin/webhooks: only admins, strict input, the secret once, audit rows."""
import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.support import api, assert_error, tokens  # noqa: F401

GOOD = {"name": "市数据仓库", "url": "https://dw.city.example/hotline", "events": ["ticket.created", "ticket.closed"]}
NOT_ADMINS = ("operator1", "dispatcher1", "dept_housing", "revisitor1", "supervisor1")


def written(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (WebhookEndpoint, WebhookDelivery, AuditEntry))


def audit_rows(app, endpoint_id):
    with app.app_context():
        return db.session.execute(select(AuditEntry.action, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.entity == "webhook", AuditEntry.entity_id == str(endpoint_id)).order_by(AuditEntry.id)).all()


def test_create_returns_the_secret_once(app, admin):
    created = admin("POST", "", json=GOOD)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert {k: body[k] for k in GOOD} == GOOD and body["active"] is True
    shown = admin("GET", f"/{body['id']}").json
    assert "secret" not in shown and shown["url"] == GOOD["url"]
    assert all("secret" not in item for item in admin("GET", "").json["items"])
    with app.app_context():
        assert db.session.get(WebhookEndpoint, body["id"]).secret == body["secret"]
    [(action, before, after)] = audit_rows(app, body["id"])
    assert (action, before) == ("create", None)
    assert after == {"name": GOOD["name"], "url": GOOD["url"], "events": GOOD["events"], "active": True}


def test_change_deactivate_and_rotate_each_leave_an_audit_row_without_the_secret(app, admin):
    endpoint = admin("POST", "", json=GOOD).json
    path = f"/{endpoint['id']}"
    changed = admin("PATCH", path, json={"events": ["ticket.overdue"], "name": "省平台"})
    assert changed.status_code == 200 and changed.json["events"] == ["ticket.overdue"]
    assert admin("PATCH", path, json={"active": False}).json["active"] is False
    assert admin("PATCH", path, json={"active": False}).status_code == 200  # no change, no row
    rotated = admin("POST", f"{path}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json["secret"] not in (endpoint["secret"], None)
    assert rotated.json["secret_rotated_at"] is not None
    rows = audit_rows(app, endpoint["id"])
    assert [r.action for r in rows] == ["create", "update", "disable", "rotate_secret"]
    assert rows[1].before["events"] == GOOD["events"] and rows[1].after["name"] == "省平台"
    text = repr(rows)
    assert endpoint["secret"] not in text and rotated.json["secret"] not in text


@pytest.mark.parametrize("body, field", [
    ({**GOOD, "url": "http://dw.city.example/hotline"}, "url"),
    ({**GOOD, "url": "https://user:pw@dw.city.example/"}, "url"),
    ({**GOOD, "url": "gopher://dw.city.example/"}, "url"),
    ({**GOOD, "url": "https://" + "a" * 2000 + ".com/"}, "url"),
    ({**GOOD, "events": []}, "events"),
    ({**GOOD, "events": ["ticket.deleted"]}, "events.0"),
    ({**GOOD, "events": ["ticket.created", "ticket.created"]}, "events"),
    ({**GOOD, "name": "  "}, "name"),
    ({**GOOD, "secret": "mine"}, "secret"),
    ({**GOOD, "active": "yes"}, "active"),
    ({k: v for k, v in GOOD.items() if k != "url"}, "url"),
])
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(app, admin, body, field):
    before = written(app)
    error = assert_error(admin("POST", "", json=body), 400, "invalid_input")
    assert field in error["details"]
    assert written(app) == before


def test_bad_changes_are_refused_too(app, admin):
    endpoint = admin("POST", "", json=GOOD).json
    before = written(app)
    assert_error(admin("PATCH", f"/{endpoint['id']}", json={"url": "http://example.com/"}), 400, "invalid_input")
    assert_error(admin("PATCH", f"/{endpoint['id']}", data="[]", content_type="application/json"), 400,
                 "invalid_json")
    assert written(app) == before
    assert admin("GET", f"/{endpoint['id']}").json["url"] == GOOD["url"]


@pytest.mark.parametrize("method, path", [("GET", "/99999"), ("PATCH", "/99999"), ("POST", "/99999/rotate-secret"),
                                          ("GET", "/99999/deliveries"), ("GET", "/99999999999")])
def test_unknown_endpoint_is_a_404(admin, method, path):
    assert_error(admin(method, path, json={}), 404, "not_found")


@pytest.mark.parametrize("username", NOT_ADMINS)
def test_only_admins_may_use_the_api(app, client, tokens, username):
    headers = {"Authorization": f"Bearer {tokens(username)}"}
    before = written(app)
    assert_error(client.get("/api/v1/admin/webhooks", headers=headers), 403, "forbidden")
    assert_error(client.post("/api/v1/admin/webhooks", headers=headers, json=GOOD), 403, "forbidden")
    assert written(app) == before


def test_without_a_token_it_is_a_401(client):
    assert_error(client.get("/api/v1/admin/webhooks"), 401)
    assert_error(client.post("/api/v1/admin/webhooks", json=GOOD), 401)


def test_deliveries_are_listed_newest_first_with_their_status(admin, api):
    endpoint = admin("POST", "", json={**GOOD, "url": "http://127.0.0.1:9/hook"}).json
    created = api("operator1").post("/tickets", json={"channel": "phone", "type": "consult",
                                                      "content": "请问居住证办理需要哪些材料"})
    assert created.status_code == 201
    page = admin("GET", f"/{endpoint['id']}/deliveries").json
    assert page["total"] == 1 and page["page"] == 1
    [item] = page["items"]
    assert (item["event"], item["status"], item["attempts"]) == ("ticket.created", "pending", 0)
    assert item["payload"]["ticket"]["number"] == created.json["number"]
    assert admin("GET", f"/{endpoint['id']}/deliveries?status=delivered").json["total"] == 0
    assert_error(admin("GET", f"/{endpoint['id']}/deliveries?status=lost"), 400, "invalid_input")
    assert_error(admin("GET", f"/{endpoint['id']}/deliveries?per_page=1000"), 400, "invalid_input")


def test_the_openapi_document_describes_the_webhook_api(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/api/v1/admin/webhooks"]) == {"get", "post"}
    assert set(paths["/api/v1/admin/webhooks/{endpoint_id}"]) == {"get", "patch"}
    assert "post" in paths["/api/v1/admin/webhooks/{endpoint_id}/rotate-secret"]
    listing = paths["/api/v1/admin/webhooks/{endpoint_id}/deliveries"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"endpoint_id", "status", "page", "per_page"}
    created = paths["/api/v1/admin/webhooks"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/EndpointWithSecret"}
    assert "secret" in spec["components"]["schemas"]["EndpointWithSecret"]["properties"]
    assert "EventPayload" in spec["components"]["schemas"]
