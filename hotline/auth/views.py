"""Signing in and out of the web pages, `/`, which sends each role to its home page, and one's own
password (/account/password), which a user whose password was reset must change before anything else."""
from types import SimpleNamespace

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from hotline.api import is_api_request
from hotline.auth import throttle, users
from hotline.auth.tokens import authenticate, revoke_everywhere
from hotline.errors import HotlineError, Unauthorized
from hotline.extensions import db
from hotline.tickets.forms import ChineseMeta
from hotline.tickets.workflow import Role
from hotline.web import login_required, safe_next

bp = Blueprint("auth", __name__)

# What a user who must change their password may still reach.
UNFORCED = frozenset({"auth.password", "auth.login", "auth.logout", "auth.logout_everywhere", "static"})

# Each role's home, in order of precedence for users who hold several.
HOMES = ((Role.OPERATOR, "/intake"), (Role.DISPATCHER, "/dispatch/received"),
         (Role.REVISITOR, "/revisit"), (Role.DEPARTMENT, "/department/dispatched"),
         (Role.SUPERVISOR, "/tickets"), (Role.ADMIN, "/tickets"))


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[InputRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[InputRequired("请输入密码"), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    current_password = PasswordField("原密码", validators=[InputRequired("请填写原密码"), Length(max=200)])
    new_password = PasswordField("新密码", validators=[InputRequired("请填写新密码"), Length(
        min=users.MIN_PASSWORD, max=200, message=f"新密码至少 {users.MIN_PASSWORD} 位")])
    new_password_repeat = PasswordField("再次输入新密码", validators=[
        InputRequired("请再次输入新密码"), EqualTo("new_password", message="两次输入的新密码不一致")])

    def validate_new_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError("新密码不能与原密码相同")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form, error = LoginForm(), None
    if form.validate_on_submit():
        try:
            keys = throttle.attempt(form.username.data)
            user = authenticate(form.username.data.strip(), form.password.data)
        except throttle.TooManyFailures as exc:
            return render_template("auth/login.html", form=form, error=exc.message), 429, exc.headers
        except Unauthorized as exc:
            throttle.failed(*keys)
            error = exc.message
        else:
            login_user(user)
            session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME
            return redirect(safe_next(request.args.get("next")) or url_for("auth.index"))
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Every session and API token of the user ends, on every worker and device."""
    revoke_everywhere(g.user)
    db.session.commit()
    logout_user()
    flash("已在所有设备上退出，请重新登录", "success")
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def index():
    return redirect(home_of(g.user))


def home_of(user):
    return next((path for role, path in HOMES if role in user.roles), "/tickets")


@bp.before_app_request
def _force_password_change():
    """A reset password is the admin's, not the user's: every page leads to the change form first."""
    if is_api_request() or request.endpoint in UNFORCED or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form, error = PasswordChangeForm(), None
    if form.validate_on_submit():
        try:
            users.change_own_password(g.user, {"current_password": form.current_password.data,
                                               "new_password": form.new_password.data})
        except HotlineError as exc:
            db.session.rollback()
            error = SimpleNamespace(code=exc.code, message=exc.message)
            if exc.code == "wrong_password":
                form.current_password.errors = [exc.message]
        else:
            db.session.commit()
            # The new token version ends every other session; this one signs in again under it.
            login_user(g.user)
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(url_for("auth.index"))
    status = 400 if form.errors or error else 200
    return render_template("auth/password.html", form=form, error=error), status
