"""The admin API for departments, categories, time-limit policies and working hours."""
import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.directory.models import Category, Department, Setting, TimeLimitPolicy
from hotline.extensions import db
from tests.api.support import assert_error, make_ticket, tokens  # noqa: F401


@pytest.fixture
def admin(client, tokens):
    def call(method, path, **kw):
        headers = {"Authorization": f"Bearer {tokens('admin')}"}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kw)
    return call


def rows(app):
    """Everything these endpoints may write, counted."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                     (Department, Category, AuditEntry, Setting)) + (
            tuple(db.session.execute(select(TimeLimitPolicy.sign_limit, TimeLimitPolicy.complete_limit)).all()),)


def category_id(app, code):
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.code == code))


def test_admin_adds_and_renames_a_department(admin, app):
    created = admin("post", "/admin/departments", json={"code": "sports", "name": "市体育局"})
    assert created.status_code == 201 and created.json["kind"] == "municipal"
    renamed = admin("patch", f"/admin/departments/{created.json['id']}", json={"name": "市文体局", "kind": "municipal"})
    assert renamed.status_code == 200 and renamed.json["name"] == "市文体局"
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "department")
                                     .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].before == {"name": "市体育局"} and entries[1].after == {"name": "市文体局"}


@pytest.mark.parametrize("body, status, code", [
    ({"code": "housing", "name": "另一个住建局"}, 409, "duplicate_code"),
    ({"code": "newdept", "name": "市住房和城乡建设局"}, 409, "duplicate_name"),
    ({"code": "Bad-Code", "name": "市某局"}, 400, "invalid_input"),
    ({"code": "newdept", "name": "市某局", "kind": "ministry"}, 400, "invalid_input"),
])
def test_bad_department_input_writes_nothing(admin, app, body, status, code):
    before = rows(app)
    assert_error(admin("post", "/admin/departments", json=body), status, code)
    assert rows(app) == before


def test_a_department_holding_open_tickets_cannot_be_disabled(admin, app, make_ticket):
    make_ticket("dispatched")
    with app.app_context():
        housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
    before = rows(app)
    assert_error(admin("patch", f"/admin/departments/{housing}", json={"active": False}), 409, "department_in_use")
    assert rows(app) == before


def test_categories_are_added_moved_and_kept_within_three_levels(admin, app):
    top = admin("post", "/admin/categories", json={"name": "体育健身"}).json
    middle = admin("post", "/admin/categories", json={"name": "场馆管理", "parent_id": top["id"]}).json
    leaf = admin("post", "/admin/categories", json={"name": "收费问题", "parent_id": middle["id"]}).json
    assert (top["level"], middle["level"], leaf["level"]) == (1, 2, 3)
    assert leaf["path"] == "体育健身 / 场馆管理 / 收费问题"
    assert_error(admin("post", "/admin/categories", json={"name": "第四级", "parent_id": leaf["id"]}), 400, "too_deep")
    other = admin("post", "/admin/categories", json={"name": "全民健身"}).json
    assert_error(admin("patch", f"/admin/categories/{other['id']}", json={"parent_id": leaf["id"]}), 400, "too_deep")
    moved = admin("patch", f"/admin/categories/{middle['id']}", json={"parent_id": other["id"]})
    assert moved.status_code == 200 and moved.json["path"] == "全民健身 / 场馆管理"
    assert_error(admin("patch", f"/admin/categories/{other['id']}", json={"parent_id": leaf["id"]}), 400)


def test_retiring_a_category_with_sub_categories_is_refused(admin, app):
    before = rows(app)
    error = assert_error(admin("patch", f"/admin/categories/{category_id(app, 'property')}",
                               json={"active": False}), 409, "category_in_use")
    assert error["details"] == {"reason": "children"}
    assert rows(app) == before


def test_retiring_a_category_the_catalogue_routes_is_refused(admin, app):
    leaf = admin("post", "/admin/categories", json={"name": "新建分类"}).json
    with app.app_context():
        housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
    routed = admin("post", "/catalogue", json={"category_id": leaf["id"], "lead_department_id": housing})
    assert routed.status_code == 201, routed.json
    before = rows(app)
    error = assert_error(admin("patch", f"/admin/categories/{leaf['id']}", json={"active": False}),
                         409, "category_in_use")
    assert error["details"] == {"reason": "catalogue"}
    assert rows(app) == before


def test_retiring_an_unused_category_keeps_it_for_old_tickets(admin, app):
    top = admin("post", "/admin/categories", json={"name": "临时分类"}).json
    retired = admin("patch", f"/admin/categories/{top['id']}", json={"active": False})
    assert retired.status_code == 200 and retired.json["active"] is False
    listed = admin("get", "/admin/categories").json["items"]
    assert any(c["id"] == top["id"] and not c["active"] for c in listed)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "disable"


def test_policy_change_is_validated_and_audited(admin, app):
    policies = admin("get", "/admin/policies").json["items"]
    complaint = next(p for p in policies if p["urgency"] == "normal" and p["ticket_type"] == "complaint")
    try:
        changed = admin("patch", f"/admin/policies/{complaint['id']}", json={"complete_limit": 7})
        assert changed.status_code == 200 and changed.json["complete_limit"] == 7
        before = rows(app)
        assert_error(admin("patch", f"/admin/policies/{complaint['id']}", json={"complete_limit": 0}), 400)
        assert_error(admin("patch", f"/admin/policies/{complaint['id']}", json={"contact_minutes": 60}),
                     400, "not_emergency")
        assert rows(app) == before
    finally:
        admin("patch", f"/admin/policies/{complaint['id']}", json={"complete_limit": complaint["complete_limit"]})


def test_working_hours_change_reaches_the_calendar(admin, app):
    from hotline.directory.calendar import work_calendar

    try:
        assert_error(admin("put", "/admin/working-hours", json={"hours": "12:00-09:00"}), 400, "invalid_hours")
        changed = admin("put", "/admin/working-hours", json={"hours": "08:30-12:00,14:00-18:00"})
        assert changed.status_code == 200 and changed.json["hours"] == "08:30-12:00,14:00-18:00"
        with app.app_context():
            assert work_calendar().minutes_per_day == 210 + 240
    finally:
        with app.app_context():
            db.session.query(Setting).delete()
            db.session.commit()


@pytest.mark.parametrize("path", ["/admin/departments", "/admin/categories", "/admin/policies", "/admin/working-hours"])
def test_only_admins_read_or_write_reference_data(client, tokens, path):
    for username in ("operator1", "supervisor1", "dept_housing"):
        headers = {"Authorization": f"Bearer {tokens(username)}"}
        assert_error(client.get(f"/api/v1{path}", headers=headers), 403, "forbidden")
