"""The JSON API under /api/v1: its prefix, error format and request-body helper."""
from flask import current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider

from hotline.errors import InvalidInput

PREFIX = "/api/v1"


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, Chinese kept as it is, and a body nested too deep for the parser is a
    malformed body (a 400 wherever JSON is read) rather than a RecursionError."""

    ensure_ascii = False

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def error_body(code, message, details=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}


def is_api_request():
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def handle_hotline_error(exc):
    return jsonify(error_body(exc.code, exc.message, exc.details)), exc.status, getattr(exc, "headers", {})


def handle_http_error(exc):
    """An HTTP error in the API's JSON error format."""
    code = {400: "invalid_json", 413: "too_large"}.get(exc.code, exc.name.lower().replace(" ", "_"))
    return jsonify(error_body(code, exc.description or exc.name)), exc.code


def respond(model, data, status=200):
    """`data` validated and serialized by `model`, the model the OpenAPI document names for this
    answer: a key the model lacks (its `extra="forbid"`) or a value of the wrong kind is caught here,
    and nothing reaches the client that the document does not describe. Keys left out of `data`
    that the model has defaults for are left out of the answer too."""
    body = model.model_validate(data).model_dump_json(by_alias=True, exclude_unset=True)
    return current_app.response_class(body, status=status, mimetype="application/json")


def json_body():
    """The request's JSON object, or a 400 for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请求体必须是合法的 JSON 对象", code="invalid_json")
    return data
