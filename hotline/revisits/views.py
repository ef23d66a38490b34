"""The revisitor's workstation (/revisit)."""
from flask import Blueprint

bp = Blueprint("revisits", __name__)
