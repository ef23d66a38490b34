"""The admin console's Open311 page (/admin/open311): API keys (create, shown once; revoke) and whether
reading requests needs a key. Every change is audited by hotline/open311/keys.py."""
from flask import Blueprint, flash, g, redirect, render_template, url_for
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from hotline.admin.forms import AdminForm
from hotline.auth.access import roles_required
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import options
from hotline.open311 import keys
from hotline.open311.models import SCOPES
from hotline.tickets.workflow import Role
from hotline.web import login_required

bp = Blueprint("open311_admin", __name__)


class KeyForm(AdminForm):
    name = StringField("应用名称", validators=[InputRequired("请填写应用名称"),
                                           Length(min=2, max=50, message="应用名称应为 2–50 个字")],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    scope = SelectField("可读取的诉求", choices=options(SCOPES.items()), default="own",
                        validators=[AnyOf(list(SCOPES), message="请选择可读取的诉求")])


class ConfirmForm(AdminForm):
    pass


class PublicReadForm(AdminForm):
    public_read = StringField(validators=[AnyOf(["true", "false"], message="无效的设置")])


def admin_page(view):
    return login_required(roles_required({Role.ADMIN}, "只有系统管理员可以管理 Open311 接口")(view))


@bp.get("/admin/open311")
@admin_page
def index():
    return _page(KeyForm(formdata=None))


@bp.post("/admin/open311/keys")
@admin_page
def create_key():
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(form), 400
    try:
        row, key = keys.create(form.name.data, form.scope.data, g.user)
    except HotlineError as exc:
        db.session.rollback()
        return _page(form, exc), exc.status
    db.session.commit()
    # Shown on this answer only, never stored: no redirect, so the key is in no cookie and no later page.
    return _page(KeyForm(formdata=None), created=(row, key))


@bp.post("/admin/open311/keys/<int:key_id>/revoke")
@admin_page
def revoke_key(key_id):
    return _change(ConfirmForm(), lambda: keys.revoke(key_id, g.user), lambda row: f"已吊销密钥「{row.name}」")


@bp.post("/admin/open311/settings")
@admin_page
def change_settings():
    form = PublicReadForm()
    return _change(form, lambda: keys.set_public_read(form.public_read.data == "true", g.user),
                   lambda row: "已开放公开读取：无需 api_key 即可查询诉求" if row.public_read
                   else "已关闭公开读取：查询诉求须提供 api_key")


def _change(form, change, message):
    if not form.validate_on_submit():
        return _page(KeyForm(formdata=None)), 400
    try:
        row = change()
    except HotlineError as exc:
        db.session.rollback()
        return _page(KeyForm(formdata=None), exc), exc.status
    db.session.commit()
    flash(message(row), "success")
    return redirect(url_for(".index"))


def _page(form, error=None, created=None):
    return render_template("open311/keys.html", keys=keys.keys(), form=form, error=error, created=created,
                           public_read=keys.public_read(), confirm=ConfirmForm(formdata=None),
                           setting=PublicReadForm(formdata=None), scopes=SCOPES)
