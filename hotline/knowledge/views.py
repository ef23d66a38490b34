"""The knowledge base's admin pages (/admin/knowledge)."""
from flask import Blueprint

bp = Blueprint("knowledge", __name__)
