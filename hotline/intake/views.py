"""The operator's intake page (/intake) with live routing suggestions."""
from flask import Blueprint

bp = Blueprint("intake", __name__)
