"""The OpenAPI 3.1 document, assembled from the routes and their pydantic models."""
import re

from flask import Blueprint, current_app, jsonify

bp = Blueprint("openapi", __name__)

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                             "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"},
                                            "details": {"type": "object"}}}},
}
_ERRORS = {
    "400": "输入有误（invalid_input / invalid_json / unknown_department …）",
    "401": "未登录或令牌无效",
    "403": "角色或单位无权操作",
    "404": "不存在或无权查看",
    "409": "状态不允许该操作（invalid_transition）或版本冲突（conflict）",
}


def document(summary, body=None, response=None, query=None, public=False, status=200,
             content_type="application/json", path_params=None):
    """Attach OpenAPI facts to a view; `body`, `response` and `query` are pydantic models."""
    def decorate(view):
        view.openapi = dict(
            summary=summary, body=body, response=response, query=query, public=public,
            status=status, content_type=content_type, path_params=path_params or {},
        )
        return view
    return decorate


def _ref(model, schemas):
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(doc, rule_args, schemas):
    op = {"summary": doc["summary"], "parameters": [], "responses": {}}
    for name in rule_args:
        op["parameters"].append({
            "name": name, "in": "path", "required": True,
            "schema": {"type": "string"}, "description": doc["path_params"].get(name, ""),
        })
    if doc["query"] is not None:
        for name, prop in doc["query"].model_json_schema()["properties"].items():
            op["parameters"].append({"name": name, "in": "query", "required": False,
                                     "schema": prop, "description": prop.get("description", "")})
    if doc["body"] is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(doc["body"], schemas)}}}
    content = {doc["content_type"]: {"schema": _ref(doc["response"], schemas)}} if doc["response"] else {
        doc["content_type"]: {}}
    op["responses"][str(doc["status"])] = ({"description": "成功"} if doc["status"] == 204
                                           else {"description": "成功", "content": content})
    for status, text in _ERRORS.items():
        if doc["public"] and status == "403":
            continue
        op["responses"][status] = {"description": text,
                                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if not doc["public"]:
        op["security"] = [{"bearer": []}]
    return op


def build_spec():
    schemas = {"Error": _ERROR}
    paths = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "openapi", None)
        if doc is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(doc, rule.arguments, schemas)
            # Kept as they were when one "api" blueprint held every view: generated clients use them.
            operation["operationId"] = f"api.{view.__name__}_{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "12345 政务服务便民热线 工单系统 API", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
