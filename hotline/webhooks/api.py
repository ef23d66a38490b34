"""The webhook admin API under /api/v1/admin/webhooks (admins only)."""
from flask import Blueprint, g, jsonify, request

from hotline.api import json_body
from hotline.api.openapi import document
from hotline.auth.access import roles_required, token_required
from hotline.extensions import db
from hotline.tickets import schemas as parsing
from hotline.tickets.workflow import Role
from hotline.webhooks import addresses, endpoints
from hotline.webhooks.schemas import (
    DeliveryPage,
    DeliveryQuery,
    EndpointChange,
    EndpointCreate,
    EndpointList,
    EndpointOut,
    EndpointWithSecret,
)

bp = Blueprint("webhooks_api", __name__)
# A wrong HOTLINE_WEBHOOK_ALLOWED_NETWORKS stops the app at start, naming the entry, not a request later.
bp.record_once(lambda state: addresses.configured(state.app.config))

PATH = {"endpoint_id": "推送地址 ID"}


def admin_only(view):
    return token_required(roles_required({Role.ADMIN}, endpoints.ADMIN_ONLY)(view))


def _with_secret(endpoint):
    return {**endpoint.to_dict(), "secret": endpoint.secret}


@bp.get("/admin/webhooks")
@admin_only
@document("事件推送地址列表（管理员）", response=EndpointList)
def list_endpoints():
    return jsonify(items=[e.to_dict() for e in endpoints.endpoints()])


@bp.post("/admin/webhooks")
@admin_only
@document("新增事件推送地址（管理员；响应中的签名密钥只返回这一次）", body=EndpointCreate,
          response=EndpointWithSecret, status=201)
def create_endpoint():
    endpoint = endpoints.create(json_body(), g.user)
    db.session.commit()
    return jsonify(_with_secret(endpoint)), 201


@bp.get("/admin/webhooks/<int:endpoint_id>")
@admin_only
@document("一个事件推送地址（管理员）", response=EndpointOut, path_params=PATH)
def get_endpoint(endpoint_id):
    return jsonify(endpoints.get(endpoint_id).to_dict())


@bp.patch("/admin/webhooks/<int:endpoint_id>")
@admin_only
@document("修改名称、地址、订阅事件或停用（管理员；停用后待发送的投递不再发送）", body=EndpointChange,
          response=EndpointOut, path_params=PATH)
def change_endpoint(endpoint_id):
    endpoint = endpoints.change(endpoint_id, json_body(), g.user)
    db.session.commit()
    return jsonify(endpoint.to_dict())


@bp.post("/admin/webhooks/<int:endpoint_id>/rotate-secret")
@admin_only
@document("更换签名密钥（管理员；新密钥只返回这一次，此后的投递即用新密钥签名）",
          response=EndpointWithSecret, path_params=PATH)
def rotate_secret(endpoint_id):
    endpoint = endpoints.rotate_secret(endpoint_id, g.user)
    db.session.commit()
    return jsonify(_with_secret(endpoint))


@bp.get("/admin/webhooks/<int:endpoint_id>/deliveries")
@admin_only
@document("投递记录，最新在前（管理员）", query=DeliveryQuery, response=DeliveryPage, path_params=PATH)
def list_deliveries(endpoint_id):
    query = parsing.parse(DeliveryQuery, request.args.to_dict())
    endpoints.get(endpoint_id)
    page = db.paginate(endpoints.deliveries(endpoint_id, query.status), page=query.page,
                       per_page=query.per_page, error_out=False, count=True)
    return jsonify(items=[d.to_dict() for d in page.items], total=page.total, page=query.page,
                   per_page=query.per_page)
