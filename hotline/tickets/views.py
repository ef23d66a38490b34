"""Ticket list (/tickets), its Excel export, and the detail page (/tickets/<number>) with every
workflow action this user may take."""
import re
from types import SimpleNamespace

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from hotline import labels
from hotline.accountability.models import AccountabilityRecord
from hotline.api.models import TicketQuery
from hotline.auth.models import User
from hotline.directory.models import Department
from hotline.errors import HotlineError, InvalidInput, NotFound
from hotline.extensions import db, reads_first
from hotline.tickets import export, schemas, service, workflow
from hotline.tickets.contact import reveal as reveal_contact
from hotline.tickets.forms import ACTION_FORMS, FilterForm, action_form
from hotline.tickets.models import Ticket
from hotline.tickets.serialize import mask_id_number, mask_phone
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("tickets", __name__)

NUMBER = re.compile(r"^\d{8}-\d{6}$")
CONFLICT_MESSAGE = "该工单已被他人更新，请重新加载后再操作"
EXPORT_LIMIT = 10_000
HIDDEN_REPORTER = "（举报人信息保密）"


# --- the list --------------------------------------------------------------------------

def _list_query():
    """The list's query string as TicketQuery: a GET form sends empty fields, which mean "any"."""
    return schemas.parse(TicketQuery, {k: v for k, v in request.args.items() if v.strip()})


@bp.get("/tickets")
@reads_first
@login_required
def index():
    form, now = FilterForm(request.args), utcnow()
    try:
        query = _list_query()
    except InvalidInput as exc:
        return render_template("tickets/index.html", form=form, error=exc, page=None), exc.status
    if query.q and NUMBER.match(query.q):
        found = db.session.scalar(select(Ticket.number).where(Ticket.number == query.q,
                                                              service.visible_to(g.user)))
        if found:
            return redirect(url_for(".detail", number=found))
    page = db.paginate(service.ticket_list(g.user, query, now), page=query.page, per_page=query.per_page,
                       error_out=False, count=True)
    return render_template("tickets/index.html", form=form, error=None, page=page, query=query,
                           departments=_department_names(), args=request.args.to_dict())


@bp.get("/tickets/export.xlsx")
@login_required
def export_xlsx():
    query, now = _list_query(), utcnow()
    tickets = db.session.scalars(service.ticket_list(g.user, query, now).limit(EXPORT_LIMIT)).all()
    rows = [dict(_caller(t, g.user), ticket=t) for t in tickets]
    book = export.workbook(rows, _department_names(), now)
    return send_file(book, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"工单清单-{now:%Y%m%d%H%M}.xlsx")


def _department_names():
    return dict(db.session.execute(select(Department.id, Department.name)).tuples().all())


def _caller(ticket, user):
    """What `user` may read of the caller: masked numbers for everyone (显示号码 shows them to centre
    staff, audited), and no reporter's name for departments."""
    hidden = not user.is_centre_staff and ticket.type == "report" and ticket.caller_name
    return {"name": HIDDEN_REPORTER if hidden else ticket.caller_name, "phone": mask_phone(ticket.caller_phone),
            "id_number": mask_id_number(ticket.caller_id_number)}


# --- the detail page and its actions ----------------------------------------------------

@bp.get("/tickets/<number>")
@reads_first
@login_required
def detail(number):
    return _detail_page(service.get_ticket(number, g.user))


@bp.post("/tickets/<number>/contact")
@login_required
def contact(number):
    """显示号码: the full numbers in place of the masked ones, recorded in the audit trail."""
    shown = reveal_contact(number, g.user)
    db.session.commit()
    ticket = service.get_ticket(number, g.user)
    caller = {"name": shown["caller_name"], "phone": shown["caller_phone"], "id_number": shown["caller_id_number"]}
    return render_template("tickets/_contact.html", ticket=ticket, caller=caller, revealed=True)


@bp.get("/tickets/<number>/<action>")
@login_required
def action_page(number, action):
    """An action's address opened directly (or the conflict message's 重新加载 link): the ticket."""
    return redirect(url_for(".detail", number=number))


