"""The OpenAPI 3.1 document, assembled from the routes and their pydantic models.

Views declare their facts with `document(...)` and answer through `hotline.api.respond` with the
very model named here, so the document says exactly what is sent."""
import re

from flask import Blueprint, current_app, jsonify
from werkzeug.routing import IntegerConverter

from hotline.api import PREFIX
from hotline.tickets import workflow
from hotline.tickets.schemas import MAX_ID
from hotline.tickets.workflow import State

bp = Blueprint("openapi", __name__)

_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"], "additionalProperties": False,
        "properties": {"code": {"type": "string", "description": "机器可读的错误代码，见各响应的说明"},
                       "message": {"type": "string", "description": "给人看的中文说明"},
                       "details": {"type": "object", "description": "细节，如 invalid_input 时按字段列出问题"}}}},
}
# Each status with the error codes it carries everywhere; operations add their own (`errors=`).
ERROR_CODES = {
    400: "输入有误：invalid_input（details 按字段列出问题）、invalid_json（请求体不是 JSON 对象）、"
         "invalid_character（路径或查询含空字符）",
    401: "未登录或令牌无效：unauthorized、token_expired、token_revoked",
    403: "角色或单位无权操作：forbidden",
    404: "不存在或无权查看：not_found",
    409: "状态不允许该操作：invalid_transition；版本冲突：conflict",
    413: "请求体超过 1 MB：too_large",
    429: "失败次数过多：too_many_requests（响应头 Retry-After 给出等待秒数）",
    503: "数据库暂时无法访问：database_unavailable（响应头 Retry-After）",
}
TICKET_NUMBER = {"type": "string", "pattern": r"^[0-9]{8}-[0-9]{6,11}$", "description": "工单编号，如 20261127-000123"}
ISO_DAY = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
           "description": "日期 YYYY-MM-DD"}
# A ticket answer names its number: a client goes on to the ticket and its actions from there.
TICKET_SCHEMA = "TicketOut"
TICKETS_PATH = PREFIX + "/tickets"


def document(summary, body=None, response=None, query=None, public=False, status=200,
             content_type="application/json", path_params=None, errors=None, body_type="application/json"):
    """Attach OpenAPI facts to a view; `body`, `response` and `query` are pydantic models (`body` may
    also be a JSON schema, sent as `body_type`). `path_params` maps a name to its description, or
    to (description, schema). `errors` are the statuses the view returns beyond those every such
    operation has (401 unless public, 400 with a query or body, 413 with a body, 503), as a
    collection or as {status: codes that status carries here}; an operation with path parameters
    has 404 unless `errors` maps it to None, and roles_required adds 403."""
    def decorate(view):
        view.openapi = dict(
            summary=summary, body=body, response=response, query=query, public=public,
            status=status, content_type=content_type, path_params=path_params or {},
            errors=errors if isinstance(errors, dict) else dict.fromkeys(errors or (), ""),
            body_type=body_type,
        )
        return view
    return decorate


def _ref(model, schemas):
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_parameter(rule, name, doc):
    given = doc["path_params"].get(name, "")
    description, schema = given if isinstance(given, tuple) else (given, None)
    if schema is None:
        converter = rule._converters.get(name)
        # Flask's int converter takes digits only; ids beyond the database's range cannot exist.
        schema = ({"type": "integer", "minimum": 1, "maximum": MAX_ID} if isinstance(converter, IntegerConverter)
                  else {"type": "string", "minLength": 1, "pattern": r"^[^\x00/]+$"})
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _query_parameters(model):
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             "description": prop.get("description", "")} for name, prop in schema["properties"].items()]


def _error_statuses(doc, rule):
    statuses = {503: ""}
    if rule.arguments:
        statuses[404] = ""  # what a path names may not exist, or not for this user
    if not doc["public"]:
        statuses[401] = ""
    if doc["body"] is not None or doc["query"] is not None:
        statuses[400] = ""
    if doc["body"] is not None:
        statuses[413] = ""
    statuses.update(doc["errors"])
    return {status: codes for status, codes in statuses.items() if codes is not None}


def _operation(rule, doc, schemas):
    op = {"summary": doc["summary"],
          "parameters": [_path_parameter(rule, name, doc) for name in _path_names(rule)], "responses": {}}
    if doc["query"] is not None:
        op["parameters"] += _query_parameters(doc["query"])
    if doc["body"] is not None:
        schema = _ref(doc["body"], schemas) if hasattr(doc["body"], "model_json_schema") else doc["body"]
        op["requestBody"] = {"required": True, "content": {doc["body_type"]: {"schema": schema}}}
    success = {"description": "成功"}
    if doc["status"] != 204:
        media = {"schema": _ref(doc["response"], schemas)} if doc["response"] else {
            "schema": {"type": "string", "contentMediaType": doc["content_type"]}}
        success["content"] = {doc["content_type"]: media}
    op["responses"][str(doc["status"])] = success
    for status, codes in sorted(_error_statuses(doc, rule).items()):
        text = ERROR_CODES[status] + (f"；本接口另有：{codes}" if codes else "")
        op["responses"][str(status)] = {
            "description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if not doc["public"]:
        op["security"] = [{"bearer": []}]
    return op


def _path_names(rule):
    return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)


def _states_after(path, method):
    """The states a ticket can be in when the operation at `path` answers with it."""
    if (path, method) == (TICKETS_PATH, "post"):
        return {State.RECEIVED}
    rule = workflow.RULES.get(path.removeprefix(TICKETS_PATH + "/{number}/"))
    if rule is not None:
        return rule.targets or rule.sources  # an action without targets leaves the state as it was
    return set(State)


def _link(path, target):
    """How to go on from a ticket answer to `target`: its number and, in the action's body, the
    version just read (so that a stale client gets 409); intake's suggestion feeds the dispatch."""
    link = {"operationId": target["operationId"], "parameters": {"number": "$response.body#/number"}}
    if "requestBody" in target:
        link["requestBody"] = {"version": "$response.body#/version"}
        if path == TICKETS_PATH and target["operationId"].endswith("_dispatch_post"):
            link["requestBody"]["department_id"] = "$response.body#/suggestions/departments/0/department_id"
            link["description"] = "派单给受理建议的首选承办单位"
    return link


def _ticket_links(paths):
    """OpenAPI links from every answer that is a ticket to the operations on it by number that its
    state allows (SPEC §3: after a dispatch, sign or return …; a detail read may be in any state),
    so that a client (and schemathesis' stateful run) walks create → dispatch → sign → reply …"""
    targets = {}
    for path, item in paths.items():
        for op in item.values():
            if "{number}" in path:
                action = path.removeprefix(TICKETS_PATH + "/{number}/")
                rule = workflow.RULES.get(action)
                targets[op["operationId"]] = (op, rule.sources if rule else set(State))
    for path, item in paths.items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if status < "300" and schema.get("$ref", "").endswith("/" + TICKET_SCHEMA):
                    states = _states_after(path, method)
                    response["links"] = {
                        operation_id.removeprefix("api."): _link(path, target)
                        for operation_id, (target, sources) in sorted(targets.items()) if sources & states}


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
            operation = _operation(rule, doc, schemas)
            # Kept as they were when one "api" blueprint held every view: generated clients use them.
            operation["operationId"] = f"api.{view.__name__}_{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = operation
    _ticket_links(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "12345 政务服务便民热线 工单系统 API", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
