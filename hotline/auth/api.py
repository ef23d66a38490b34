"""Token issue for API clients."""
from flask import jsonify

from hotline.api import bp, json_body
from hotline.api.models import TokenOut, TokenRequest
from hotline.api.openapi import build_spec, document
from hotline.auth.tokens import authenticate, issue_token
from hotline.tickets.schemas import parse


@bp.post("/auth/token")
@document("登录获取访问令牌", body=TokenRequest, response=TokenOut, public=True)
def token():
    credentials = parse(TokenRequest, json_body())
    user = authenticate(credentials.username, credentials.password)
    return jsonify(token=issue_token(user), user=user.to_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
