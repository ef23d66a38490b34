"""Routing endpoints: suggestions for operators (POST /classify) and the dispatch catalogue."""
from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import json_body
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.auth.access import CENTRE_STAFF, roles_required, token_required
from hotline.extensions import db
from hotline.routing import catalogue
from hotline.routing.suggest import suggest
from hotline.tickets import schemas
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow

bp = Blueprint("routing_api", __name__)

CLASSIFY_ROLES = {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
ENTRY_PATH = {"entry_id": "目录条目编号"}
ADMIN_ONLY = "只有管理员可以维护派单目录"


class ClassifyInput(schemas.Input):
    content: schemas._text(5, 5000)
    subject: schemas._text(1, 200) | None = None
    address: schemas._text(1, 300) | None = None
    area: schemas._text(1, 50) | None = None
    caller_phone: schemas.Phone | None = None


class SuggestionsOut(Out):
    departments: list[dict]
    assisting_departments: list[dict] = Field(description="派单目录中首选分类的协办单位，派单时预填")
    category: dict | None
    stage: str = Field(description="catalogue：派单目录决定；model：部门模型改变了派单目录的首选")
    manual: bool
    urgency: dict
    similar: list[dict] = Field(description=(
        "相似工单：reason 为 same_incident（同一地点且同类问题，附 place 共同地点、place_kind、topic 问题相似度）、"
        "text（内容相近）或 same_phone（同一来电号码）；承办单位看不到"))
    repeat_of: dict | None = Field(default=None, description=(
        "同一事项：number 为应并入的最早未办结工单，calls 为该事项已有来电次数（含已并入的工单）；承办单位看不到"))
    knowledge: list[dict]
    model_version: str | None


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


@bp.post("/classify")
@token_required
@roles_required(CLASSIFY_ROLES, "当前角色无权使用智能分派")
@document("智能分派建议（不保存）", body=ClassifyInput, response=SuggestionsOut)
def classify():
    params = schemas.parse(ClassifyInput, json_body())
    return jsonify(suggest(params.subject, params.content, params.address, params.area,
                           params.caller_phone, utcnow()))


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


@bp.get("/catalogue")
@token_required
@roles_required(CENTRE_STAFF, "派单目录仅供热线中心使用")
@document("派单目录", query=CatalogueQuery, response=EntryList)
def list_catalogue():
    query = schemas.parse(CatalogueQuery, request.args.to_dict())
    return jsonify(items=[entry_dict(e) for e in catalogue.entries(query.category_id, query.area)])


@bp.post("/catalogue")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("新增派单目录条目（管理员）", body=EntryInput, response=EntryOut, status=201)
def create_entry():
    params = schemas.parse(EntryInput, json_body())
    entry = catalogue.add_entry(params.category_id, params.area, params.lead_department_id,
                                params.assisting_department_ids, g.user)
    db.session.commit()
    return jsonify(entry_dict(entry)), 201


@bp.patch("/catalogue/<int:entry_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("修改派单目录条目（管理员）", body=EntryChange, response=EntryOut, path_params=ENTRY_PATH)
def change_entry(entry_id):
    params = schemas.parse(EntryChange, json_body())
    entry = catalogue.change_entry(entry_id, params.lead_department_id, params.assisting_department_ids, g.user)
    db.session.commit()
    return jsonify(entry_dict(entry))


@bp.delete("/catalogue/<int:entry_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("删除派单目录条目（管理员）", status=204, path_params=ENTRY_PATH)
def delete_entry(entry_id):
    catalogue.remove_entry(entry_id, g.user)
    db.session.commit()
    return "", 204
