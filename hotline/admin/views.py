"""The admin console (/admin/…): users, departments, categories, the dispatch catalogue, time
limits, working hours and the audit trail."""
from datetime import datetime, time, timedelta
from io import BytesIO
from types import SimpleNamespace

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from hotline import labels
from hotline.admin import display
from hotline.admin import forms as f
from hotline.admin.api import AuditQuery
from hotline.audit import service as audit
from hotline.auth import users
from hotline.auth.access import roles_required
from hotline.auth.models import User
from hotline.directory import admin as directory
from hotline.directory.calendar import local_tz
from hotline.directory.models import Category, Department, TimeLimitPolicy
from hotline.errors import HotlineError, InvalidInput
from hotline.extensions import db
from hotline.routing import catalogue
from hotline.routing.api import EntryChange, EntryInput
from hotline.routing.models import CatalogueEntry
from hotline.text import for_spreadsheet
from hotline.tickets import schemas
from hotline.tickets.export import as_text
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import OPEN_STATES, Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("admin", __name__)
bp.add_app_template_global(display.changes, "admin_changes")

ADMIN_ONLY = "只有系统管理员可以使用管理后台"
AUDIT_READERS = "只有系统管理员和督办领导可以查看审计日志"
AUDIT_PAGE = 50
EXPORT_LIMIT = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def admin_page(view):
    return login_required(roles_required({Role.ADMIN}, ADMIN_ONLY)(view))


def _submit(form, change, done, page):
    """Validate, change through the service, commit and redirect with `done(result)` → (message,
    url); or the same page again with the input kept and the refusal shown, with its status."""
    if not form.validate_on_submit():
        return page(None), 400
    try:
        result = change()
    except HotlineError as exc:
        db.session.rollback()
        return page(_shown(exc, form)), exc.status
    db.session.commit()
    message, target = done(result)
    flash(message, "success")
    return redirect(target)


def _shown(exc, form):
    """A refusal as the page shows it: the fields the service names marked, and no English field names
    (the form's own checks catch what the service's would, so this is a last line)."""
    named = [form[k] for k in exc.details if k in form]
    for field in named:
        field.errors = [*field.errors, "此项不符合要求"]
    if exc.code == "invalid_input" and exc.message.startswith("输入有误"):
        return SimpleNamespace(code=exc.code, message="输入有误，请检查标出的项目")
    return exc


# --- users ----------------------------------------------------------------------------------

@bp.get("/admin/users")
@admin_page
def users_index():
    return _users_page(f.UserCreateForm(formdata=None).fill())


@bp.post("/admin/users")
@admin_page
def create_user():
    form = f.UserCreateForm().fill()
    return _submit(form, lambda: users.create(form.payload(), g.user),
                   lambda u: (f"已新增用户 {u.username}", url_for(".user", user_id=u.id)),
                   lambda error: _users_page(form, error))


def _users_page(form, error=None):
    return render_template("admin/users.html", users=users.users(), form=form, error=error)


@bp.get("/admin/users/<int:user_id>")
@admin_page
def user(user_id):
    return _user_page(users.get(user_id))


@bp.post("/admin/users/<int:user_id>")
@admin_page
def change_user(user_id):
    form = f.UserForm().fill()
    return _submit(form, lambda: users.change(user_id, form.payload(), g.user),
                   lambda u: (f"已保存用户 {u.username}", url_for(".user", user_id=user_id)),
                   lambda error: _user_page(users.get(user_id), edit=form, error=error))


@bp.post("/admin/users/<int:user_id>/reset-password")
@admin_page
def reset_password(user_id):
    form = f.PasswordResetForm()
    return _submit(form, lambda: users.reset_password(user_id, form.payload(), g.user),
                   lambda u: (f"已重置 {u.username} 的密码，其下次登录时须修改密码", url_for(".user", user_id=user_id)),
                   lambda error: _user_page(users.get(user_id), reset=form, error=error))


@bp.post("/admin/users/<int:user_id>/active")
@admin_page
def set_user_active(user_id):
    form = f.ActiveForm()
    return _submit(form, lambda: users.change(user_id, form.payload(), g.user),
                   lambda u: (f"已{'启用' if u.active else '停用'}用户 {u.username}",
                              url_for(".user", user_id=user_id)),
                   lambda error: _user_page(users.get(user_id), error=error))


def _user_page(target, edit=None, reset=None, error=None):
    if edit is None:
        edit = f.UserForm(formdata=None, full_name=target.full_name, roles=sorted(target.roles),
                          department_id=target.department_id).fill()
    return render_template("admin/user.html", target=target, form=edit,
                           reset=reset or f.PasswordResetForm(formdata=None), active=f.ActiveForm(formdata=None),
                           history=_history("user", target.id), error=error)


