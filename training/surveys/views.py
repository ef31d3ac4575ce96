"""The end-of-session satisfaction survey and its results."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)
