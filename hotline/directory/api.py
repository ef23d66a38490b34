"""Read endpoints for departments and the category taxonomy."""
from flask import Blueprint
from sqlalchemy import select

from hotline.api import respond
from hotline.api.models import CategoryList, DepartmentList
from hotline.api.openapi import document
from hotline.auth.access import token_required
from hotline.directory.models import Category, Department
from hotline.extensions import db

bp = Blueprint("directory_api", __name__)


@bp.get("/departments")
@token_required
@document("承办单位列表", response=DepartmentList)
def list_departments():
    rows = db.session.scalars(select(Department).where(Department.active).order_by(Department.id))
    return respond(DepartmentList, {"items": [d.to_dict() for d in rows]})


@bp.get("/categories")
@token_required
@document("诉求分类（三级）", response=CategoryList)
def list_categories():
    rows = db.session.scalars(
        select(Category).where(Category.active).order_by(Category.level, Category.id)
    ).all()
    return respond(CategoryList, {"items": [c.to_dict() for c in rows]})
