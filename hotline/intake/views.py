"""The operator's intake page (/intake) with live routing suggestions."""

from flask import Blueprint, flash, g, redirect, render_template, request
from sqlalchemy import select

from hotline.auth.access import roles_required
from hotline.errors import HotlineError
from hotline.extensions import db, reads_first
from hotline.intake.forms import IntakeForm
from hotline.knowledge import articles
from hotline.routing import catalogue
from hotline.routing.suggest import suggest as routing_suggest
from hotline.routing.suggest import suggest_for_intake
from hotline.tickets import service
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("intake", __name__)

OPERATORS_ONLY = "只有话务员可以受理登记"
SCREEN_POP = ("caller_phone", "channel")
HISTORY_LIMIT = 10
MIN_SUGGEST_CHARACTERS = 5  # the shortest content a ticket may have
FINISHED = {None: "已受理", "answer": "已直接办结", "dispatch": "已派单", "invalidate": "已标记无效",
            "merge": "已受理并并单"}


@bp.get("/intake")
@reads_first
@login_required
@roles_required({Role.OPERATOR}, OPERATORS_ONLY)
def index():
    # A telephony screen-pop opens /intake?caller_phone=…&channel=phone.
    form = IntakeForm(formdata=None, data={k: request.args[k] for k in SCREEN_POP if k in request.args})
    return _page(form)


@bp.post("/intake")
@reads_first
@login_required
@roles_required({Role.OPERATOR}, OPERATORS_ONLY)
def create():
    form = IntakeForm()
    if not form.validate():
        return _page(form, status=400)
    try:
        action, data = form.action()
        ticket = service.create_ticket(form.ticket_data(), g.user, suggest=suggest_for_intake)
        if action is not None:
            service.perform(ticket.number, action, g.user, data | {"version": ticket.version})
    except HotlineError as exc:
        db.session.rollback()
        return _page(form, error=exc, status=exc.status)
    db.session.commit()
    flash(f"工单 {ticket.number} {FINISHED[action]}", "success")
    return redirect(f"/tickets/{ticket.number}")


@bp.get("/intake/caller")
@login_required
@roles_required({Role.OPERATOR}, OPERATORS_ONLY)
def caller():
    return render_template("intake/_caller.html", **_history(request.args.get("caller_phone", "").strip()))


@bp.post("/intake/suggest")
@reads_first
@login_required
@roles_required({Role.OPERATOR}, OPERATORS_ONLY)
def suggest():
    return render_template("intake/_suggestions.html", **_suggestions(request.form))


@bp.get("/intake/knowledge/<int:article_id>")
@login_required
@roles_required({Role.OPERATOR}, OPERATORS_ONLY)
def knowledge(article_id):
    return articles.get(article_id).body, {"Content-Type": "text/plain; charset=utf-8"}


def _page(form, error=None, status=200):
    """The page; after a refusal the panels show again what the operator had typed."""
    return render_template("intake/index.html", form=form, error=error,
                           **_history(form.caller_phone.data or ""), **_suggestions(request.form)), status


def _history(phone):
    if not phone:
        return {"phone": "", "history": [], "history_limit": HISTORY_LIMIT}
    tickets = db.session.scalars(select(Ticket).where(Ticket.caller_phone == phone, service.visible_to(g.user))
                                 .order_by(Ticket.id.desc()).limit(HISTORY_LIMIT)).all()
    return {"phone": phone, "history": tickets, "history_limit": HISTORY_LIMIT}


def _suggestions(values):
    """What routing proposes for the typed text, with the tickets and catalogue rows it names."""
    def text(name, limit):
        return (values.get(name) or "").strip()[:limit] or None

    content = text("content", 5000)
    if content is None or len(content) < MIN_SUGGEST_CHARACTERS:
        return {"suggestion": None}
    area = text("area", 50)
    result = routing_suggest(text("subject", 200), content, text("address", 300), area,
                             text("caller_phone", 20), utcnow())
    numbers = [s["number"] for s in result["similar"]]
    tickets = {t.number: t for t in db.session.scalars(select(Ticket).where(Ticket.number.in_(numbers)))}
    return {"suggestion": result, "similar_tickets": tickets,
            "assisting": _assisting(result["category"], area)}


def _assisting(category, area):
    """Lead department id → the assisting department ids the catalogue gives it for the category."""
    if category is None:
        return {}
    found = {}
    # Area-specific entries first: a district leading in its area brings the city bureau along.
    for entry in sorted(catalogue.entries(category["id"]), key=lambda e: e.area != area):
        if entry.area in (None, area):
            found.setdefault(entry.lead_department_id,
                             [d.id for d in entry.assisting if d.id != entry.lead_department_id])
    return found
