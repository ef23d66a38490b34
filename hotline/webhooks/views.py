"""The admin console's webhook pages (/admin/webhooks): endpoints, their secret shown once, their deliveries."""
from flask import Blueprint, flash, g, make_response, render_template, request, url_for

from hotline.admin.forms import ActiveForm, AdminForm
from hotline.admin.views import _history, _submit, admin_page
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.labels import WEBHOOK_STATUSES
from hotline.webhooks import endpoints
from hotline.webhooks.forms import EndpointForm

bp = Blueprint("webhooks", __name__)

RECENT = 50


@bp.get("/admin/webhooks")
@admin_page
def index():
    return _index_page(EndpointForm(formdata=None))


@bp.post("/admin/webhooks")
@admin_page
def create():
    form = EndpointForm()
    if not form.validate_on_submit():
        return _index_page(form), 400
    try:
        endpoint = endpoints.create(form.payload(), g.user)
    except HotlineError as exc:
        db.session.rollback()
        return _index_page(form, exc), exc.status
    db.session.commit()
    return _with_secret(endpoint, f"已新增推送地址 {endpoint.name}")


@bp.get("/admin/webhooks/<int:endpoint_id>")
@admin_page
def detail(endpoint_id):
    return _detail_page(endpoints.get(endpoint_id))


@bp.post("/admin/webhooks/<int:endpoint_id>")
@admin_page
def update(endpoint_id):
    form = EndpointForm()
    return _submit(form, lambda: endpoints.change(endpoint_id, form.payload(), g.user),
                   lambda e: (f"已保存推送地址 {e.name}", url_for(".detail", endpoint_id=endpoint_id)),
                   lambda error: _detail_page(endpoints.get(endpoint_id), form, error))


@bp.post("/admin/webhooks/<int:endpoint_id>/active")
@admin_page
def set_active(endpoint_id):
    form = ActiveForm()
    return _submit(form, lambda: endpoints.change(endpoint_id, form.payload(), g.user),
                   lambda e: (f"已{'启用' if e.active else '停用'}推送地址 {e.name}",
                              url_for(".detail", endpoint_id=endpoint_id)),
                   lambda error: _detail_page(endpoints.get(endpoint_id), error=error))


@bp.post("/admin/webhooks/<int:endpoint_id>/secret")
@admin_page
def rotate_secret(endpoint_id):
    if not AdminForm().validate_on_submit():
        return _detail_page(endpoints.get(endpoint_id)), 400
    endpoint = endpoints.rotate_secret(endpoint_id, g.user)
    db.session.commit()
    return _with_secret(endpoint, "已更换签名密钥，此后的投递使用新密钥签名")


def _with_secret(endpoint, message):
    """The endpoint's page with its secret, this once; never cached, never in a redirect or the session."""
    flash(message, "success")
    response = make_response(_detail_page(endpoint, secret=endpoint.secret))
    response.headers["Cache-Control"] = "no-store"
    return response


def _index_page(form, error=None):
    return render_template("webhooks/index.html", endpoints=endpoints.endpoints(), overview=endpoints.overview(),
                           form=form, error=error)


def _detail_page(endpoint, form=None, error=None, secret=None):
    status = request.args.get("status") if request.args.get("status") in WEBHOOK_STATUSES else None
    form = form or EndpointForm(formdata=None, name=endpoint.name, url=endpoint.url, events=list(endpoint.events))
    deliveries = db.session.scalars(endpoints.deliveries(endpoint.id, status).limit(RECENT)).all()
    return render_template("webhooks/endpoint.html", endpoint=endpoint, form=form, error=error, secret=secret,
                           deliveries=deliveries, status=status, active=ActiveForm(formdata=None),
                           rotate=AdminForm(formdata=None), history=_history("webhook", endpoint.id))