def _history(entity, entity_id, limit=20):
    query = schemas.parse(AuditQuery, {"entity": entity, "entity_id": str(entity_id)})
    entries = db.session.scalars(audit.entries(query).limit(limit)).all()
    return {"entries": entries, "names": display.Names()}


# --- departments ----------------------------------------------------------------------------

@bp.get("/admin/departments")
@admin_page
def departments():
    return _departments_page(f.DepartmentForm(formdata=None))


@bp.post("/admin/departments")
@admin_page
def create_department():
    form = f.DepartmentForm()
    return _submit(form, lambda: directory.add_department(form.payload(), g.user),
                   lambda d: (f"已新增承办单位 {d.name}", url_for(".departments")),
                   lambda error: _departments_page(form, error))


def _departments_page(form, error=None):
    open_counts = dict(db.session.execute(
        select(Ticket.department_id, func.count()).where(Ticket.state.in_(OPEN_STATES))
        .group_by(Ticket.department_id)).tuples().all())
    staff = dict(db.session.execute(select(User.department_id, func.count()).where(User.active)
                                    .group_by(User.department_id)).tuples().all())
    return render_template("admin/departments.html", departments=directory.departments(), form=form,
                           error=error, open_counts=open_counts, staff=staff)


@bp.get("/admin/departments/<int:department_id>")
@admin_page
def department(department_id):
    return _department_page(_department(department_id))


@bp.post("/admin/departments/<int:department_id>")
@admin_page
def change_department(department_id):
    form = f.DepartmentChangeForm()
    return _submit(form, lambda: directory.change_department(department_id, form.payload(), g.user),
                   lambda d: (f"已保存承办单位 {d.name}", url_for(".department", department_id=department_id)),
                   lambda error: _department_page(_department(department_id), form, error))


@bp.post("/admin/departments/<int:department_id>/active")
@admin_page
def set_department_active(department_id):
    form = f.ActiveForm()
    return _submit(form, lambda: directory.change_department(department_id, form.payload(), g.user),
                   lambda d: (f"已{'启用' if d.active else '停用'}承办单位 {d.name}",
                              url_for(".department", department_id=department_id)),
                   lambda error: _department_page(_department(department_id), error=error))


def _department(department_id):
    return db.get_or_404(Department, department_id)


def _department_page(row, form=None, error=None):
    form = form or f.DepartmentChangeForm(formdata=None, obj=row)
    return render_template("admin/department.html", department=row, form=form, active=f.ActiveForm(formdata=None),
                           history=_history("department", row.id), error=error)


# --- categories -----------------------------------------------------------------------------

@bp.get("/admin/categories")
@admin_page
def categories():
    return _categories_page(f.CategoryForm(formdata=None, parent_id=request.args.get("parent_id", type=int)).fill())


@bp.post("/admin/categories")
@admin_page
def create_category():
    form = f.CategoryForm().fill()
    return _submit(form, lambda: directory.add_category(form.payload(), g.user),
                   lambda c: (f"已新增分类 {c.path}", url_for(".categories")),
                   lambda error: _categories_page(form, error))


def _categories_page(form, error=None):
    rows = directory.categories()
    children = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return render_template("admin/categories.html", children=children, form=form, error=error,
                           counts=_category_counts())


def _category_counts():
    """Per category: its tickets, open tickets and catalogue entries (own rows, not the subtree's)."""
    tickets = db.session.execute(select(Ticket.category_id, func.count(),
                                        func.count().filter(Ticket.state.in_(OPEN_STATES)))
                                 .group_by(Ticket.category_id)).all()
    entries = dict(db.session.execute(select(CatalogueEntry.category_id, func.count())
                                      .group_by(CatalogueEntry.category_id)).tuples().all())
    found = {cid: {"tickets": total, "open": open_, "entries": 0} for cid, total, open_ in tickets}
    for cid, count in entries.items():
        found.setdefault(cid, {"tickets": 0, "open": 0, "entries": 0})["entries"] = count
    return found


@bp.get("/admin/categories/<int:category_id>")
@admin_page
def category(category_id):
    return _category_page(_category(category_id))


@bp.post("/admin/categories/<int:category_id>/rename")
@admin_page
def rename_category(category_id):
    form = f.CategoryRenameForm()
    return _change_category(category_id, form, lambda: form.payload(), "已重命名分类", rename=form)


