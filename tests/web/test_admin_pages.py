"""The admin console pages through the Flask client: role checks, each change written with its audit
row, refusals shown with the input kept and nothing written, CSRF, the forced and own password change.

Rows are read and seeded in app contexts of their own, never around the requests (see test_tickets.py).
"""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.auth.models import User
from hotline.directory.models import Category, Department, Setting, TimeLimitPolicy
from hotline.extensions import db
from hotline.routing.models import CatalogueEntry
from tests.api.support import department_ids, make_ticket  # noqa: F401
from tests.conftest import DEMO_PASSWORD

ADMIN_PAGES = ["/admin/users", "/admin/users/1", "/admin/departments", "/admin/departments/1", "/admin/categories",
               "/admin/categories/1", "/admin/catalogue", "/admin/catalogue/1", "/admin/policies", "/admin/policies/1"]
MODELS = (User, Department, Category, CatalogueEntry, AuditEntry, Setting)


@pytest.fixture
def read(app):
    """read(f) → f() in an app context of its own."""
    def run(f):
        with app.app_context():
            return f()
    return run


@pytest.fixture
def counts(read):
    """Every row these pages may write, counted, with the policies' limits."""
    def count():
        return read(lambda: tuple(db.session.scalar(select(func.count()).select_from(m)) for m in MODELS) + (
            tuple(db.session.execute(select(TimeLimitPolicy.sign_limit, TimeLimitPolicy.complete_limit)).all()),))
    return count


def last_audit(read):
    return read(lambda: db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first())


def user_row(read, username):
    return read(lambda: db.session.scalar(select(User).where(User.username == username)))


def new_user(admin, department_ids, username="clerk_wang", **fields):
    data = {"username": username, "full_name": "王办事员", "roles": ["department"],
            "department_id": department_ids["housing"], "password": DEMO_PASSWORD} | fields
    response = admin.post("/admin/users", data)
    assert response.status_code == 302, response.text
    return response


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "supervisor1", "dept_housing"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_only_admins_open_the_admin_pages(web, username, path):
    response = web(username).get(path)
    assert response.status_code == 403 and "无权访问" in response.text


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/admin/audit"])
def test_admin_pages_render_in_chinese(web, path):
    response = web("admin").get(path)
    assert response.status_code == 200
    assert "系统管理" in response.text and "None" not in response.text


@pytest.mark.parametrize("username, status", [("admin", 200), ("supervisor1", 200), ("operator1", 403),
                                              ("dept_housing", 403)])
def test_admins_and_supervisors_read_the_audit_trail(web, username, status):
    assert web(username).get("/admin/audit").status_code == status
    assert web(username).get("/admin/audit/export.xlsx").status_code == status


def test_non_admin_posts_are_refused_and_write_nothing(web, counts, department_ids):
    before = counts()
    response = web("supervisor1").post("/admin/departments", {"code": "sports", "name": "市体育局",
                                                              "kind": "municipal"})
    assert response.status_code == 403 and counts() == before


@pytest.mark.parametrize("path, data", [
    ("/admin/users", {"username": "nocsrf", "roles": ["operator"], "password": DEMO_PASSWORD}),
    ("/admin/departments", {"code": "sports", "name": "市体育局", "kind": "municipal"}),
    ("/admin/categories", {"name": "无令牌分类"}),
    ("/admin/working-hours", {"hours": "08:00-12:00"}),
])
def test_forms_without_csrf_token_are_refused(web, counts, path, data):
    before = counts()
    assert web("admin").post(path, data, csrf=False).status_code == 400
    assert counts() == before


# --- users ------------------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_sign_in(web, read, department_ids):
    response = new_user(web("admin"), department_ids)
    row = user_row(read, "clerk_wang")
    assert response.headers["Location"] == f"/admin/users/{row.id}"
    assert (row.full_name, row.department_id, row.active) == ("王办事员", department_ids["housing"], True)
    entry = last_audit(read)
    assert (entry.entity, entry.action, entry.entity_id, entry.actor_name) == ("user", "create", str(row.id), "admin")
    listed = web("admin").get("/admin/users").text
    assert "clerk_wang" in listed and "王办事员" in listed
    assert web("clerk_wang").get("/").headers["Location"] == "/department/dispatched"


