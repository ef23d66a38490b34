"""GeoReport v2 under /open311/v2/ (JSON and XML): discovery, services, service definitions, and service
requests to list, read and file. Errors are the specification's list of {code, description}."""
from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from hotline.errors import Forbidden, HotlineError
from hotline.extensions import db
from hotline.open311 import keys, services
from hotline.open311 import requests as service_requests
from hotline.open311.formats import FORMATS, errors, respond
from hotline.open311.requests import Reader

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FMT = "<any(json, xml):fmt>"

bp = Blueprint("open311", __name__, url_prefix=PREFIX)


@bp.get(f"/discovery.{FMT}")
def discovery(fmt):
    changeset = services.changeset()
    return respond(fmt, "discovery", {
        "changeset": changeset,
        "contact": "如需帮助，请联系本市 12345 政务服务便民热线中心",
        "key_service": "提交诉求所需的 api_key 由热线中心系统管理员发放，请向热线中心申请",
        "endpoints": [{"specification": SPECIFICATION, "url": request.host_url.rstrip("/") + PREFIX,
                       "changeset": changeset, "type": "test" if current_app.testing else "production",
                       "formats": ["text/xml", "application/json"]}],
    })


@bp.get(f"/services.{FMT}")
def service_list(fmt):
    return respond(fmt, "services", [services.service_dict(c) for c in services.service_list()])


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code, fmt):
    return respond(fmt, "service_definition", services.definition(services.find(code)))


@bp.get(f"/requests.{FMT}")
def request_list(fmt):
    reader = _reader()
    rows = service_requests.listing(request.args, reader)
    body = service_requests.as_requests(rows)
    db.session.commit()  # the key's last use
    return respond(fmt, "service_requests", body)


@bp.get(f"/requests/<number>.{FMT}")
def request_detail(number, fmt):
    ticket = service_requests.one(number, _reader())
    body = service_requests.as_requests([ticket])
    db.session.commit()
    return respond(fmt, "service_requests", body)


@bp.post(f"/requests.{FMT}")
def create_request(fmt):
    key = keys.authenticate(_given_key(request.form, "提交诉求"))
    ticket = service_requests.file(request.form, key)
    db.session.commit()
    return respond(fmt, "service_requests", [{"service_request_id": ticket.number,
                                              "service_notice": service_requests.notice(ticket),
                                              "account_id": None}], 201)


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(anything):
    """Anything else under /open311/v2/ is a 404 (or 405 for a resource that takes another method) in the
    GeoReport error format (XML for a .xml path)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            return errors(_format(), 405, f"{request.path} 不支持 {request.method} 请求")
    return errors(_format(), 404, f"没有这个 Open311 资源：{request.path}（支持的格式：.json、.xml）")


def _given_key(values, purpose):
    given = values.get("api_key", "").strip()
    if not given:
        raise Forbidden(f"{purpose}须提供 api_key", code="missing_api_key")
    return given


def _reader():
    """Reading needs a key unless an admin made reading public; a key sees what it filed, or everything
    (reports excepted) when created with scope all. A key given is always checked."""
    public = keys.public_read()
    if request.args.get("api_key", "").strip() or not public:
        key = keys.authenticate(_given_key(request.args, "读取诉求"))
        return Reader(key, public or key.scope == "all")
    return Reader(None, True)


def _format():
    fmt = (request.view_args or {}).get("fmt") or request.path.rsplit(".", 1)[-1]
    return fmt if fmt in FORMATS else "json"


@bp.errorhandler(HotlineError)
def _hotline_error(exc):
    db.session.rollback()
    status = exc.status if exc.status in (403, 404, 503) else 400
    return errors(_format(), status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    status = exc.code if exc.code in (404, 405, 413) else 400
    message = {404: "资源不存在", 405: "不支持该请求方法", 413: "请求体过大"}.get(status, "请求无效")
    return errors(_format(), status, message)
