"""Suggestions for operators: POST /classify, and the suggester used at intake."""
from flask import g, jsonify
from pydantic import Field

from hotline.api import bp, json_body, login_required
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.errors import Forbidden
from hotline.routing.suggest import suggest
from hotline.tickets import schemas
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow

CLASSIFY_ROLES = {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


class ClassifyInput(schemas.Input):
    content: schemas._text(5, 5000)
    subject: schemas._text(1, 200) | None = None
    address: schemas._text(1, 300) | None = None
    area: schemas._text(1, 50) | None = None
    caller_phone: schemas.Phone | None = None


class SuggestionsOut(Out):
    departments: list[dict]
    category: dict | None
    stage: str = Field(description="catalogue：派单目录决定；model：部门模型改变了派单目录的首选")
    manual: bool
    urgency: dict
    similar: list[dict]
    knowledge: list[dict]
    model_version: str | None


def suggest_for_intake(params, now):
    return suggest(params.subject, params.content, params.address, params.area,
                   params.caller_phone, now)


@bp.post("/classify")
@login_required
@document("智能分派建议（不保存）", body=ClassifyInput, response=SuggestionsOut)
def classify():
    if not g.user.roles & CLASSIFY_ROLES:
        raise Forbidden("当前角色无权使用智能分派")
    params = schemas.parse(ClassifyInput, json_body())
    return jsonify(suggest(params.subject, params.content, params.address, params.area,
                           params.caller_phone, utcnow()))