@pytest.mark.parametrize("data, status, message", [
    ({"username": "x", "roles": ["operator"], "password": DEMO_PASSWORD}, 400, "用户名应为 2–50 个字符"),
    ({"username": "bad name", "roles": ["operator"], "password": DEMO_PASSWORD}, 400, "用户名只能用"),
    ({"username": "shortpw", "roles": ["operator"], "password": "abc"}, 400, "密码至少 8 位"),
    ({"username": "noroles", "password": DEMO_PASSWORD}, 400, "请至少选择一个角色"),
    ({"username": "forged", "roles": ["root"], "password": DEMO_PASSWORD}, 400, "请从列表中选择角色"),
    ({"username": "nodept", "roles": ["department"], "password": DEMO_PASSWORD}, 400, "承办单位角色必须指定所属单位"),
    ({"username": "operator1", "roles": ["operator"], "password": DEMO_PASSWORD}, 409, "用户名 operator1 已被使用"),
])
def test_bad_user_input_is_shown_with_the_input_kept_and_nothing_written(web, counts, data, status, message):
    before = counts()
    response = web("admin").post("/admin/users", data | {"full_name": "保留的姓名"})
    assert response.status_code == status
    assert message in response.text and 'value="保留的姓名"' in response.text
    assert counts() == before


def test_admin_changes_roles_department_and_name(web, read, department_ids):
    admin = web("admin")
    new_user(admin, department_ids)
    row = user_row(read, "clerk_wang")
    response = admin.post(f"/admin/users/{row.id}", {"full_name": "王主任", "roles": ["dispatcher", "supervisor"],
                                                     "department_id": ""})
    assert response.status_code == 302
    row = user_row(read, "clerk_wang")
    assert row.full_name == "王主任" and row.department_id is None
    assert read(lambda: db.session.get(User, row.id).roles) == {"dispatcher", "supervisor"}
    entry = last_audit(read)
    assert entry.action == "update" and entry.before["roles"] == ["department"]
    assert entry.after["roles"] == ["dispatcher", "supervisor"]
    page = admin.get(f"/admin/users/{row.id}").text
    assert "派单审核员、督办领导" in page and "市住房和城乡建设局" in page  # the change, read as names


def test_disabling_a_user_ends_its_session_and_enabling_lets_it_back(web, read, department_ids):
    admin = web("admin")
    new_user(admin, department_ids)
    clerk = web("clerk_wang")
    user_id = user_row(read, "clerk_wang").id
    assert admin.post(f"/admin/users/{user_id}/active", {"active": "false"}).status_code == 302
    assert user_row(read, "clerk_wang").active is False and last_audit(read).action == "disable"
    assert clerk.get("/tickets").headers["Location"].startswith("/login")
    assert admin.post(f"/admin/users/{user_id}/active", {"active": "true"}).status_code == 302
    assert last_audit(read).action == "enable"
    assert web("clerk_wang").get("/tickets").status_code == 200


def test_admin_cannot_disable_itself(web, read, counts):
    admin = web("admin")
    admin_id = user_row(read, "admin").id
    before = counts()
    response = admin.post(f"/admin/users/{admin_id}/active", {"active": "false"})
    assert response.status_code == 403 and "不能停用自己的账号" in response.text
    assert counts() == before and user_row(read, "admin").active


def test_reset_password_forces_a_change_at_next_sign_in(web, read, department_ids, app):
    admin = web("admin")
    new_user(admin, department_ids)
    clerk = web("clerk_wang")
    user_id = user_row(read, "clerk_wang").id
    assert admin.post(f"/admin/users/{user_id}/reset-password", {"password": "short"}).status_code == 400
    assert user_row(read, "clerk_wang").must_change_password is False
    assert admin.post(f"/admin/users/{user_id}/reset-password", {"password": "temporary-1"}).status_code == 302
    assert user_row(read, "clerk_wang").must_change_password is True
    assert last_audit(read).action == "reset_password"
    assert clerk.get("/tickets").headers["Location"].startswith("/login")  # the old session ended
    assert "须修改密码" in admin.get("/admin/users").text

    from tests.web.conftest import Browser, FreshClient
    clerk = Browser(FreshClient(app, app.response_class, use_cookies=True)).login("clerk_wang", "temporary-1")
    for path in ("/", "/tickets", "/department/dispatched", "/notifications"):
        assert clerk.get(path).headers["Location"] == "/account/password", path
    page = clerk.get("/account/password")
    assert page.status_code == 200 and "您的密码已由管理员重置" in page.text
    changed = clerk.post("/account/password", {"current_password": "temporary-1", "new_password": "my-own-secret",
                                               "new_password_repeat": "my-own-secret"})
    assert changed.status_code == 302
    assert user_row(read, "clerk_wang").must_change_password is False
    assert clerk.get("/tickets").status_code == 200
    assert clerk.post("/logout").headers["Location"] == "/login"  # logout stays open throughout


