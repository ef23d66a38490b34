"""Ticket endpoints: intake, listing with filters, detail and every workflow action."""
from flask import Blueprint, g, request

from hotline import labels
from hotline.api import json_body, respond
from hotline.api.models import ContactOut, TicketOut, TicketPage, TicketQuery
from hotline.api.openapi import TICKET_NUMBER, document
from hotline.auth.access import token_required
from hotline.extensions import db, reads_first
from hotline.routing.suggest import suggest_for_intake
from hotline.tickets import contact, schemas, service, workflow
from hotline.tickets.serialize import ticket_dict
from hotline.timeutil import utcnow

bp = Blueprint("tickets_api", __name__)
NUMBER = {"number": ("工单编号", TICKET_NUMBER)}
ACTION_ERRORS = {
    400: "unknown_department、unknown_category、invalid_assisting、unknown_ticket 等（按操作）",
    403: "角色不能做该操作，或工单不在本单位手中",
    404: "",
    409: "invalid_transition 及 return_window_passed、extension_too_late、extension_pending、extension_limit、"
         "no_pending_extension、already_recorded、invalid_merge_target；conflict（version 已过期）",
}


@bp.post("/tickets")
@reads_first
@token_required
@document("受理工单（话务员）", body=schemas.TicketCreate, response=TicketOut, status=201,
          errors={400: "unknown_category、urgency_reason_required", 403: "", 409: "conflict（编号生成冲突，重试即可）"})
def create_ticket():
    ticket = service.create_ticket(json_body(), g.user, suggest=suggest_for_intake)
    # Written before the commit, which would expire the ticket and the user and read both again.
    answer = respond(TicketOut, ticket_dict(ticket, g.user, utcnow(), with_events=True), 201)
    db.session.commit()
    return answer


@bp.get("/tickets")
@reads_first
@token_required
@document("工单列表（分页、筛选）", query=TicketQuery, response=TicketPage)
def list_tickets():
    query = schemas.parse(TicketQuery, request.args.to_dict())
    now = utcnow()
    page = db.paginate(service.ticket_list(g.user, query, now), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return respond(TicketPage, {"items": [ticket_dict(t, g.user, now) for t in page.items], "total": page.total,
                                "page": query.page, "per_page": query.per_page})


@bp.get("/tickets/<number>")
@reads_first
@token_required
@document("工单详情（含处理时间线）", response=TicketOut, path_params=NUMBER, errors=(404,))
def get_ticket(number):
    ticket = service.get_ticket(number, g.user)
    return respond(TicketOut, ticket_dict(ticket, g.user, utcnow(), with_events=True))


@bp.post("/tickets/<number>/contact")
@token_required
@document("查看来电人完整号码（中心人员；每次查看记入审计日志）", response=ContactOut,
          path_params=NUMBER, errors={403: "", 404: "personal_data_purged（来电人信息已按保留期限删除）"})
def reveal_contact(number):
    shown = contact.reveal(number, g.user)
    db.session.commit()
    return respond(ContactOut, {"number": number, **shown})


def _action_view(action):
    def view(number):
        ticket = service.perform(number, action, g.user, json_body())
        answer = respond(TicketOut, ticket_dict(ticket, g.user, utcnow(), with_events=True))
        db.session.commit()
        return answer

    view.__name__ = f"ticket_{action}"
    rule = workflow.RULES[action]
    roles = "、".join(labels.ROLES[r] for r in sorted(rule.roles))
    summary = f"{labels.ACTIONS[action]}（{roles}）"
    return token_required(document(summary, body=schemas.ACTION_INPUTS[action], response=TicketOut,
                                   path_params=NUMBER, errors=ACTION_ERRORS)(view))


for _action in workflow.RULES:
    bp.add_url_rule(f"/tickets/<number>/{_action}", view_func=_action_view(_action),
                    methods=["POST"])
