"""Signed, expiring API tokens carrying the user's token version: raising it revokes them."""
import secrets
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import User
from hotline.errors import Unauthorized
from hotline.extensions import db


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline-api-token")


def issue_token(user):
    return _serializer().dumps({"uid": user.id, "tv": user.token_version})


def user_from_token(token):
    max_age = current_app.config["HOTLINE_TOKEN_MAX_AGE"]
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthorized("访问令牌已过期，请重新登录", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("访问令牌无效") from None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or payload.get("tv") != user.token_version:
        raise Unauthorized("访问令牌已失效，请重新登录")
    return user


def authenticate(username, password):
    """The active user with this name and password. An unknown name costs the same hash check as a
    known one, so the time taken does not tell which names exist."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_unknown_user_hash(), password)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    if not user.check_password(password) or not user.active:
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    return user


@cache
def _unknown_user_hash():
    return generate_password_hash(secrets.token_urlsafe(16))
