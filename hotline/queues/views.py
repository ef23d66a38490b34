"""The dispatcher's (/dispatch/<queue>) and the department's (/department/<tab>) queue pages."""
from dataclasses import dataclass

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from hotline import labels
from hotline.accountability import service as accountability
from hotline.auth.access import roles_required
from hotline.errors import Conflict, Forbidden, HotlineError, InvalidInput, NotFound
from hotline.extensions import db, reads_first
from hotline.forms import options
from hotline.queues.forms import BulkDispatchForm, BulkForm, ExplainForm, NoteDecision, ReasonDecision
from hotline.tickets import queues, schemas, service
from hotline.tickets.forms import category_choices
from hotline.tickets.serialize import mask_phone
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("queues", __name__)

PER_PAGE = 50
MAX_PAGE = 100_000
CONFLICT_TEXT = "该工单已被他人更新，请重新加载后再操作"
DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.OPERATOR})
DISPATCH_FORBIDDEN = "只有派单审核员可以处理派单审核队列"
DEPARTMENT_FORBIDDEN = "只有承办单位可以查看本单位的工单队列"
HIDDEN_FIELDS = frozenset({"action", "number", "version", "csrf_token"})
STALE_PAGE = "页面数据有误，请重新加载后再操作"
DISPATCH_QUEUES = ("received", "returns", "extensions", "replies")
# The per-row decisions each dispatcher queue offers, with the form each takes.
DECISIONS = {
    "returns": {"approve_return": NoteDecision, "reject_return": ReasonDecision},
    "extensions": {"approve_extension": NoteDecision, "reject_extension": ReasonDecision},
    "replies": {"reject_reply": ReasonDecision},
}
BULK_ACTIONS = {"received": "dispatch", "replies": "approve_reply"}
# tab -> queue key; 全部 is everything the department may see.
DEPARTMENT_TABS = {"dispatched": "dept_dispatched", "accepted": "dept_accepted", "replied": "dept_replied",
                   "all": None}


@dataclass
class Failed:
    """The row whose form was refused: the page shows that form again with the user's input."""
    key: object
    action: str | None
    form: object


# --- the dispatcher ------------------------------------------------------------------------

@bp.get("/dispatch/<key>")
@reads_first
@login_required
@roles_required(DISPATCH_ROLES, DISPATCH_FORBIDDEN)
def dispatch(key):
    return _dispatch_page(_queue(key))


@bp.post("/dispatch/<key>")
@login_required
@roles_required({Role.DISPATCHER}, DISPATCH_FORBIDDEN)
def decide(key):
    queue = _queue(key)
    form_class = DECISIONS.get(key, {}).get(request.form.get("action"))
    if form_class is None:
        raise InvalidInput("该队列没有这个操作")
    form = form_class()
    failed = Failed(form.number.data, form.action.data, form)
    if not form.validate_on_submit():
        return _dispatch_page(queue, _form_error(form), failed)
    try:
        service.perform(form.number.data, form.action.data, g.user, form.payload())
        db.session.commit()
    except HotlineError as exc:
        db.session.rollback()
        return _dispatch_page(queue, _shown(exc), failed)
    flash(f"工单 {form.number.data} 已{labels.ACTIONS[form.action.data]}", "success")
    return redirect(url_for(".dispatch", key=key))


@bp.post("/dispatch/<key>/bulk")
@login_required
@roles_required(DISPATCH_ROLES, DISPATCH_FORBIDDEN)
def bulk(key):
    queue = _queue(key)
    if key not in BULK_ACTIONS:
        raise NotFound("该队列没有批量操作")
    form = _bulk_form(key)
    if not form.validate_on_submit():
        return _dispatch_page(queue, _form_error(form), bulk_form=form)
    payload = _dispatch_payload(form) if key == "received" else _no_input
    _run_bulk(BULK_ACTIONS[key], form.tickets.data, payload)
    return redirect(url_for(".dispatch", key=key))


def _queue(key):
    queue = queues.BY_KEY.get(key) if key in DISPATCH_QUEUES else None
    if queue is None:
        raise NotFound(f"没有“{key}”这个队列")
    if not queue.roles & g.user.roles:
        raise Forbidden(DISPATCH_FORBIDDEN)
    return queue


def _dispatch_page(queue, error=None, failed=None, bulk_form=None):
    page = queues.queue_page(g.user, queue.key, _page_number(), PER_PAGE)
    reasons = queues.latest_notes(page.items, "request_return") if queue.key == "returns" else {}
    bulk_form = bulk_form or (_bulk_form(queue.key) if queue.key in BULK_ACTIONS else None)
    return render_template("queues/dispatch.html", queue=queue, page=page, reasons=reasons,
                           names=queues.department_names(), decisions=DECISIONS.get(queue.key, {}),
                           categories=queues.category_paths() if queue.key == "received" else {},
                           bulk_form=bulk_form, keys=DISPATCH_QUEUES, error=error,
                           failed=failed), error.status if error else 200


