"""The admin console (/admin/…): users, departments, categories, the dispatch catalogue, time
limits, working hours and the audit trail."""
from flask import Blueprint

bp = Blueprint("admin", __name__)
