"""Signing in and out of the web pages, and `/`, which sends each role to its home page."""
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from hotline.auth.api import TOO_MANY_FAILURES
from hotline.auth.tokens import authenticate
from hotline.errors import Unauthorized
from hotline.extensions import limiter
from hotline.tickets.workflow import Role
from hotline.web import login_required, safe_next

bp = Blueprint("auth", __name__)

# Each role's home, in order of precedence for users who hold several.
HOMES = ((Role.OPERATOR, "/intake"), (Role.DISPATCHER, "/dispatch/received"),
         (Role.REVISITOR, "/revisit"), (Role.DEPARTMENT, "/department/dispatched"),
         (Role.SUPERVISOR, "/tickets"), (Role.ADMIN, "/tickets"))


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[InputRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[InputRequired("请输入密码"), Length(max=200)])


def _form_user_name():
    """The name being tried, as the API counts it: guessing one password from many addresses is slowed too."""
    name = request.form.get("username", "").strip().lower()
    return f"user:{name}" if name else get_remote_address()


def _failed(response):
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["HOTLINE_LOGIN_LIMIT"], key_func=_form_user_name, methods=["POST"],
               deduct_when=_failed, error_message=TOO_MANY_FAILURES, scope="login-user")
@limiter.limit(lambda: current_app.config["HOTLINE_LOGIN_ADDRESS_LIMIT"], key_func=get_remote_address,
               methods=["POST"], deduct_when=_failed, error_message=TOO_MANY_FAILURES, scope="login-address")
def login():
    form, error = LoginForm(), None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data.strip(), form.password.data)
        except Unauthorized as exc:
            g.login_failed, error = True, exc.message
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


@bp.get("/")
@login_required
def index():
    return redirect(home_of(g.user))


def home_of(user):
    return next((path for role, path in HOMES if role in user.roles), "/tickets")