@bp.post("/admin/categories/<int:category_id>/move")
@admin_page
def move_category(category_id):
    form = f.CategoryMoveForm().fill(_category(category_id))
    return _change_category(category_id, form, lambda: form.payload(), "已移动分类", move=form)


@bp.post("/admin/categories/<int:category_id>/active")
@admin_page
def set_category_active(category_id):
    form = f.ActiveForm()
    return _change_category(category_id, form, lambda: form.payload(),
                            "已启用分类" if request.form.get("active") == "true" else "已停用分类")


def _change_category(category_id, form, payload, message, **forms):
    return _submit(form, lambda: directory.change_category(category_id, payload(), g.user),
                   lambda c: (f"{message}：{c.path}", url_for(".category", category_id=category_id)),
                   lambda error: _category_page(_category(category_id), error=error, **forms))


def _category(category_id):
    return db.get_or_404(Category, category_id)


def _category_page(row, rename=None, move=None, error=None):
    child_form = f.CategoryForm(formdata=None, parent_id=row.id).fill() if row.level < directory.MAX_LEVEL else None
    return render_template("admin/category.html", category=row, error=error,
                           rename=rename or f.CategoryRenameForm(formdata=None, name=row.name),
                           move=move or f.CategoryMoveForm(formdata=None, parent_id=row.parent_id).fill(row),
                           active=f.ActiveForm(formdata=None), child_form=child_form,
                           children=db.session.scalars(select(Category).where(Category.parent_id == row.id)
                                                       .order_by(Category.id)).all(),
                           counts=_category_counts(), history=_history("category", row.id))


# --- the dispatch catalogue -----------------------------------------------------------------

@bp.get("/admin/catalogue")
@admin_page
def catalogue_index():
    return _catalogue_page(f.CatalogueForm(formdata=None).fill())


@bp.post("/admin/catalogue")
@admin_page
def create_entry():
    form = f.CatalogueForm().fill()

    def add():
        params = schemas.parse(EntryInput, form.payload())
        return catalogue.add_entry(params.category_id, params.area, params.lead_department_id,
                                   params.assisting_department_ids, g.user)
    return _submit(form, add, lambda e: (f"已新增派单目录条目：{e.category.path}", url_for(".catalogue_index")),
                   lambda error: _catalogue_page(form, error))


def _catalogue_page(form, error=None):
    filters = f.CatalogueFilterForm(request.args).fill()
    category_id = filters.category_id.data if filters.validate() else None
    area = filters.area.data or None
    return render_template("admin/catalogue.html", entries=catalogue.entries(category_id, area), form=form,
                           filters=filters, error=error)


@bp.get("/admin/catalogue/<int:entry_id>")
@admin_page
def entry(entry_id):
    return _entry_page(db.get_or_404(CatalogueEntry, entry_id))


@bp.post("/admin/catalogue/<int:entry_id>")
@admin_page
def change_entry(entry_id):
    form = f.CatalogueChangeForm().fill()

    def change():
        params = schemas.parse(EntryChange, form.payload())
        return catalogue.change_entry(entry_id, params.lead_department_id, params.assisting_department_ids, g.user)
    return _submit(form, change,
                   lambda e: (f"已修改派单目录条目：{e.category.path}", url_for(".entry", entry_id=entry_id)),
                   lambda error: _entry_page(db.get_or_404(CatalogueEntry, entry_id), form, error))


@bp.post("/admin/catalogue/<int:entry_id>/delete")
@admin_page
def delete_entry(entry_id):
    form = f.AdminForm()
    return _submit(form, lambda: catalogue.remove_entry(entry_id, g.user),
                   lambda _: ("已删除派单目录条目", url_for(".catalogue_index")),
                   lambda error: _entry_page(db.get_or_404(CatalogueEntry, entry_id), error=error))


def _entry_page(row, form=None, error=None):
    form = form or f.CatalogueChangeForm(formdata=None, lead_department_id=row.lead_department_id,
                                         assisting_department_ids=[d.id for d in row.assisting]).fill()
    return render_template("admin/entry.html", entry=row, form=form, remove=f.AdminForm(formdata=None),
                           history=_history("catalogue", row.id), error=error)


# --- time limits and working hours ----------------------------------------------------------

@bp.get("/admin/policies")
@admin_page
def policies():
    return _policies_page()


def _policies_page(hours=None, error=None):
    hours = hours or f.WorkingHoursForm(formdata=None, hours=directory.working_hours(current_app.config))
    return render_template("admin/policies.html", policies=directory.policies(), hours=hours, error=error,
                           config=current_app.config)


