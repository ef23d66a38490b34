"""Routing endpoints: suggestions for operators (POST /classify) and the dispatch catalogue."""
from flask import Blueprint, g, request
from pydantic import BaseModel, ConfigDict, Field

from hotline.api import json_body, respond
from hotline.api.models import Out, SuggestionsOut
from hotline.api.openapi import document
from hotline.auth.access import CENTRE_STAFF, roles_required, token_required
from hotline.extensions import db, reads_first
from hotline.routing import catalogue
from hotline.routing.suggest import suggest
from hotline.tickets import schemas
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow

bp = Blueprint("routing_api", __name__)

CLASSIFY_ROLES = {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
ENTRY_PATH = {"entry_id": "目录条目编号"}
ADMIN_ONLY = "只有管理员可以维护派单目录"
ENTRY_WRITE = {400: "unknown_category、unknown_department、duplicate_department", 403: "",
               409: "duplicate_entry（该分类和区域已有条目）"}


class ClassifyInput(schemas.Input):
    content: schemas._text(5, 5000)
    subject: schemas._text(1, 200) | None = None
    address: schemas._text(1, 300) | None = None
    area: schemas._text(1, 50) | None = None
    caller_phone: schemas.Phone | None = None


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


class EntryCategory(Out):
    id: int
    code: str | None
    path: str


class EntryDepartment(Out):
    id: int
    code: str
    name: str


class EntryOut(Out):
    id: int
    category: EntryCategory
    area: str | None
    lead: EntryDepartment
    assisting: list[EntryDepartment]


class EntryList(Out):
    items: list[EntryOut]


@bp.post("/classify")
@reads_first
@token_required
@roles_required(CLASSIFY_ROLES, "当前角色无权使用智能分派")
@document("智能分派建议（不保存）", body=ClassifyInput, response=SuggestionsOut, errors=(403,))
def classify():
    params = schemas.parse(ClassifyInput, json_body())
    return respond(SuggestionsOut, suggest(params.subject, params.content, params.address, params.area,
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
@document("派单目录", query=CatalogueQuery, response=EntryList, errors=(403,))
def list_catalogue():
    query = schemas.parse(CatalogueQuery, request.args.to_dict())
    return respond(EntryList, {"items": [entry_dict(e) for e in catalogue.entries(query.category_id, query.area)]})


@bp.post("/catalogue")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("新增派单目录条目（管理员）", body=EntryInput, response=EntryOut, status=201, errors=ENTRY_WRITE)
def create_entry():
    params = schemas.parse(EntryInput, json_body())
    entry = catalogue.add_entry(params.category_id, params.area, params.lead_department_id,
                                params.assisting_department_ids, g.user)
    db.session.commit()
    return respond(EntryOut, entry_dict(entry), 201)


@bp.patch("/catalogue/<int:entry_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("修改派单目录条目（管理员）", body=EntryChange, response=EntryOut, path_params=ENTRY_PATH,
          errors=ENTRY_WRITE | {404: ""})
def change_entry(entry_id):
    params = schemas.parse(EntryChange, json_body())
    entry = catalogue.change_entry(entry_id, params.lead_department_id, params.assisting_department_ids, g.user)
    db.session.commit()
    return respond(EntryOut, entry_dict(entry))


@bp.delete("/catalogue/<int:entry_id>")
@token_required
@roles_required({Role.ADMIN}, ADMIN_ONLY)
@document("删除派单目录条目（管理员）", status=204, path_params=ENTRY_PATH, errors=(403, 404))
def delete_entry(entry_id):
    catalogue.remove_entry(entry_id, g.user)
    db.session.commit()
    return "", 204