def _bulk_form(key):
    if key != "received":
        return BulkForm()
    form = BulkDispatchForm()
    form.department_id.choices = options([(0, "按各工单的建议承办单位")] + [
        (d.id, d.name) for d in queues.active_departments()])
    form.category_id.choices = options([(0, "按各工单所列分类")] + category_choices())
    return form


def _dispatch_payload(form):
    """Each ticket's dispatch input: the department chosen above the table, or its suggestion with the
    suggested assisting departments."""
    numbers = [number for number, _ in form.tickets.data]
    # Every ticket dispatched here carries a category the dispatcher confirmed: the one chosen above
    # the table, or the one its row shows.
    categories = {} if form.category_id.data else queues.dispatch_categories(numbers)

    def category(number):
        chosen = form.category_id.data or categories.get(number)
        if chosen is None:
            raise InvalidInput("没有建议分类，请在表格上方选择诉求分类")
        return {"category_id": chosen}

    if form.department_id.data:
        return lambda number: {"department_id": form.department_id.data} | category(number)
    suggested = queues.suggested_departments(numbers)

    def payload(number):
        department_id, assisting = suggested.get(number, (None, []))
        if department_id is None:
            raise InvalidInput("没有建议承办单位，请在表格上方选择承办单位")
        return {"department_id": department_id, "assisting_department_ids": assisting} | category(number)

    return payload


# --- the department ------------------------------------------------------------------------

@bp.get("/department/<tab>")
@reads_first
@login_required
@roles_required({Role.DEPARTMENT}, DEPARTMENT_FORBIDDEN)
def department(tab):
    if tab not in DEPARTMENT_TABS:
        raise NotFound(f"没有“{tab}”这个页签")
    return _department_page(tab)


@bp.post("/department/sign")
@login_required
@roles_required({Role.DEPARTMENT}, DEPARTMENT_FORBIDDEN)
def sign():
    form = BulkForm()
    if not form.validate_on_submit():
        return _department_page("dispatched", _form_error(form))
    _run_bulk("sign", form.tickets.data, _no_input)
    return redirect(url_for(".department", tab="dispatched"))


def _department_page(tab, error=None):
    key, number = DEPARTMENT_TABS[tab], _page_number()
    page = (queues.queue_page(g.user, key, number, PER_PAGE) if key
            else queues.visible_page(g.user, number, PER_PAGE))
    return render_template("queues/department.html", tab=tab, tabs=DEPARTMENT_TABS, page=page,
                           masked=not g.user.is_centre_staff, mask_phone=mask_phone, form=BulkForm(),
                           error=error), error.status if error else 200


@bp.get("/department/accountability")
@reads_first
@login_required
@roles_required({Role.DEPARTMENT}, DEPARTMENT_FORBIDDEN)
def accountability_records():
    return _accountability_page()


@bp.post("/department/accountability/<int:record_id>/explain")
@login_required
@roles_required({Role.DEPARTMENT}, DEPARTMENT_FORBIDDEN)
def explain(record_id):
    form = ExplainForm()
    failed = Failed(record_id, "explain", form)
    if not form.validate_on_submit():
        return _accountability_page(_form_error(form), failed)
    try:
        accountability.explain(record_id, g.user, {"explanation": form.explanation.data}, utcnow())
        db.session.commit()
    except HotlineError as exc:
        db.session.rollback()
        return _accountability_page(exc, failed)
    flash("情况说明已提交，等待督办认定", "success")
    return redirect(url_for(".accountability_records", status=request.args.get("status")))


def _accountability_page(error=None, failed=None):
    status = request.args.get("status") or None
    query = schemas.parse(accountability.RecordQuery, {"status": status})
    page = queues.page_of(accountability.records(g.user, query), _page_number(), PER_PAGE)
    return render_template("queues/accountability.html", page=page, status=status, form=ExplainForm(),
                           error=error, failed=failed), error.status if error else 200


# --- shared --------------------------------------------------------------------------------

def _run_bulk(action, selected, payload):
    """Each ticket in its own savepoint: one stale or refused ticket does not undo the others."""
    done, failures = 0, []
    for number, version in selected:
        try:
            with db.session.begin_nested():
                service.perform(number, action, g.user, {**payload(number), "version": version})
        except HotlineError as exc:
            failures.append(f"{number} – {_shown(exc).message}")
        else:
            done += 1
    db.session.commit()
    if failures:
        flash(f"已处理 {done} 件，{len(failures)} 件失败：{'；'.join(failures)}", "warning")
    else:
        flash(f"已处理 {done} 件", "success")


def _no_input(number):
    return {}


def _shown(exc):
    """The service's error, with the centre's own wording for a stale version."""
    return Conflict(CONFLICT_TEXT, details=exc.details) if exc.code == "conflict" else exc


def _form_error(form):
    # Hidden fields are the page's, not the user's: their (English) messages mean a stale page.
    messages = [STALE_PAGE if name in HIDDEN_FIELDS else message
                for name, errors in form.errors.items() for message in errors]
    return InvalidInput("；".join(dict.fromkeys(messages)) or "请检查填写的内容")


def _page_number():
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
