"""The JSON API under /api/v1: error format, token authentication and shared helpers."""
from functools import wraps

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from hotline.auth.tokens import user_from_token
from hotline.errors import HotlineError, InvalidInput, Unauthorized

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error_body(code, message, details=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}


def handle_hotline_error(exc):
    return jsonify(error_body(exc.code, exc.message, exc.details)), exc.status


def handle_http_error(exc):
    """JSON errors for API paths; the web UI keeps Flask's own pages."""
    if not request.path.startswith(bp.url_prefix):
        return exc
    code = {400: "invalid_json", 413: "too_large"}.get(exc.code, exc.name.lower().replace(" ", "_"))
    return jsonify(error_body(code, exc.description or exc.name)), exc.code


def register_error_handlers(app):
    app.register_error_handler(HotlineError, handle_hotline_error)
    app.register_error_handler(HTTPException, handle_http_error)


def json_body():
    """The request's JSON object, or a 400 for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请求体必须是合法的 JSON 对象", code="invalid_json")
    return data


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("缺少访问令牌（Authorization: Bearer <token>）")
        g.user = user_from_token(token.strip())
        return view(*args, **kwargs)

    return wrapped
