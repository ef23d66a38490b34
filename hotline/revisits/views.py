"""The revisitor's workstation (/revisit): one claimed ticket at a time, called back and recorded."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from hotline.auth.access import roles_required
from hotline.errors import Conflict, HotlineError
from hotline.extensions import db
from hotline.labels import SATISFACTIONS
from hotline.revisits import service as revisits
from hotline.tickets import service
from hotline.tickets.contact import reveal as reveal_contact
from hotline.tickets.serialize import mask_phone
from hotline.tickets.workflow import Role, State
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("revisits", __name__)
REVISITORS = {Role.REVISITOR}
ONLY_REVISITORS = "只有回访员可以使用回访工作台"
STALE = "该工单已被他人更新，请重新加载后再操作"
# Tickets skipped in this session, so that the desk opens the next one instead of the same.
SKIPPED, MAX_SKIPPED = "revisit_skipped", 200


class RevisitForm(FlaskForm):
    satisfaction = RadioField("满意度", choices=[SelectChoice(code, name) for code, name in SATISFACTIONS.items()],
                              validators=[InputRequired("请选择满意度")])
    resolved = RadioField("问题是否解决", choices=[SelectChoice("yes", "已解决"), SelectChoice("no", "未解决")],
                          validators=[Optional()])
    note = TextAreaField("回访记录", validators=[Optional(), Length(max=2000)])
    close_reason = TextAreaField("结案原因", validators=[Optional(), Length(min=2, max=2000)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def data_for_service(self):
        """The typed input of the workflow's `revisit` action."""
        satisfaction = self.satisfaction.data
        data = {"satisfaction": satisfaction, "version": self.version.data,
                "resolved": None if satisfaction == "unreachable" or not self.resolved.data
                else self.resolved.data == "yes",
                "note": (self.note.data or "").strip() or None}
        if satisfaction == "unsatisfied" and (self.close_reason.data or "").strip():
            data["close_reason"] = self.close_reason.data.strip()
        return data


def _skip(ticket_id):
    session[SKIPPED] = [*session.get(SKIPPED, []), ticket_id][-MAX_SKIPPED:]


def _desk(ticket, form, error=None, status=200):
    return render_template("revisits/workstation.html", ticket=ticket, form=form, error=error,
                           level=revisits.revisit_level(ticket, utcnow()), masked=mask_phone(ticket.caller_phone),
                           attempts_allowed=current_app.config["HOTLINE_UNREACHABLE_ATTEMPTS"]), status


@bp.get("/revisit")
@login_required
@roles_required(REVISITORS, ONLY_REVISITORS)
def index():
    ticket = revisits.claim_next(g.user, utcnow(), session.get(SKIPPED, []))
    db.session.commit()
    if ticket is None:
        return render_template("revisits/empty.html", skipped=len(session.get(SKIPPED, [])))
    return _desk(ticket, RevisitForm(version=ticket.version))


@bp.post("/revisit/<number>")
@login_required
@roles_required(REVISITORS, ONLY_REVISITORS)
def record(number):
    form = RevisitForm()
    if not form.validate_on_submit():
        return _desk(service.get_ticket(number, g.user), form, status=400)
    try:
        ticket = revisits.record(number, g.user, form.data_for_service(), utcnow())
    except HotlineError as exc:
        db.session.rollback()
        error = Conflict(STALE) if exc.code == "conflict" else exc
        return _desk(service.get_ticket(number, g.user), form, error, exc.status)
    db.session.commit()
    if ticket.state == State.PENDING_REVISIT:
        _skip(ticket.id)  # unreachable this time: call the next citizen, this one later
        flash(f"已记录：未联系上（第 {ticket.revisit_attempts} 次）", "success")
    else:
        flash(f"工单 {number} 回访已记录，{'已办结' if ticket.state == State.CLOSED else '已退回重办'}", "success")
    return redirect(url_for("revisits.index"))


@bp.post("/revisit/<number>/skip")
@login_required
@roles_required(REVISITORS, ONLY_REVISITORS)
def skip(number):
    ticket = service.get_ticket(number, g.user)
    revisits.release(number, g.user)
    db.session.commit()
    _skip(ticket.id)
    flash(f"已跳过工单 {number}", "success")
    return redirect(url_for("revisits.index"))


@bp.post("/revisit/skipped/reset")
@login_required
@roles_required(REVISITORS, ONLY_REVISITORS)
def reset_skipped():
    session.pop(SKIPPED, None)
    return redirect(url_for("revisits.index"))


@bp.post("/revisit/<number>/phone")
@login_required
@roles_required(REVISITORS, ONLY_REVISITORS)
def phone(number):
    """The full number for the call (htmx swaps it in place of the masked one), recorded in the
    audit trail like every 显示号码."""
    shown = reveal_contact(number, g.user)
    db.session.commit()
    return render_template("revisits/_phone.html", phone=shown["caller_phone"])