@bp.post("/tickets/<number>/<action>")
@login_required
def act(number, action):
    if action not in ACTION_FORMS:
        raise NotFound(f"未知操作：{action}")
    ticket = service.get_ticket(number, g.user)
    form = action_form(action, ticket, formdata=request.form)
    if not form.validate_on_submit():
        return _detail_page(ticket, action, form), 400
    try:
        service.perform(number, action, g.user, form.payload())
    except HotlineError as exc:
        db.session.rollback()
        error = SimpleNamespace(code=exc.code, message=CONFLICT_MESSAGE) if exc.code == "conflict" else exc
        return _detail_page(service.get_ticket(number, g.user), action, form, error), exc.status
    db.session.commit()
    flash(f"已完成“{labels.ACTIONS[action]}”", "success")
    return redirect(url_for(".detail", number=number))


def _detail_page(ticket, failed=None, failed_form=None, error=None):
    """The detail page; a failed action's form comes back with the user's input and the error."""
    forms = {action: action_form(action, ticket) for action in available_actions(ticket, g.user, utcnow())}
    if failed is not None:
        forms[failed] = failed_form
    return render_template("tickets/detail.html", ticket=ticket, forms=forms, failed=failed, error=error,
                           caller=_caller(ticket, g.user), steps=progress(ticket),
                           departments=_department_names(), actors=_actor_names(ticket),
                           records=_records(ticket), same_phone=_same_phone(ticket, g.user),
                           max_extension=current_app.config["HOTLINE_MAX_EXTENSION_DAYS"])


def available_actions(ticket, user, now):
    """The actions `user` may take on `ticket` now, in the workflow's order."""
    return [action for action, rule in workflow.RULES.items()
            if ticket.state in rule.sources and rule.roles & user.roles
            and workflow.department_may(action, user.department_id, ticket.department_id,
                                        ticket.assisting_department_ids)
            and _possible(action, ticket, now)]


def _possible(action, ticket, now):
    """What the service would refuse whatever the input: offer no form for it."""
    pending = ticket.pending_extension is not None
    return {
        "request_return": ticket.return_due_at is not None and now <= ticket.return_due_at,
        "request_extension": not pending and ticket.complete_due_at is not None and now < ticket.complete_due_at,
        "approve_extension": pending,
        "reject_extension": pending,
        "record_contact": ticket.contacted_at is None,
        "record_onsite": ticket.onsite_at is None,
    }.get(action, True)


STEPS = (("受理", "created_at"), ("派单", "dispatched_at"), ("签收", "signed_at"), ("办结回复", "replied_at"),
         ("审核", "reply_approved_at"), ("回访", None), ("办结", "closed_at"))


def progress(ticket):
    """The workflow as steps with the time each was reached (None: not yet)."""
    revisited = ticket.revisits[-1].created_at if ticket.revisits else None
    steps = [{"label": name, "at": getattr(ticket, column) if column else revisited} for name, column in STEPS]
    if ticket.state in (workflow.State.ANSWERED, workflow.State.MERGED, workflow.State.INVALID):
        # These end the ticket without a department: 受理 → the ending, nothing between.
        steps = [steps[0], {"label": labels.STATES[ticket.state], "at": ticket.closed_at}]
    current = None if ticket.closed_at else next((i for i, s in enumerate(steps) if s["at"] is None), None)
    for i, step in enumerate(steps):
        step["state"] = "current" if i == current else ("done" if step["at"] else "todo")
    return steps


def _actor_names(ticket):
    ids = {e.actor_id for e in ticket.events if e.actor_id}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all())


def _records(ticket):
    return db.session.scalars(select(AccountabilityRecord).where(AccountabilityRecord.ticket_id == ticket.id)
                              .order_by(AccountabilityRecord.id)).all()


def _same_phone(ticket, user):
    """Earlier tickets from the same phone: for the centre only, which may see the number."""
    if not user.is_centre_staff or not ticket.caller_phone:
        return []
    return db.session.scalars(select(Ticket).where(Ticket.caller_phone == ticket.caller_phone,
                                                   Ticket.id != ticket.id)
                              .order_by(Ticket.id.desc()).limit(10)).all()

