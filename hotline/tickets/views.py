"""Ticket list (/tickets) and detail (/tickets/<number>) pages with every workflow action."""
from flask import Blueprint

bp = Blueprint("tickets", __name__)
