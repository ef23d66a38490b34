"""Ticket endpoints: intake, listing with filters, detail and every workflow action."""
from flask import Blueprint, g, jsonify, request

from hotline import labels
from hotline.api import json_body
from hotline.api.models import ContactOut, TicketOut, TicketPage, TicketQuery
from hotline.api.openapi import document
from hotline.auth.access import token_required
from hotline.extensions import db
from hotline.routing.suggest import suggest_for_intake
from hotline.tickets import contact, schemas, service, workflow
from hotline.tickets.serialize import ticket_dict
from hotline.timeutil import utcnow

bp = Blueprint("tickets_api", __name__)


@bp.post("/tickets")
@token_required
@document("受理工单（话务员）", body=schemas.TicketCreate, response=TicketOut, status=201)
def create_ticket():
    ticket = service.create_ticket(json_body(), g.user, suggest=suggest_for_intake)
    db.session.commit()
    return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True)), 201


@bp.get("/tickets")
@token_required
@document("工单列表（分页、筛选）", query=TicketQuery, response=TicketPage)
def list_tickets():
    query = schemas.parse(TicketQuery, request.args.to_dict())
    now = utcnow()
    page = db.paginate(service.ticket_list(g.user, query, now), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return jsonify(items=[ticket_dict(t, g.user, now) for t in page.items], total=page.total,
                   page=query.page, per_page=query.per_page)


@bp.get("/tickets/<number>")
@token_required
@document("工单详情（含处理时间线）", response=TicketOut, path_params={"number": "工单编号"})
def get_ticket(number):
    ticket = service.get_ticket(number, g.user)
    return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True))


@bp.post("/tickets/<number>/contact")
@token_required
@document("查看来电人完整号码（中心人员；每次查看记入审计日志）", response=ContactOut,
          path_params={"number": "工单编号"})
def reveal_contact(number):
    shown = contact.reveal(number, g.user)
    db.session.commit()
    return jsonify(number=number, **shown)


def _action_view(action):
    def view(number):
        ticket = service.perform(number, action, g.user, json_body())
        db.session.commit()
        return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True))

    view.__name__ = f"ticket_{action}"
    rule = workflow.RULES[action]
    roles = "、".join(labels.ROLES[r] for r in sorted(rule.roles))
    summary = f"{labels.ACTIONS[action]}（{roles}）"
    return token_required(document(summary, body=schemas.ACTION_INPUTS[action], response=TicketOut,
                                   path_params={"number": "工单编号"})(view))


for _action in workflow.RULES:
    bp.add_url_rule(f"/tickets/<number>/{_action}", view_func=_action_view(_action),
                    methods=["POST"])
