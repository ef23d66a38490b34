"""The admin users API and one's own password: roles, validation, revocation, audit rows."""
import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.auth.models import User
from hotline.extensions import db
from tests.api.support import assert_error, tokens  # noqa: F401


@pytest.fixture
def admin(client, tokens):
    def call(method, path, **kw):
        return getattr(client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens('admin')}"}, **kw)
    return call


def housing_id(app):
    from hotline.directory.models import Department

    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.code == "housing"))


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(User.id))),
                db.session.scalar(select(func.count(AuditEntry.id))))


def login(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def new_clerk(admin, app, username="clerk_li"):
    response = admin("post", "/admin/users", json={
        "username": username, "password": "first-passw0rd", "full_name": "李办事员",
        "roles": ["department"], "department_id": housing_id(app)})
    assert response.status_code == 201, response.json
    return response.json


def test_admin_creates_a_department_user_who_can_sign_in(admin, app, client):
    user = new_clerk(admin, app)
    assert user["roles"] == ["department"] and user["active"] is True
    assert login(client, "clerk_li", "first-passw0rd").status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "user"))
        assert (entry.action, entry.entity_id, entry.actor_name) == ("create", str(user["id"]), "admin")
        assert entry.after["roles"] == ["department"] and "password" not in str(entry.after)


@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "supervisor1", "dept_housing", "revisitor1"])
def test_only_admins_manage_users(client, tokens, app, username):
    headers = {"Authorization": f"Bearer {tokens(username)}"}
    before = counts(app)
    assert_error(client.get("/api/v1/admin/users", headers=headers), 403, "forbidden")
    assert_error(client.post("/api/v1/admin/users", headers=headers, json={
        "username": "x_user", "password": "passw0rd-x", "roles": ["operator"]}), 403, "forbidden")
    assert counts(app) == before


@pytest.mark.parametrize("body, status, code", [
    ({"username": "operator1", "password": "passw0rd-x", "roles": ["operator"]}, 409, "duplicate_username"),
    ({"username": "new_one", "password": "short", "roles": ["operator"]}, 400, "invalid_input"),
    ({"username": "new_one", "password": "passw0rd-x", "roles": ["wizard"]}, 400, "invalid_input"),
    ({"username": "new_one", "password": "passw0rd-x", "roles": []}, 400, "invalid_input"),
    ({"username": "new_one", "password": "passw0rd-x", "roles": ["department"]}, 400, "department_required"),
    ({"username": "new_one", "password": "passw0rd-x", "roles": ["operator"], "department_id": 999999},
     400, "unknown_department"),
    ({"username": "bad name!", "password": "passw0rd-x", "roles": ["operator"]}, 400, "invalid_input"),
])
def test_bad_user_input_is_refused_and_writes_nothing(admin, app, body, status, code):
    before = counts(app)
    assert_error(admin("post", "/admin/users", json=body), status, code)
    assert counts(app) == before


def test_disabling_a_user_stops_its_tokens_at_once(admin, app, client):
    user = new_clerk(admin, app)
    token = login(client, "clerk_li", "first-passw0rd").json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    changed = admin("patch", f"/admin/users/{user['id']}", json={"active": False})
    assert changed.status_code == 200 and changed.json["active"] is False
    assert_error(client.get("/api/v1/tickets", headers=headers), 401, "unauthorized")
    assert_error(login(client, "clerk_li", "first-passw0rd"), 401, "invalid_credentials")
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["create", "disable"]


def test_reset_password_forces_a_change_and_revokes_old_tokens(admin, app, client):
    user = new_clerk(admin, app)
    old = login(client, "clerk_li", "first-passw0rd").json["token"]
    reset = admin("post", f"/admin/users/{user['id']}/reset-password", json={"password": "temporary-passw0rd"})
    assert reset.status_code == 200 and reset.json["must_change_password"] is True
    assert_error(client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {old}"}), 401)
    fresh = login(client, "clerk_li", "temporary-passw0rd").json["token"]
    changed = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {fresh}"},
                          json={"current_password": "temporary-passw0rd", "new_password": "my-own-passw0rd"})
    assert changed.status_code == 200 and changed.json["user"]["must_change_password"] is False
    assert_error(client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {fresh}"}), 401)
    renewed = {"Authorization": f"Bearer {changed.json['token']}"}
    assert client.get("/api/v1/tickets", headers=renewed).status_code == 200


def test_own_password_change_needs_the_current_password(admin, app, client):
    new_clerk(admin, app)
    token = login(client, "clerk_li", "first-passw0rd").json["token"]
    before = counts(app)
    error = assert_error(client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {token}"},
                                     json={"current_password": "not-it", "new_password": "my-own-passw0rd"}),
                         400, "wrong_password")
    assert error["details"] == {"current_password": "wrong"}
    assert counts(app) == before
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_admin_cannot_disable_itself(admin, app):
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    assert_error(admin("patch", f"/admin/users/{admin_id}", json={"active": False}), 403, "forbidden")


def test_changing_roles_and_department_is_audited_before_and_after(admin, app):
    user = new_clerk(admin, app)
    changed = admin("patch", f"/admin/users/{user['id']}", json={"roles": ["operator"], "department_id": None})
    assert changed.status_code == 200 and changed.json["roles"] == ["operator"]
    assert changed.json["department_id"] is None
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.before["roles"] == ["department"] and entry.after["roles"] == ["operator"]


def test_supervisors_read_the_audit_trail_and_departments_do_not(admin, app, client, tokens):
    new_clerk(admin, app)
    page = client.get("/api/v1/admin/audit?entity=user", headers={"Authorization": f"Bearer {tokens('supervisor1')}"})
    assert page.status_code == 200 and page.json["total"] == 1
    assert page.json["items"][0]["action"] == "create"
    assert_error(client.get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {tokens('dept_housing')}"}),
                 403)
    assert_error(admin("get", "/admin/audit?entity=spaceship"), 400)
