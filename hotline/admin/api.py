"""The admin API under /api/v1/admin: users, reference data and the audit trail (admins write;
supervisors read the trail)."""
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from flask import Blueprint, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import json_body, respond
from hotline.api.models import (
    CalendarDayOut,
    CategoryList,
    CategoryOut,
    DepartmentList,
    DepartmentOut,
    ModelList,
    ModelOut,
    Moment,
    Out,
    PolicyList,
    PolicyOut,
    TrainingOut,
    UserOut,
)
from hotline.api.openapi import ISO_DAY, document
from hotline.audit import service as audit
from hotline.auth import users
from hotline.auth.access import roles_required, token_required
from hotline.directory import admin as directory
from hotline.directory import calendar
from hotline.directory.calendar import local_tz
from hotline.errors import InvalidInput
from hotline.extensions import db
from hotline.labels import AUDIT_ACTIONS, AUDIT_ENTITIES
from hotline.routing import registry, training_requests
from hotline.tickets import schemas
from hotline.tickets.workflow import Role

bp = Blueprint("admin_api", __name__)

ADMIN_ONLY = "只有系统管理员可以管理用户"
USER_PATH = {"user_id": "用户 ID"}
USER_WRITE = {400: "unknown_department、department_required", 403: "", 409: "duplicate_username"}


class UserList(Out):
    items: list[UserOut]


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: Literal[tuple(AUDIT_ENTITIES)] | None = None
    entity_id: schemas._text(1, 64) | None = None
    action: Literal[tuple(AUDIT_ACTIONS)] | None = None
    actor_id: schemas.Id | None = None
    date_from: date | None = Field(None, alias="from", description="起始日期（含）")
    date_to: date | None = Field(None, alias="to", description="截止日期（含）")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class AuditOut(Out):
    id: int
    at: Moment
    actor_id: int | None
    actor: str
    entity: str
    entity_id: str
    action: str
    before: dict | None
    after: dict | None


class AuditPage(Out):
    items: list[AuditOut]
    total: int
    page: int
    per_page: int


@bp.get("/admin/users")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("用户列表（管理员）", response=UserList, errors=(403,))
def list_users():
    return respond(UserList, {"items": [u.to_dict() for u in users.users()]})


@bp.post("/admin/users")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("新增用户（管理员）", body=users.UserCreate, response=UserOut, status=201, errors=USER_WRITE)
def create_user():
    user = users.create(json_body(), g.user)
    db.session.commit()
    return respond(UserOut, user.to_dict(), 201)


@bp.patch("/admin/users/<int:user_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("修改用户的姓名、角色、单位或停用（管理员）", body=users.UserChange, response=UserOut, path_params=USER_PATH,
          errors=USER_WRITE | {403: "不能停用自己的账号", 404: ""})
def change_user(user_id):
    user = users.change(user_id, json_body(), g.user)
    db.session.commit()
    return respond(UserOut, user.to_dict())


@bp.post("/admin/users/<int:user_id>/reset-password")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("重置密码（管理员；用户下次登录须修改）", body=users.PasswordReset, response=UserOut,
          path_params=USER_PATH, errors=(403, 404))
def reset_password(user_id):
    user = users.reset_password(user_id, json_body(), g.user)
    db.session.commit()
    return respond(UserOut, user.to_dict())


@bp.get("/admin/audit")
@token_required
@roles_required({Role.ADMIN, Role.SUPERVISOR}, "只有系统管理员和督办领导可以查看审计日志")
@document("审计日志（管理员、督办领导）", query=AuditQuery, response=AuditPage, errors=(403,))
def list_audit():
    query = schemas.parse(AuditQuery, request.args.to_dict())
    tz = local_tz()
    since = datetime.combine(query.date_from, time(), tz) if query.date_from else None
    until = datetime.combine(query.date_to + timedelta(days=1), time(), tz) if query.date_to else None
    page = db.paginate(audit.entries(query, since, until), page=query.page, per_page=query.per_page,
                       error_out=False, count=True)
    return respond(AuditPage, {"items": [e.to_dict() for e in page.items], "total": page.total,
                               "page": query.page, "per_page": query.per_page})


DIRECTORY_ONLY = "只有系统管理员可以维护基础数据"


class HoursOut(Out):
    hours: str


def _admin_route(rule, summary, methods, body=None, response=None, status=200, path_params=None, errors=None,
                 **facts):
    """One admin-only JSON endpoint: token, role (403), OpenAPI facts."""
    def decorate(view):
        documented = document(summary, body=body, response=response, status=status, path_params=path_params or {},
                              errors={403: ""} | (errors or {}), **facts)(view)
        bp.add_url_rule(rule, view_func=token_required(roles_required({Role.ADMIN}, DIRECTORY_ONLY)(documented)),
                        methods=methods)
        return view
    return decorate


