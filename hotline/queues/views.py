"""The dispatcher's (/dispatch/<queue>) and the department's (/department/<tab>) queue pages."""
from flask import Blueprint

bp = Blueprint("queues", __name__)
