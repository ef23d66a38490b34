"""The accountability page (/accountability): 逾期追责 records with the explain, accept and confirm flow."""
from flask import Blueprint

bp = Blueprint("accountability", __name__)
