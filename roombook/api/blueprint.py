"""The API's blueprint object, apart so that every module of the package can import it."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
