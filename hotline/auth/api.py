"""Token issue for API clients."""
from flask import Blueprint, g

from hotline.api import json_body, respond
from hotline.api.models import TokenOut, TokenRequest
from hotline.api.openapi import document
from hotline.auth import throttle, users
from hotline.auth.access import bearer_token, token_required
from hotline.auth.tokens import authenticate, issue_token, revoke_everywhere, revoke_token
from hotline.errors import Unauthorized
from hotline.extensions import db
from hotline.tickets.schemas import parse
from hotline.timeutil import utcnow

bp = Blueprint("auth_api", __name__)

@bp.post("/auth/token")
@document("登录获取访问令牌", body=TokenRequest, response=TokenOut, public=True,
          errors={401: "invalid_credentials（用户名或密码错误，或账号已停用）", 429: ""})
def token():
    credentials = parse(TokenRequest, json_body())
    keys = throttle.attempt(credentials.username)
    try:
        user = authenticate(credentials.username, credentials.password)
    except Unauthorized:
        throttle.failed(*keys)
        raise
    return respond(TokenOut, {"token": issue_token(user), "user": user.to_dict()})


@bp.post("/auth/password")
@token_required
@document("修改本人密码（其他会话和令牌随即失效；返回新令牌）", body=users.PasswordChange, response=TokenOut,
          errors={400: "wrong_password（原密码不正确）"})
def change_password():
    user = users.change_own_password(g.user, json_body())
    db.session.commit()
    return respond(TokenOut, {"token": issue_token(user), "user": user.to_dict()})


@bp.post("/auth/logout")
@token_required
@document("注销本令牌（即时生效于所有工作进程）", status=204)
def logout():
    revoke_token(bearer_token(), utcnow())
    db.session.commit()
    return "", 204


@bp.post("/auth/logout-all")
@token_required
@document("在所有设备上退出（本人的全部令牌和网页会话即时失效）", status=204)
def logout_everywhere():
    revoke_everywhere(g.user)
    db.session.commit()
    return "", 204