# --- one's own password -------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"current_password": "wrong-password", "new_password": "new-secret-1", "new_password_repeat": "new-secret-1"},
     "原密码不正确"),
    ({"current_password": DEMO_PASSWORD, "new_password": "new-secret-1", "new_password_repeat": "new-secret-2"},
     "两次输入的新密码不一致"),
    ({"current_password": DEMO_PASSWORD, "new_password": "short", "new_password_repeat": "short"}, "新密码至少 8 位"),
    ({"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD, "new_password_repeat": DEMO_PASSWORD},
     "新密码不能与原密码相同"),
])
def test_own_password_change_refusals_are_shown(web, read, department_ids, data, message):
    new_user(web("admin"), department_ids)
    before = user_row(read, "clerk_wang").password_hash
    response = web("clerk_wang").post("/account/password", data)
    assert response.status_code == 400 and message in response.text
    assert user_row(read, "clerk_wang").password_hash == before


def test_own_password_change_keeps_this_session_and_ends_the_others(web, read, department_ids, app):
    new_user(web("admin"), department_ids)
    here, elsewhere = web("clerk_wang"), web("clerk_wang")
    response = here.post("/account/password", {"current_password": DEMO_PASSWORD, "new_password": "new-secret-1",
                                               "new_password_repeat": "new-secret-1"})
    assert response.status_code == 302
    assert here.get("/tickets").status_code == 200
    assert elsewhere.get("/tickets").headers["Location"].startswith("/login")
    assert last_audit(read).action == "change_password"
    assert here.client.post("/api/v1/auth/token", json={"username": "clerk_wang",
                                                        "password": "new-secret-1"}).status_code == 200


def test_every_role_reaches_its_own_password_page(web):
    for username in ("operator1", "dept_housing", "revisitor1", "supervisor1"):
        assert web(username).get("/account/password").status_code == 200


# --- departments ----------------------------------------------------------------------------------

def test_admin_adds_edits_and_disables_a_department(web, read):
    admin = web("admin")
    response = admin.post("/admin/departments", {"code": "sports", "name": "市体育局", "kind": "municipal", "area": ""})
    assert response.status_code == 302
    row = read(lambda: db.session.scalar(select(Department).where(Department.code == "sports")))
    assert (row.name, row.kind, row.area, row.active) == ("市体育局", "municipal", None, True)
    assert last_audit(read).action == "create"
    assert admin.post(f"/admin/departments/{row.id}", {"name": "市文化和体育局", "kind": "municipal",
                                                       "area": ""}).status_code == 302
    entry = last_audit(read)
    assert (entry.action, entry.before, entry.after) == ("update", {"name": "市体育局"}, {"name": "市文化和体育局"})
    assert admin.post(f"/admin/departments/{row.id}/active", {"active": "false"}).status_code == 302
    assert read(lambda: db.session.get(Department, row.id).active) is False and last_audit(read).action == "disable"
    listed = admin.get("/admin/departments").text
    assert "市文化和体育局" in listed and "已停用" in listed


@pytest.mark.parametrize("data, status, message", [
    ({"code": "housing", "name": "另一个住建局", "kind": "municipal"}, 409, "已有代码相同的承办单位"),
    ({"code": "Bad-Code", "name": "市某局", "kind": "municipal"}, 400, "代码只能用小写字母"),
    ({"code": "newdept", "name": "某", "kind": "municipal"}, 400, "单位名称应为 2–100 个字"),
    ({"code": "newdept", "name": "市某局", "kind": "ministry"}, 400, "不是有效的选择"),
])
def test_bad_department_input_is_shown_and_writes_nothing(web, counts, data, status, message):
    before = counts()
    response = web("admin").post("/admin/departments", data)
    assert response.status_code == status and message in response.text
    assert counts() == before


