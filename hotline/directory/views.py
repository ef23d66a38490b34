"""The working calendar's admin page (/admin/calendar): holidays and make-up working days by year."""
from flask import Blueprint

bp = Blueprint("calendar", __name__)
