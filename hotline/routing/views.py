"""The classifier models' admin page (/admin/models): metrics, training, activation, rollback."""
from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from classifier.train import MIN_PER_LABEL
from hotline.auth.access import roles_required
from hotline.directory.models import Category, Department
from hotline.errors import HotlineError, InvalidInput
from hotline.extensions import db
from hotline.routing import registry, training_requests
from hotline.tickets.workflow import Role
from hotline.web import login_required

bp = Blueprint("models", __name__)

ADMINS_ONLY = "只有系统管理员可以管理分类模型"


def admin_page(view):
    return login_required(roles_required({Role.ADMIN}, ADMINS_ONLY)(view))


@bp.get("/admin/models")
@admin_page
def index():
    return _page()


@bp.get("/admin/models/<version>")
@admin_page
def detail(version):
    row = registry.get(version)
    return render_template("models/detail.html", row=row, names=_class_names(row.kind),
                           kinds=registry.KIND_LABELS, min_per_label=MIN_PER_LABEL)


@bp.get("/admin/models/training")
@admin_page
def training():
    """The progress card the page polls; once the training ends, the polling page reloads to list the new models."""
    latest = training_requests.latest()
    response = make_response(render_template("models/_training.html", training=latest, **_labels()))
    if request.args.get("wait") and (latest is None or latest.finished):
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/admin/models/train")
@admin_page
def train():
    return _change(lambda: training_requests.request_training(g.user), "已提交训练任务，调度进程将在一分钟内开始训练")


@bp.post("/admin/models/<version>/activate")
@admin_page
def activate(version):
    return _change(lambda: registry.activate(version, actor=g.user), f"已启用模型 {version}")


@bp.post("/admin/models/rollback")
@admin_page
def rollback():
    kind = request.form.get("kind")

    def roll_back():
        if kind not in registry.KINDS:
            raise InvalidInput("请选择要回滚的模型种类", code="invalid_input")
        return registry.rollback(kind, actor=g.user)

    return _change(roll_back, "已回滚到 {version}")


def _change(change, message):
    try:
        row = change()
    except HotlineError as exc:
        db.session.rollback()
        return _page(exc)
    db.session.commit()
    flash(message.format(version=getattr(row, "version", "")), "success")
    return redirect(url_for("models.index"))


def _page(error=None):
    rows = registry.models()
    return render_template("models/index.html", rows=rows, error=error, training=training_requests.latest(),
                           sources=registry.SOURCES, **_labels(),
                           rollback_kinds={r.kind for r in rows if r.activated_at and not r.active}), \
        error.status if error else 200


def _labels():
    return {"kinds": registry.KIND_LABELS, "statuses": training_requests.STATUSES}


def _class_names(kind):
    """Label code → Chinese name: the model predicts category codes or department codes."""
    model = Category if kind == "category" else Department
    return {code: name for code, name in db.session.execute(select(model.code, model.name)) if code}
