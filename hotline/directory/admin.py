"""Keeping the reference data true (admins): departments, the category taxonomy, time-limit
policies and working hours. Every change is validated, flushed and written to the audit trail."""
from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import exists, select

from hotline.audit import service as audit
from hotline.directory.calendar import WORKING_HOURS, request_recompute
from hotline.directory.models import Category, Department, Setting, TimeLimitPolicy
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.extensions import db
from hotline.labels import DEPARTMENT_KINDS, LIMIT_UNITS
from hotline.routing.models import CatalogueEntry
from hotline.tickets import schemas
from hotline.tickets.deadlines import parse_hours
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import OPEN_STATES

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40,
                                        pattern=r"^[a-z][a-z0-9_]*$")]
MAX_LEVEL = 3


class DepartmentInput(schemas.Input):
    code: Code
    name: schemas._text(2, 100)
    kind: Literal[tuple(DEPARTMENT_KINDS)] = "municipal"
    area: schemas._text(1, 50) | None = None


class DepartmentChange(schemas.Input):
    name: schemas._text(2, 100) | None = None
    kind: Literal[tuple(DEPARTMENT_KINDS)] | None = None
    area: schemas._text(1, 50) | None = None
    active: bool | None = None


class CategoryInput(schemas.Input):
    name: schemas._text(1, 60)
    parent_id: schemas.Id | None = None
    code: Code | None = None


class CategoryChange(schemas.Input):
    name: schemas._text(1, 60) | None = None
    parent_id: schemas.Id | None = Field(None, description="移到另一上级分类下（null：移为一级分类）")
    active: bool | None = Field(None, description="false：停用（历史工单不受影响）")


class PolicyChange(schemas.Input):
    sign_limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    sign_unit: Literal[tuple(LIMIT_UNITS)] | None = None
    complete_limit: Annotated[int, Field(ge=1, le=365)] | None = None
    contact_minutes: Annotated[int, Field(ge=1, le=10_000)] | None = None
    onsite_minutes: Annotated[int, Field(ge=1, le=10_000)] | None = None


class WorkingHours(schemas.Input):
    hours: schemas._text(11, 200) = Field(description="如 09:00-12:00,13:30-17:30")


def _changed(row, params, fields):
    """Apply the given fields; return (before, after) of those that changed."""
    before, after = {}, {}
    for name in fields:
        if name in params.model_fields_set and getattr(row, name) != getattr(params, name):
            before[name], after[name] = getattr(row, name), getattr(params, name)
            setattr(row, name, getattr(params, name))
    return before, after


# --- departments -------------------------------------------------------------------------

def departments():
    return db.session.scalars(select(Department).order_by(Department.id)).all()


def add_department(data, actor):
    params = schemas.parse(DepartmentInput, data)
    for column in ("code", "name"):
        if db.session.scalar(select(Department.id).where(getattr(Department, column) == getattr(params, column))):
            raise Conflict(f"已有{'代码' if column == 'code' else '名称'}相同的承办单位：{getattr(params, column)}",
                           code=f"duplicate_{column}")
    department = Department(**params.model_dump(), active=True)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department", department.id, "create", None, department.to_dict())
    return department


def change_department(department_id, data, actor):
    params = schemas.parse(DepartmentChange, data)
    department = _get(Department, department_id, "承办单位")
    if params.name and db.session.scalar(select(Department.id).where(
            Department.name == params.name, Department.id != department.id)):
        raise Conflict(f"已有名称相同的承办单位：{params.name}", code="duplicate_name")
    if params.active is False and _holds_open_tickets(department.id):
        raise Conflict("该单位还有未办结的工单，请先转派后再停用", code="department_in_use")
    before, after = _changed(department, params, ("name", "kind", "area", "active"))
    db.session.flush()
    audit.record(actor, "department", department.id, _verb(after), before, after)
    return department


def _holds_open_tickets(department_id):
    return db.session.scalar(select(exists().where(Ticket.department_id == department_id,
                                                   Ticket.state.in_(OPEN_STATES))))


# --- categories --------------------------------------------------------------------------

def categories():
    return db.session.scalars(select(Category).order_by(Category.level, Category.id)).all()


def add_category(data, actor):
    params = schemas.parse(CategoryInput, data)
    parent = _get(Category, params.parent_id, "上级分类") if params.parent_id else None
    level = parent.level + 1 if parent else 1
    if level > MAX_LEVEL:
        raise InvalidInput("分类最多三级", code="too_deep", details={"parent_id": params.parent_id})
    _unique_name(params.name, params.parent_id)
    if params.code and db.session.scalar(select(Category.id).where(Category.code == params.code)):
        raise Conflict(f"分类代码 {params.code} 已被使用", code="duplicate_code")
    category = Category(name=params.name, parent=parent, level=level, code=params.code, active=True)
    db.session.add(category)
    db.session.flush()
    audit.record(actor, "category", category.id, "create", None, category.to_dict())
    return category


