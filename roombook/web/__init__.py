"""Server-rendered pages. The "web" blueprint is split by audience: views (start, week view, log-in),
booking (book, my bookings, cancel), department, public (residents' schedule and poster)."""
from __future__ import annotations

from flask import Flask

from roombook.web import booking, department, manage, public, views  # noqa: F401  (routes register on import)
from roombook.api import bp as api_bp
from roombook.web.common import bp
from roombook.web.feeds import bp as feeds_bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(feeds_bp)
