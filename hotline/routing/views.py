"""The classifier models' admin page (/admin/models): metrics, training, activation, rollback."""
from flask import Blueprint

bp = Blueprint("models", __name__)