def test_a_department_holding_open_tickets_is_not_disabled(web, read, counts, make_ticket, department_ids):
    make_ticket("dispatched")
    before = counts()
    response = web("admin").post(f"/admin/departments/{department_ids['housing']}/active", {"active": "false"})
    assert response.status_code == 409 and "该单位还有未办结的工单" in response.text
    assert counts() == before and read(lambda: db.session.get(Department, department_ids["housing"]).active)


# --- categories ------------------------------------------------------------------------------------

def category_id(read, name):
    return read(lambda: db.session.scalar(select(Category.id).where(Category.name == name)))


def test_admin_adds_renames_moves_and_retires_categories(web, read):
    admin = web("admin")
    assert admin.post("/admin/categories", {"name": "文体旅游", "parent_id": "", "code": ""}).status_code == 302
    top = category_id(read, "文体旅游")
    assert admin.post("/admin/categories", {"name": "体育场馆", "parent_id": str(top), "code": "sports_venues"}
                      ).status_code == 302
    child = category_id(read, "体育场馆")
    assert last_audit(read).action == "create"
    assert admin.post(f"/admin/categories/{child}/rename", {"name": "体育设施"}).status_code == 302
    assert read(lambda: db.session.get(Category, child).name) == "体育设施"
    assert admin.post("/admin/categories", {"name": "全民健身", "parent_id": "", "code": ""}).status_code == 302
    other = category_id(read, "全民健身")
    assert admin.post(f"/admin/categories/{child}/move", {"parent_id": str(other)}).status_code == 302
    assert read(lambda: db.session.get(Category, child).parent_id) == other
    entry = last_audit(read)
    assert entry.action == "update" and (entry.before["parent_id"], entry.after["parent_id"]) == (top, other)
    assert admin.post(f"/admin/categories/{child}/active", {"active": "false"}).status_code == 302
    assert last_audit(read).action == "disable" and not read(lambda: db.session.get(Category, child).active)
    tree = admin.get("/admin/categories").text
    assert "全民健身" in tree and "体育设施" in tree


def test_retiring_a_category_in_use_is_refused_with_the_reason(web, read, counts, department_ids):
    admin = web("admin")
    assert admin.post("/admin/categories", {"name": "文体旅游", "parent_id": "", "code": ""}).status_code == 302
    top = category_id(read, "文体旅游")
    admin.post("/admin/categories", {"name": "体育场馆", "parent_id": str(top), "code": ""})
    before = counts()
    response = admin.post(f"/admin/categories/{top}/active", {"active": "false"})
    assert response.status_code == 409 and "请先停用其下级分类" in response.text
    routed = category_id(read, "体育场馆")
    admin.post("/admin/catalogue", {"category_id": str(routed), "area": "",
                                    "lead_department_id": str(department_ids["housing"])})
    before = counts()
    response = admin.post(f"/admin/categories/{routed}/active", {"active": "false"})
    assert response.status_code == 409 and "派单目录仍引用该分类" in response.text
    assert counts() == before


def test_retiring_a_category_with_open_tickets_is_refused(web, read, counts, make_ticket):
    admin = web("admin")
    admin.post("/admin/categories", {"name": "临时分类", "parent_id": "", "code": ""})
    category = category_id(read, "临时分类")
    make_ticket("received", category_id=category)
    before = counts()
    response = admin.post(f"/admin/categories/{category}/active", {"active": "false"})
    assert response.status_code == 409 and "仍有未办结工单属于该分类" in response.text
    assert counts() == before
    page = admin.get(f"/admin/categories/{category}").text
    assert "1 / 1" in page  # tickets / open


def test_bad_category_changes_are_shown_and_write_nothing(web, read, counts):
    admin = web("admin")
    top = read(lambda: db.session.scalar(select(Category.id).where(Category.level == 1).limit(1)))
    leaf = read(lambda: db.session.scalar(select(Category.id).where(Category.level == 3).limit(1)))
    before = counts()
    response = admin.post(f"/admin/categories/{top}/rename", {"name": ""})
    assert response.status_code == 400 and "请填写分类名称" in response.text
    response = admin.post("/admin/categories", {"name": "太深", "parent_id": str(leaf), "code": ""})
    assert response.status_code == 400 and "不是有效的选择" in response.text  # third-level parents are not offered
    assert counts() == before