@_admin_route("/admin/departments", "承办单位（含已停用）", ["GET"], response=DepartmentList)
def admin_list_departments():
    return respond(DepartmentList, {"items": [d.to_dict() for d in directory.departments()]})


@_admin_route("/admin/departments", "新增承办单位", ["POST"], body=directory.DepartmentInput, response=DepartmentOut,
              status=201, errors={409: "duplicate_department、duplicate_name"})
def admin_create_department():
    department = directory.add_department(json_body(), g.user)
    db.session.commit()
    return respond(DepartmentOut, department.to_dict(), 201)


@_admin_route("/admin/departments/<int:department_id>", "修改或停用承办单位", ["PATCH"],
              body=directory.DepartmentChange, response=DepartmentOut, path_params={"department_id": "承办单位 ID"},
              errors={404: "", 409: "duplicate_name、department_in_use（还有未办结的工单）"})
def admin_change_department(department_id):
    department = directory.change_department(department_id, json_body(), g.user)
    db.session.commit()
    return respond(DepartmentOut, department.to_dict())


@_admin_route("/admin/categories", "诉求分类（含已停用）", ["GET"], response=CategoryList)
def admin_list_categories():
    return respond(CategoryList, {"items": [c.to_dict() for c in directory.categories()]})


@_admin_route("/admin/categories", "新增诉求分类（最多三级）", ["POST"], body=directory.CategoryInput,
              response=CategoryOut, status=201,
              errors={400: "unknown_category、too_deep", 409: "duplicate_code、duplicate_name"})
def admin_create_category():
    category = directory.add_category(json_body(), g.user)
    db.session.commit()
    return respond(CategoryOut, category.to_dict(), 201)


@_admin_route("/admin/categories/<int:category_id>", "重命名、移动或停用诉求分类", ["PATCH"],
              body=directory.CategoryChange, response=CategoryOut, path_params={"category_id": "分类 ID"},
              errors={400: "unknown_category、too_deep、cyclic_move", 404: "", 409: "duplicate_name、category_in_use"})
def admin_change_category(category_id):
    category = directory.change_category(category_id, json_body(), g.user)
    db.session.commit()
    return respond(CategoryOut, category.to_dict())


@_admin_route("/admin/policies", "时限策略（紧急程度 × 诉求类型）", ["GET"], response=PolicyList)
def admin_list_policies():
    return respond(PolicyList, {"items": [directory.policy_dict(p) for p in directory.policies()]})


@_admin_route("/admin/policies/<int:policy_id>", "修改时限策略（对此后的派单生效）", ["PATCH"],
              body=directory.PolicyChange, response=PolicyOut, path_params={"policy_id": "策略 ID"},
              errors={400: "not_emergency", 404: ""})
def admin_change_policy(policy_id):
    row = directory.change_policy(policy_id, json_body(), g.user)
    db.session.commit()
    return respond(PolicyOut, directory.policy_dict(row))


@_admin_route("/admin/working-hours", "每日工作时间", ["GET"], response=HoursOut)
def admin_get_working_hours():
    return respond(HoursOut, {"hours": directory.working_hours(current_app.config)})


@_admin_route("/admin/working-hours", "修改每日工作时间", ["PUT"], body=directory.WorkingHours, response=HoursOut,
              errors={400: "invalid_hours"})
def admin_put_working_hours():
    hours = directory.change_working_hours(json_body(), g.user, current_app.config)
    db.session.commit()
    return respond(HoursOut, {"hours": hours})


# --- Classifier models: list with held-out scores, training as a scheduler job, activation, rollback.

MODELS_ONLY = "只有系统管理员可以管理分类模型"


class TrainRequestInput(schemas.Input):
    pass


class RollbackInput(schemas.Input):
    kind: Literal[registry.KINDS]


@bp.get("/admin/models")
@token_required
@roles_required({Role.ADMIN}, MODELS_ONLY)
@document("分类模型及其留出集指标、最近一次训练（管理员）", response=ModelList, errors=(403,))
def admin_list_models():
    latest = training_requests.latest()
    return respond(ModelList, {"items": [m.to_dict() for m in registry.models()],
                               "training": latest and latest.to_dict()})


@bp.post("/admin/models/train")
@token_required
@roles_required({Role.ADMIN}, MODELS_ONLY)
@document("从已确认工单训练（管理员；由调度进程执行，进度见模型列表）", body=TrainRequestInput, response=TrainingOut,
          status=202, errors={403: "", 409: "training_in_progress"})
