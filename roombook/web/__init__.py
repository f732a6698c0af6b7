"""Server-rendered pages."""
from __future__ import annotations

from flask import Flask

from roombook.web.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