# --- the dispatch catalogue --------------------------------------------------------------------------

def test_admin_adds_changes_and_deletes_a_catalogue_entry(web, read, department_ids):
    admin = web("admin")
    admin.post("/admin/categories", {"name": "文体旅游", "parent_id": "", "code": ""})
    category = category_id(read, "文体旅游")
    response = admin.post("/admin/catalogue", {"category_id": str(category), "area": "城西区",
                                               "lead_department_id": str(department_ids["housing"]),
                                               "assisting_department_ids": [str(department_ids["transport"])]})
    assert response.status_code == 302, response.text
    entry = read(lambda: db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.category_id == category)))
    assert (entry.area, entry.lead_department_id) == ("城西区", department_ids["housing"])
    assert last_audit(read).entity == "catalogue" and last_audit(read).action == "create"
    assert admin.get(f"/admin/catalogue?category_id={category}").text.count('data-entry="') == 1
    assert admin.post(f"/admin/catalogue/{entry.id}", {"lead_department_id": str(department_ids["transport"]),
                                                       "assisting_department_ids": []}).status_code == 302
    assert read(lambda: db.session.get(CatalogueEntry, entry.id).lead_department_id) == department_ids["transport"]
    assert last_audit(read).action == "update"
    assert admin.post(f"/admin/catalogue/{entry.id}/delete", {}).status_code == 302
    assert read(lambda: db.session.get(CatalogueEntry, entry.id)) is None and last_audit(read).action == "delete"


def test_bad_catalogue_input_is_shown_and_writes_nothing(web, read, counts, department_ids):
    admin = web("admin")
    entry = read(lambda: db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.area.is_(None))).first())
    before = counts()
    duplicate = admin.post("/admin/catalogue", {"category_id": str(entry.category_id), "area": "",
                                                "lead_department_id": str(department_ids["housing"])})
    assert duplicate.status_code == 409 and "该分类在该区域已有派单目录条目" in duplicate.text
    same = admin.post(f"/admin/catalogue/{entry.id}", {"lead_department_id": str(department_ids["housing"]),
                                                       "assisting_department_ids": [str(department_ids["housing"])]})
    assert same.status_code == 400 and "协办单位不能重复，也不能与主办单位相同" in same.text
    assert counts() == before


# --- time limits and working hours -----------------------------------------------------------------

@pytest.fixture
def complaint_policy(read):
    row = read(lambda: db.session.scalar(select(TimeLimitPolicy).where(
        TimeLimitPolicy.urgency == "normal", TimeLimitPolicy.ticket_type == "complaint")))
    yield row
    def restore():
        policy = db.session.get(TimeLimitPolicy, row.id)
        policy.sign_limit, policy.sign_unit, policy.complete_limit = row.sign_limit, row.sign_unit, row.complete_limit
        db.session.commit()
    read(restore)


def test_policies_table_shows_limits_and_units_in_chinese(web):
    page = web("admin").get("/admin/policies").text
    for text in ("特急", "紧急", "一般", "投诉", "30 分钟（自然时间）", "2 个工作小时", "5 个工作日",
                 "09:00-12:00,13:30-17:30"):
        assert text in page


def test_admin_edits_a_policy_row(web, read, complaint_policy):
    admin = web("admin")
    response = admin.post(f"/admin/policies/{complaint_policy.id}", {"sign_limit": "2", "sign_unit": "working_days",
                                                                     "complete_limit": "7"})
    assert response.status_code == 302
    row = read(lambda: db.session.get(TimeLimitPolicy, complaint_policy.id))
    assert (row.sign_limit, row.sign_unit, row.complete_limit) == (2, "working_days", 7)
    entry = last_audit(read)
    assert entry.entity == "policy" and entry.after["complete_limit"] == 7
    assert "7 个工作日" in admin.get("/admin/policies").text


