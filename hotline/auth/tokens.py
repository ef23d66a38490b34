"""Signed, expiring API tokens carrying the user's token version: raising it revokes them."""
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth.models import RevokedToken, User
from hotline.errors import Unauthorized
from hotline.extensions import db


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline-api-token")


def issue_token(user):
    """A token naming the user, their token version and an id of its own (for logout); nothing
    derived from the password."""
    return _serializer().dumps({"uid": user.id, "tv": user.token_version, "jti": secrets.token_hex(16)})


def _payload(token):
    max_age = current_app.config["HOTLINE_TOKEN_MAX_AGE"]
    try:
        payload, signed_at = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise Unauthorized("访问令牌已过期，请重新登录", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("访问令牌无效") from None
    if not isinstance(payload, dict):
        raise Unauthorized("访问令牌无效")
    return payload, signed_at


@cache
def _user_statement():
    """The user, their roles and whether the token is on the revoked list, in one statement built
    once: building it again on every request, with its cache key, cost about a third of the check."""
    return (select(User, RevokedToken.token_id)
            .outerjoin(RevokedToken, RevokedToken.token_id == bindparam("token_id"))
            .where(User.id == bindparam("uid"))
            .options(joinedload(User.role_rows)))


def user_from_token(token):
    """The token's user, in one query on every request."""
    payload, _ = _payload(token)
    uid, token_id = payload.get("uid"), payload.get("jti")
    found = None
    if isinstance(uid, int):
        # A token id that is not a string matches no row (= NULL) and is refused below.
        found = db.session.execute(_user_statement(), {
            "uid": uid, "token_id": token_id if isinstance(token_id, str) else None}).unique().first()
    user = found[0] if found else None
    if user is None or not user.active or payload.get("tv") != user.token_version:
        raise Unauthorized("访问令牌已失效，请重新登录")
    if not isinstance(token_id, str) or found[1] is not None:
        raise Unauthorized("访问令牌已注销，请重新登录", code="token_revoked")
    return user


def revoke_token(token, now):
    """Log out with this token: it is refused from now on, on every worker (the list is in the
    database); rows go once the token would have expired anyway."""
    payload, signed_at = _payload(token)
    expires_at = signed_at + timedelta(seconds=current_app.config["HOTLINE_TOKEN_MAX_AGE"])
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if db.session.get(RevokedToken, payload["jti"]) is None:
        db.session.add(RevokedToken(token_id=payload["jti"], user_id=payload["uid"], expires_at=expires_at))


def revoke_everywhere(user):
    """Log out everywhere: every token and web session of the user ends at once."""
    user.token_version += 1


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
