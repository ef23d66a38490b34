"""Ticket endpoints: intake, listing with filters, detail and every workflow action."""
from datetime import datetime, time, timedelta

from flask import g, jsonify, request
from sqlalchemy import or_, select

from hotline.api import bp, json_body, login_required
from hotline.api.models import TicketOut, TicketPage, TicketQuery
from hotline.api.openapi import document
from hotline.directory.calendar import work_calendar
from hotline.extensions import db
from hotline.routing.api import suggest_for_intake
from hotline.tickets import schemas, service, workflow
from hotline.tickets.models import Ticket
from hotline.tickets.serialize import ticket_dict
from hotline.timeutil import utcnow


@bp.post("/tickets")
@login_required
@document("受理工单（话务员）", body=schemas.TicketCreate, response=TicketOut, status=201)
def create_ticket():
    ticket = service.create_ticket(json_body(), g.user, suggest=suggest_for_intake)
    db.session.commit()
    return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True)), 201


@bp.get("/tickets")
@login_required
@document("工单列表（分页、筛选）", query=TicketQuery, response=TicketPage)
def list_tickets():
    query = schemas.parse(TicketQuery, request.args.to_dict())
    now = utcnow()
    stmt = _filtered(select(Ticket).where(service.visible_to(g.user)), query, now)
    page = db.paginate(stmt.order_by(Ticket.id.desc()), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return jsonify(items=[ticket_dict(t, g.user, now) for t in page.items], total=page.total,
                   page=query.page, per_page=query.per_page)


def _filtered(stmt, query, now):
    for name in ("state", "department_id", "urgency", "type", "channel"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(Ticket, name) == value)
    if query.q:
        stmt = stmt.where(or_(*(column.contains(query.q, autoescape=True) for column in (
            Ticket.number, Ticket.subject, Ticket.content, Ticket.address))))
    if query.created_from is not None:
        stmt = stmt.where(Ticket.created_at >= _moment(query.created_from))
    if query.created_to is not None:
        stmt = stmt.where(Ticket.created_at < _moment(query.created_to, end=True))
    if query.overdue is not None:
        condition = service.overdue_condition(now)
        stmt = stmt.where(condition if query.overdue else ~condition)
    return stmt


def _moment(value, end=False):
    """A date means the whole local day; a datetime without offset is local time."""
    tz = work_calendar().tz
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tz)


@bp.get("/tickets/<number>")
@login_required
@document("工单详情（含处理时间线）", response=TicketOut, path_params={"number": "工单编号"})
def get_ticket(number):
    ticket = service.get_ticket(number, g.user)
    return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True))


def _action_view(action):
    def view(number):
        ticket = service.perform(number, action, g.user, json_body())
        db.session.commit()
        return jsonify(ticket_dict(ticket, g.user, utcnow(), with_events=True))

    view.__name__ = f"ticket_{action}"
    rule = workflow.RULES[action]
    roles = "、".join(workflow.ROLE_LABELS[r] for r in sorted(rule.roles))
    summary = f"{workflow.ACTION_LABELS[action]}（{roles}）"
    return login_required(document(summary, body=schemas.ACTION_INPUTS[action], response=TicketOut,
                                   path_params={"number": "工单编号"})(view))


for _action in workflow.RULES:
    bp.add_url_rule(f"/tickets/<number>/{_action}", view_func=_action_view(_action),
                    methods=["POST"])

