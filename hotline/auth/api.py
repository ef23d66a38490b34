"""Token issue for API clients."""
from flask import Blueprint, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address

from hotline.api import json_body
from hotline.api.models import TokenOut, TokenRequest
from hotline.api.openapi import document
from hotline.auth import users
from hotline.auth.access import token_required
from hotline.auth.tokens import authenticate, issue_token
from hotline.extensions import db, limiter
from hotline.tickets.schemas import parse

bp = Blueprint("auth_api", __name__)

TOO_MANY_FAILURES = "登录失败次数过多，请稍后再试"


def _user_name():
    """The name being tried, so that guessing one user's password from many addresses is slowed too."""
    data = request.get_json(silent=True)
    name = data.get("username") if isinstance(data, dict) else None
    return f"user:{name.strip().lower()}" if isinstance(name, str) and name.strip() else get_remote_address()


def _failed(response):
    # Only failures count: staff who log in correctly are never locked out by the limit.
    return response.status_code == 401


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["HOTLINE_LOGIN_LIMIT"], key_func=_user_name,
               deduct_when=_failed, error_message=TOO_MANY_FAILURES, scope="login-user")
@limiter.limit(lambda: current_app.config["HOTLINE_LOGIN_ADDRESS_LIMIT"], key_func=get_remote_address,
               deduct_when=_failed, error_message=TOO_MANY_FAILURES, scope="login-address")
@document("登录获取访问令牌", body=TokenRequest, response=TokenOut, public=True)
def token():
    credentials = parse(TokenRequest, json_body())
    user = authenticate(credentials.username, credentials.password)
    return jsonify(token=issue_token(user), user=user.to_dict())


@bp.post("/auth/password")
@token_required
@document("修改本人密码（其他会话和令牌随即失效；返回新令牌）", body=users.PasswordChange, response=TokenOut)
def change_password():
    user = users.change_own_password(g.user, json_body())
    db.session.commit()
    return jsonify(token=issue_token(user), user=user.to_dict())
