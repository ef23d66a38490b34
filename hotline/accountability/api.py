"""Accountability endpoints (逾期追责): list, explain, accept, confirm."""
from typing import Literal

from flask import Blueprint, g, request

from hotline.accountability import service
from hotline.api import json_body, respond
from hotline.api.models import Moment, Out
from hotline.api.openapi import document
from hotline.auth.access import token_required
from hotline.extensions import db
from hotline.labels import DEADLINE_KINDS, RECORD_STATUSES
from hotline.tickets import schemas
from hotline.timeutil import utcnow

bp = Blueprint("accountability_api", __name__)
RECORD_PATH = {"record_id": "追责记录 ID"}
ACTION_ERRORS = {403: "", 404: "", 409: "invalid_transition（该记录此时不能这样处理）"}


class RecordOut(Out):
    id: int
    ticket_number: str
    assignment_id: int
    department_id: int
    department_name: str
    kind: Literal[tuple(DEADLINE_KINDS)]
    kind_label: str
    due_at: Moment
    detected_at: Moment
    met_at: Moment | None
    late_minutes: int | None
    severity: str
    status: Literal[tuple(RECORD_STATUSES)]
    status_label: str
    explanation: str | None
    explained_at: Moment | None
    decision_note: str | None
    decided_at: Moment | None


class RecordPage(Out):
    items: list[RecordOut]
    total: int
    page: int
    per_page: int


def _iso(moment):
    return moment.isoformat() if moment else None


def record_dict(record):
    return {
        "id": record.id,
        "ticket_number": record.ticket.number,
        "assignment_id": record.assignment_id,
        "department_id": record.department_id,
        "department_name": record.department.name,
        "kind": record.kind,
        "kind_label": DEADLINE_KINDS[record.kind],
        "due_at": _iso(record.due_at),
        "detected_at": _iso(record.detected_at),
        "met_at": _iso(record.met_at),
        "late_minutes": record.late_minutes,
        "severity": record.severity,
        "status": record.status,
        "status_label": RECORD_STATUSES[record.status],
        "explanation": record.explanation,
        "explained_at": _iso(record.explained_at),
        "decision_note": record.decision_note,
        "decided_at": _iso(record.decided_at),
    }


@bp.get("/accountability")
@token_required
@document("逾期追责记录（承办单位只见本单位）", query=service.RecordQuery, response=RecordPage)
def list_accountability():
    query = schemas.parse(service.RecordQuery, request.args.to_dict())
    page = db.paginate(service.records(g.user, query), page=query.page, per_page=query.per_page,
                       error_out=False, count=True)
    return respond(RecordPage, {"items": [record_dict(r) for r in page.items], "total": page.total,
                                "page": query.page, "per_page": query.per_page})


@bp.post("/accountability/<int:record_id>/explain")
@token_required
@document("提交情况说明（承办单位，仅本单位）", body=service.Explain, response=RecordOut,
          path_params=RECORD_PATH, errors=ACTION_ERRORS)
def explain_accountability(record_id):
    record = service.explain(record_id, g.user, json_body(), utcnow())
    db.session.commit()
    return respond(RecordOut, record_dict(record))


def _decision_view(decision, summary):
    def view(record_id):
        record = service.decide(record_id, decision, g.user, json_body(), utcnow())
        db.session.commit()
        return respond(RecordOut, record_dict(record))

    view.__name__ = f"{decision}_accountability"
    return token_required(document(summary, body=service.Decision, response=RecordOut,
                                   path_params=RECORD_PATH, errors=ACTION_ERRORS)(view))


for _decision, _summary in (("accept", "采纳情况说明（督办领导）"), ("confirm", "确认责任（督办领导）")):
    bp.add_url_rule(f"/accountability/<int:record_id>/{_decision}",
                    view_func=_decision_view(_decision, _summary), methods=["POST"])