def admin_train_models():
    # The body is optional: an empty POST asks for the one kind of training there is.
    schemas.parse(TrainRequestInput, json_body() if request.get_data() else {})
    row = training_requests.request_training(g.user)
    db.session.commit()
    return respond(TrainingOut, row.to_dict(), 202)


@bp.post("/admin/models/<version>/activate")
@token_required
@roles_required({Role.ADMIN}, MODELS_ONLY)
@document("启用模型（管理员）", response=ModelOut, path_params={"version": "模型版本"}, errors=(403, 404))
def admin_activate_model(version):
    row = registry.activate(version, actor=g.user)
    db.session.commit()
    return respond(ModelOut, row.to_dict())


@bp.post("/admin/models/rollback")
@token_required
@roles_required({Role.ADMIN}, MODELS_ONLY)
@document("回滚到此前启用的模型（管理员）", body=RollbackInput, response=ModelOut,
          errors={400: "nothing_to_roll_back", 403: ""})
def admin_rollback_model():
    params = schemas.parse(RollbackInput, json_body())
    row = registry.rollback(params.kind, actor=g.user)
    db.session.commit()
    return respond(ModelOut, row.to_dict())


# --- the working calendar -------------------------------------------------------------------
# Changes are queued for the calendar_recompute job, which moves open tickets' deadlines.

class CalendarOut(Out):
    year: int
    source: str | None
    days: list[CalendarDayOut]


class CalendarImportOut(Out):
    years: list[int]
    holidays: int
    workdays: int
    dry_run: bool


YEAR_PATH = {"year": ("年份", {"type": "integer", "minimum": calendar.MIN_YEAR, "maximum": calendar.MAX_YEAR})}
CSV_BODY = {"type": "string", "description": "UTF-8 CSV：日期,类型,名称"}


class CalendarImportQuery(BaseModel):
    dry_run: Literal["true", "false", "1", "0"] = Field("false", description="true：只检查，不写入")


def _calendar_day(year, text):
    day = calendar.parse_day(text)
    if day is None:
        raise InvalidInput(f"日期“{text}”无效，应为 YYYY-MM-DD", code="invalid_date", details={"date": text})
    if day.year != year:
        raise InvalidInput(f"{text} 不在 {year} 年", code="invalid_date", details={"date": text, "year": year})
    return day


@_admin_route("/admin/calendar/<int:year>", "一年的法定节假日和调休上班日（source 为空：尚未录入，按周一至周五）",
              ["GET"], response=CalendarOut, path_params=YEAR_PATH, errors={400: "invalid_year", 404: None})
def admin_get_calendar(year):
    calendar.check_year(year)
    return respond(CalendarOut, {"year": year, "source": calendar.year_source(year),
                                 "days": [calendar.day_dict(d) for d in calendar.year_days(year)]})


@_admin_route("/admin/calendar/<int:year>/<day>",
              "设置某天：holiday 法定节假日、workday 调休上班（周六日）、default 恢复默认", ["PUT"],
              body=calendar.DayChange, response=CalendarDayOut,
              path_params=YEAR_PATH | {"day": ("日期 YYYY-MM-DD", ISO_DAY)},
              errors={400: "invalid_date、invalid_day", 404: None})
def admin_put_calendar_day(year, day):
    state = calendar.set_day(_calendar_day(year, day), json_body(), g.user)
    db.session.commit()
    return respond(CalendarDayOut, state)


@_admin_route("/admin/calendar/import", "导入节假日安排：请求体为 UTF-8 CSV 文本（Content-Type: text/csv），"
              "每行 日期,类型,名称，类型为 holiday 或 workday，可有表头；文件中的年份整年替换；"
              "?dry_run=true 只检查。任何一行有错：400，details.errors 列出各行号与原因，不写入任何数据",
              ["POST"], response=CalendarImportOut, query=CalendarImportQuery, body=CSV_BODY, body_type="text/csv",
              errors={400: "invalid_calendar_file（details.errors 列出各行）"})
def admin_import_calendar():
    dry_run = request.args.get("dry_run", "false").lower()
    if dry_run not in ("true", "false", "1", "0"):
        raise InvalidInput("dry_run 应为 true 或 false", details={"dry_run": dry_run})
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("CSV 文件须为 UTF-8 编码", code="invalid_calendar_file") from None
    result = calendar.import_csv(text, g.user, dry_run=dry_run in ("true", "1"))
    db.session.commit()
    return respond(CalendarImportOut, result.to_dict())