def test_bad_policy_input_is_shown_and_writes_nothing(web, counts, complaint_policy):
    before = counts()
    response = web("admin").post(f"/admin/policies/{complaint_policy.id}", {
        "sign_limit": "1", "sign_unit": "working_days", "complete_limit": "0"})
    assert response.status_code == 400 and "办结时限应为 1–365 个工作日" in response.text
    assert 'value="0"' in response.text and counts() == before


@pytest.fixture
def restore_hours(read):
    yield
    def remove():
        db.session.query(Setting).delete()
        db.session.commit()
    read(remove)


def test_admin_changes_the_working_hours(web, read, counts, restore_hours):
    admin = web("admin")
    before = counts()
    bad = admin.post("/admin/working-hours", {"hours": "12:00-09:00,13:00-14:00"})
    assert bad.status_code == 400 and "工作时间格式应为" in bad.text and counts() == before
    assert admin.post("/admin/working-hours", {"hours": "08:30-12:00,14:00-18:00"}).status_code == 302
    assert "08:30-12:00,14:00-18:00" in admin.get("/admin/policies").text
    entry = last_audit(read)
    assert (entry.entity, entry.after) == ("calendar", {"hours": "08:30-12:00,14:00-18:00"})


# --- the audit trail --------------------------------------------------------------------------------

def test_audit_trail_filters_pages_and_reads_as_chinese(web, read, department_ids):
    admin = web("admin")
    new_user(admin, department_ids)
    admin.post("/admin/departments", {"code": "sports", "name": "市体育局", "kind": "utility", "area": ""})
    page = admin.get("/admin/audit").text
    assert 'id="audit-total">2<' in page
    assert "承办单位" in page and "公共服务企业" in page and "市住房和城乡建设局" in page  # ids and codes as labels
    only_users = admin.get("/admin/audit?entity=user&action=create").text
    assert 'id="audit-total">1<' in only_users and 'data-entity="department"' not in only_users
    admin_id = user_row(read, "admin").id
    assert 'id="audit-total">2<' in admin.get(f"/admin/audit?actor_id={admin_id}").text
    assert 'id="audit-total">0<' in admin.get("/admin/audit?from=2000-01-01&to=2000-01-31").text
    bad = admin.get("/admin/audit?from=2026-13-01")
    assert bad.status_code == 400 and "日期格式应为" in bad.text


def test_audit_trail_is_paged(web, read):
    def many():
        from hotline.audit import service as audit
        actor = db.session.scalar(select(User).where(User.username == "admin"))
        for i in range(55):
            audit.record(actor, "department", i, "update", {"name": f"旧{i}"}, {"name": f"新{i}"})
        db.session.commit()
    read(many)
    first = web("admin").get("/admin/audit").text
    assert first.count("<tr data-entity=") == 50 and "第 1 / 2 页" in first
    assert web("admin").get("/admin/audit?page=2").text.count("<tr data-entity=") == 5


def test_audit_export_holds_the_filtered_rows(web, department_ids):
    admin = web("admin")
    new_user(admin, department_ids)
    admin.post("/admin/departments", {"code": "sports", "name": "市体育局", "kind": "municipal", "area": ""})
    response = admin.get("/admin/audit/export.xlsx?entity=department")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(response.data)).active.values)
    assert rows[0] == ("时间", "操作人", "对象", "对象编号", "操作", "修改内容")
    assert len(rows) == 2 and rows[1][1:3] == ("admin", "承办单位") and rows[1][4] == "新增"
    assert "名称：市体育局" in rows[1][5]


def test_audit_rows_of_other_entities_read_as_chinese(web, read):
    def record():
        from hotline.audit import service as audit
        actor = db.session.scalar(select(User).where(User.username == "admin"))
        audit.record(actor, "calendar", "2027-01-01", "create", None,
                     {"date": "2027-01-01", "kind": "holiday", "kind_label": "法定节假日", "name": "元旦"})
        audit.record(actor, "user", actor.id, "update", {"roles": ["admin"], "active": True},
                     {"roles": ["admin", "supervisor"], "active": True})
        db.session.commit()
    read(record)
    page = web("supervisor1").get("/admin/audit").text
    assert "法定节假日" in page and "元旦" in page and "kind_label" not in page
    assert "系统管理员、督办领导" in page and "<dt>状态</dt>" not in page  # unchanged fields left out
