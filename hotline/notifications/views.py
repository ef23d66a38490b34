"""The notifications page (/notifications)."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)
