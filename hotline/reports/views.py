"""The supervisor's dashboard (/dashboard) and the daily briefing pages (/reports/daily)."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
