"""The dispatch catalogue (派单目录) over the API: centre staff read it, admins edit it."""
from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.api import bp, json_body, login_required
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.directory.models import Category, Department
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.routing.models import CatalogueEntry
from hotline.tickets import schemas
from hotline.tickets.workflow import Role

ENTRY_PATH = {"entry_id": "目录条目编号"}
DUPLICATE_ENTRY = "该分类在该区域已有派单目录条目，请修改原条目"


class CatalogueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category_id: int | None = Field(default=None, gt=0, le=schemas.MAX_ID, description="分类（不含下级）")
    area: schemas._text(1, 50) | None = Field(default=None, description="区域；any 表示不限区域的条目")


class EntryInput(schemas.Input):
    category_id: schemas.Id
    area: schemas._text(1, 50) | None = Field(default=None, description="区域；不填表示不限区域")
    lead_department_id: schemas.Id
    assisting_department_ids: list[schemas.Id] = Field(default_factory=list, max_length=10)


class EntryChange(schemas.Input):
    lead_department_id: schemas.Id | None = None
    assisting_department_ids: list[schemas.Id] | None = Field(default=None, max_length=10)


class EntryOut(Out):
    id: int
    category: dict
    area: str | None
    lead: dict
    assisting: list[dict]


class EntryList(Out):
    items: list[EntryOut]


def _department(department):
    return {"id": department.id, "code": department.code, "name": department.name}


def entry_dict(entry):
    return {
        "id": entry.id,
        "category": {"id": entry.category.id, "code": entry.category.code, "path": entry.category.path},
        "area": entry.area,
        "lead": _department(entry.lead),
        "assisting": [_department(d) for d in sorted(entry.assisting, key=lambda d: d.id)],
    }


def _admin():
    if not g.user.has_role(Role.ADMIN):
        raise Forbidden("只有管理员可以维护派单目录")


def _departments(lead_id, assisting_ids):
    """The lead and assisting departments, refusing unknown, inactive or repeated ones."""
    if lead_id in assisting_ids or len(set(assisting_ids)) != len(assisting_ids):
        raise InvalidInput("协办单位不能重复，也不能与主办单位相同", code="duplicate_department")
    wanted = {lead_id, *assisting_ids}
    found = {d.id: d for d in db.session.scalars(
        select(Department).where(Department.id.in_(wanted), Department.active))}
    missing = sorted(wanted - set(found))
    if missing:
        raise InvalidInput(f"部门 {', '.join(map(str, missing))} 不存在或已停用",
                           details={"department_ids": missing}, code="unknown_department")
    return found[lead_id], [found[i] for i in assisting_ids]


def _entry(entry_id):
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        raise NotFound(f"派单目录条目 {entry_id} 不存在")
    return entry


@bp.get("/catalogue")
@login_required
@document("派单目录", query=CatalogueQuery, response=EntryList)
def list_catalogue():
    if not g.user.is_centre_staff:
        raise Forbidden("派单目录仅供热线中心使用")
    query = schemas.parse(CatalogueQuery, request.args.to_dict())
    statement = select(CatalogueEntry).join(CatalogueEntry.category).order_by(
        Category.code, CatalogueEntry.area.is_not(None), CatalogueEntry.area)
    if query.category_id is not None:
        statement = statement.where(CatalogueEntry.category_id == query.category_id)
    if query.area == "any":
        statement = statement.where(CatalogueEntry.area.is_(None))
    elif query.area is not None:
        statement = statement.where(CatalogueEntry.area == query.area)
    return jsonify(items=[entry_dict(e) for e in db.session.scalars(statement)])


@bp.post("/catalogue")
@login_required
@document("新增派单目录条目（管理员）", body=EntryInput, response=EntryOut, status=201)
def create_entry():
    _admin()
    params = schemas.parse(EntryInput, json_body())
    category = db.session.get(Category, params.category_id)
    if category is None:
        raise InvalidInput(f"分类 {params.category_id} 不存在", code="unknown_category")
    lead, assisting = _departments(params.lead_department_id, params.assisting_department_ids)
    area_matches = (CatalogueEntry.area.is_(None) if params.area is None
                    else CatalogueEntry.area == params.area)
    if db.session.scalar(select(CatalogueEntry.id).where(
            CatalogueEntry.category_id == category.id, area_matches)) is not None:
        raise Conflict(DUPLICATE_ENTRY, code="duplicate_entry")
    entry = CatalogueEntry(category=category, area=params.area, lead=lead, assisting=assisting)
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:  # another admin added the same pair a moment ago
        db.session.rollback()
        raise Conflict(DUPLICATE_ENTRY, code="duplicate_entry") from None
    return jsonify(entry_dict(entry)), 201


@bp.patch("/catalogue/<int:entry_id>")
@login_required
@document("修改派单目录条目（管理员）", body=EntryChange, response=EntryOut, path_params=ENTRY_PATH)
def change_entry(entry_id):
    _admin()
    params = schemas.parse(EntryChange, json_body())
    entry = _entry(entry_id)
    lead_id = params.lead_department_id or entry.lead_department_id
    assisting_ids = (params.assisting_department_ids if params.assisting_department_ids is not None
                     else [d.id for d in entry.assisting if d.id != lead_id])
    entry.lead, entry.assisting = _departments(lead_id, assisting_ids)
    db.session.commit()
    return jsonify(entry_dict(entry))


@bp.delete("/catalogue/<int:entry_id>")
@login_required
@document("删除派单目录条目（管理员）", status=204, path_params=ENTRY_PATH)
def delete_entry(entry_id):
    _admin()
    db.session.delete(_entry(entry_id))
    db.session.commit()
    return "", 204