def change_category(category_id, data, actor):
    """Rename, move (the subtree keeps its depth within three levels) or retire a category."""
    params = schemas.parse(CategoryChange, data)
    category = _get(Category, category_id, "分类")
    before = category.to_dict()
    if "parent_id" in params.model_fields_set and params.parent_id != category.parent_id:
        _move(category, params.parent_id)
    if params.name is not None and params.name != category.name:
        _unique_name(params.name, category.parent_id, category.id)
        category.name = params.name
    if params.active is not None and params.active != category.active:
        if not params.active:
            _refuse_retiring_in_use(category)
        category.active = params.active
    db.session.flush()
    after = category.to_dict()
    audit.record(actor, "category", category.id, _verb({"active": after["active"]} if
                                                       before["active"] != after["active"] else {}),
                 before, after)
    return category


def _move(category, parent_id):
    parent = _get(Category, parent_id, "上级分类") if parent_id else None
    node = parent
    while node is not None:
        if node.id == category.id:
            raise InvalidInput("不能把分类移到它自己的下级", code="cyclic_move")
        node = node.parent
    shift = (parent.level + 1 if parent else 1) - category.level
    subtree = _subtree(category.id)
    if max(c.level for c in subtree) + shift > MAX_LEVEL:
        raise InvalidInput("移动后分类会超过三级", code="too_deep", details={"parent_id": parent_id})
    _unique_name(category.name, parent_id, category.id)
    for node in subtree:
        node.level += shift
    category.parent = parent


def _subtree(category_id):
    found, frontier = [], [category_id]
    while frontier:
        rows = db.session.scalars(select(Category).where(Category.id.in_(frontier))).all()
        found.extend(rows)
        frontier = db.session.scalars(select(Category.id).where(Category.parent_id.in_(frontier))).all()
    return found


def _refuse_retiring_in_use(category):
    """Old tickets keep a retired category; open work, live sub-categories and routing may not."""
    subtree = _subtree(category.id)
    ids = [c.id for c in subtree]
    if any(c.active and c.id != category.id for c in subtree):
        raise Conflict("请先停用其下级分类", code="category_in_use", details={"reason": "children"})
    if db.session.scalar(select(exists().where(CatalogueEntry.category_id.in_(ids)))):
        raise Conflict("派单目录仍引用该分类，请先修改派单目录", code="category_in_use",
                       details={"reason": "catalogue"})
    if db.session.scalar(select(exists().where(Ticket.category_id.in_(ids), Ticket.state.in_(OPEN_STATES)))):
        raise Conflict("仍有未办结工单属于该分类", code="category_in_use", details={"reason": "open_tickets"})


def _unique_name(name, parent_id, own_id=None):
    clash = select(Category.id).where(Category.name == name, Category.id != (own_id or 0),
                                      Category.parent_id.is_(None) if parent_id is None
                                      else Category.parent_id == parent_id)
    if db.session.scalar(clash) is not None:
        raise Conflict(f"同一上级下已有分类“{name}”", code="duplicate_name")


# --- time limits and working hours ------------------------------------------------------

def policies():
    return db.session.scalars(select(TimeLimitPolicy).order_by(TimeLimitPolicy.id)).all()


def policy_dict(row):
    return {c: getattr(row, c) for c in ("id", "urgency", "ticket_type", "sign_limit", "sign_unit",
                                          "complete_limit", "complete_unit", "contact_minutes", "onsite_minutes")}


def change_policy(policy_id, data, actor):
    """New limits apply to dispatches from now on; running clocks keep the limits they started with."""
    params = schemas.parse(PolicyChange, data)
    row = _get(TimeLimitPolicy, policy_id, "时限策略")
    if row.urgency != "emergency" and (params.contact_minutes or params.onsite_minutes):
        raise InvalidInput("联系市民和到达现场时限只适用于特急工单", code="not_emergency")
    before, after = _changed(row, params, ("sign_limit", "sign_unit", "complete_limit", "contact_minutes",
                                           "onsite_minutes"))
    db.session.flush()
    audit.record(actor, "policy", row.id, "update", before, after)
    return row


def working_hours(config):
    row = db.session.get(Setting, WORKING_HOURS)
    return row.value if row else config["HOTLINE_WORKING_HOURS"]


def change_working_hours(data, actor, config):
    params = schemas.parse(WorkingHours, data)
    try:
        ranges = parse_hours(params.hours)
    except ValueError:
        raise InvalidInput("工作时间格式应为 09:00-12:00,13:30-17:30，且各段递增、不重叠",
                           code="invalid_hours", details={"hours": params.hours}) from None
    value = ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)
    before = working_hours(config)
    row = db.session.get(Setting, WORKING_HOURS) or Setting(key=WORKING_HOURS)
    row.value = value
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "calendar", WORKING_HOURS, "update", {"hours": before}, {"hours": value})
    if value != before:
        request_recompute(f"工作时间改为 {value}", actor)
    return value


def _get(model, key, label):
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(f"{label} {key} 不存在")
    return row


def _verb(after):
    if "active" in after:
        return "enable" if after["active"] else "disable"
    return "update"

