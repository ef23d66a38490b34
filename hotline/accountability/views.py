"""The accountability page (/accountability): 逾期追责 records with the explain, accept and confirm flow."""
from dataclasses import dataclass

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from hotline.accountability import service
from hotline.auth.access import roles_required
from hotline.errors import HotlineError, InvalidInput, NotFound
from hotline.extensions import db
from hotline.tickets import queues, schemas
from hotline.tickets.forms import ChineseMeta, department_choices
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("accountability", __name__)

PER_PAGE = 50
READERS = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN, Role.DEPARTMENT})
FORBIDDEN = "只有督办领导、派单审核员、管理员和承办单位可以查看逾期追责记录"
DECIDE_FORBIDDEN = "只有督办领导可以认定追责"
DECISION_LABELS = {"accept": "采纳说明", "confirm": "确认责任"}


class DecisionForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    note = TextAreaField("认定意见", validators=[InputRequired("请填写认定意见"),
                                             Length(min=2, max=2000, message="认定意见需 2–2000 字")])


@dataclass
class Failed:
    """The record whose decision was refused: its form comes back with the user's input."""
    record_id: int
    decision: str
    form: DecisionForm


def _filters():
    """The list's GET filters as the service's RecordQuery; empty fields mean "any"."""
    return schemas.parse(service.RecordQuery, {k: v for k, v in request.args.items() if v.strip()})


@bp.get("/accountability")
@login_required
@roles_required(READERS, FORBIDDEN)
def index():
    return _page()


@bp.post("/accountability/<int:record_id>/<decision>")
@login_required
@roles_required({Role.SUPERVISOR}, DECIDE_FORBIDDEN)
def decide(record_id, decision):
    if decision not in service.DECISIONS:
        raise NotFound(f"没有“{decision}”这个认定")
    form = DecisionForm()
    failed = Failed(record_id, decision, form)
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        return _page(InvalidInput("；".join(messages)), failed)
    try:
        service.decide(record_id, decision, g.user, {"note": form.note.data}, utcnow())
        db.session.commit()
    except HotlineError as exc:
        db.session.rollback()
        return _page(exc, failed)
    flash(f"追责记录 {record_id} 已{DECISION_LABELS[decision]}", "success")
    return redirect(url_for(".index", **request.args))


def _page(error=None, failed=None):
    try:
        query = _filters()
    except InvalidInput as exc:
        query, error = service.RecordQuery(), exc
    page = db.paginate(service.records(g.user, query), page=query.page, per_page=PER_PAGE,
                       error_out=False, count=True)
    return render_template("accountability/index.html", page=page, query=query, error=error, failed=failed,
                           departments=department_choices() if g.user.is_centre_staff else [],
                           may_decide=Role.SUPERVISOR in g.user.roles, form=DecisionForm(formdata=None),
                           decisions=DECISION_LABELS, names=queues.department_names(),
                           args={k: v for k, v in request.args.items() if v.strip() and k != "page"}
                           ), error.status if error else 200