@bp.get("/admin/policies/<int:policy_id>")
@admin_page
def policy(policy_id):
    row = db.get_or_404(TimeLimitPolicy, policy_id)
    return _policy_page(row, f.PolicyForm(formdata=None, obj=row))


@bp.post("/admin/policies/<int:policy_id>")
@admin_page
def change_policy(policy_id):
    row = db.get_or_404(TimeLimitPolicy, policy_id)
    form = f.PolicyForm()
    fields = ["sign_limit", "sign_unit", "complete_limit"] + (
        ["contact_minutes", "onsite_minutes"] if row.urgency == "emergency" else [])
    return _submit(form, lambda: directory.change_policy(policy_id, form.payload(*fields), g.user),
                   lambda _: ("已保存时限策略，对此后的派单生效", url_for(".policies")),
                   lambda error: _policy_page(db.get_or_404(TimeLimitPolicy, policy_id), form, error))


def _policy_page(row, form, error=None):
    return render_template("admin/policy.html", policy=row, form=form, error=error,
                           history=_history("policy", row.id))


@bp.post("/admin/working-hours")
@admin_page
def change_working_hours():
    form = f.WorkingHoursForm()
    return _submit(form, lambda: directory.change_working_hours(form.payload(), g.user, current_app.config),
                   lambda hours: (f"已将每日工作时间改为 {hours}", url_for(".policies")),
                   lambda error: _policies_page(form, error))


# --- the audit trail ------------------------------------------------------------------------

def _audit_filters():
    """The filter form and the API's AuditQuery it stands for (None when a filter is malformed)."""
    form = f.AuditFilterForm(request.args)
    actors = db.session.execute(select(User.id, User.username, User.full_name).order_by(User.username)).all()
    form.actor_id.choices = f.options([("", "全部")] + [(a.id, f"{a.full_name or a.username}（{a.username}）")
                                                       for a in actors])
    if not form.validate():
        return form, None
    values = {"entity": form.entity.data or None, "action": form.action.data or None,
              "actor_id": form.actor_id.data, "from": form.date_from.data, "to": form.date_to.data,
              "page": request.args.get("page", 1, type=int), "per_page": AUDIT_PAGE}
    try:
        return form, schemas.parse(AuditQuery, {k: v for k, v in values.items() if v is not None})
    except InvalidInput:
        return form, None


def _audit_select(query):
    tz = local_tz()
    since = datetime.combine(query.date_from, time(), tz) if query.date_from else None
    until = datetime.combine(query.date_to + timedelta(days=1), time(), tz) if query.date_to else None
    return audit.entries(query, since, until)


@bp.get("/admin/audit")
@login_required
@roles_required({Role.ADMIN, Role.SUPERVISOR}, AUDIT_READERS)
def audit_index():
    form, query = _audit_filters()
    if query is None:
        return render_template("admin/audit.html", form=form, page=None, error=InvalidInput(
            "筛选条件有误，请检查日期等条件"), args={}), 400
    page = db.paginate(_audit_select(query), page=query.page, per_page=AUDIT_PAGE, error_out=False, count=True)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, names=display.Names(), args=args, error=None)


@bp.get("/admin/audit/export.xlsx")
@login_required
@roles_required({Role.ADMIN, Role.SUPERVISOR}, AUDIT_READERS)
def audit_export():
    _form, query = _audit_filters()
    if query is None:
        raise InvalidInput("筛选条件有误，请检查日期等条件")
    rows = db.session.scalars(_audit_select(query).limit(EXPORT_LIMIT)).all()
    now = utcnow()
    return send_file(_audit_workbook(rows, display.Names()), mimetype=XLSX, as_attachment=True,
                     download_name=f"审计日志-{now.astimezone(local_tz()):%Y%m%d%H%M}.xlsx")


AUDIT_COLUMNS = (("时间", 17), ("操作人", 14), ("对象", 10), ("对象编号", 10), ("操作", 10), ("修改内容", 90))


def _audit_workbook(entries, names):
    tz = local_tz()
    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    sheet.append([title for title, _width in AUDIT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for e in entries:
        sheet.append([for_spreadsheet(v) for v in (
            e.at.astimezone(tz).replace(tzinfo=None), e.actor_name, labels.AUDIT_ENTITIES.get(e.entity, e.entity),
            e.entity_id, labels.AUDIT_ACTIONS.get(e.action, e.action), display.summary(e, names))])
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd hh:mm"
        as_text(sheet[sheet.max_row])
    for index, (_title, width) in enumerate(AUDIT_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
