"""Server-rendered pages. The "web" blueprint is split by audience: views (home, week view, log-in), start (the
start page per role after login, the mail settings),
booking (book, my bookings, cancel), department, public (residents' schedule and poster), volunteers (a
volunteer's profile; its coordinator's overview is on the "manage" blueprint), changes (a volunteer's say in a
room change; the manager's pages of a change are on the "manage" blueprint). `errors` answers failed
requests with pages of the app's own."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import UnicodeConverter, ValidationError

from roombook.access import permissions
from roombook.api import bp as api_bp
from roombook.db import text_fault
from roombook.web import (  # noqa: F401  (routes register on import)
    booking,
    changes,
    department,
    errors,
    freeslots,
    help_requests,
    joining,
    manage,
    public,
    start,
    trainings,
    views,
    volunteers,
)
from roombook.web.common import bp
from roombook.web.feeds import bp as feeds_bp


class StorableText(UnicodeConverter):
    """A text part of a URL (a key) that could have been typed into a form (db.text_fault): anything else
    names nothing, so it is a 404 rather than a query PostgreSQL refuses (a NUL character)."""

    def to_python(self, value: str) -> str:
        if text_fault(value) is not None:
            raise ValidationError()
        return value


def init_app(app: Flask) -> None:
    # before any route is registered: rules bind their converters when they are added
    app.url_map.converters["default"] = app.url_map.converters["string"] = StorableText
    # Templates ask the permission functions, never list roles themselves.
    app.jinja_env.globals["permissions"] = permissions
    app.register_blueprint(bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(feeds_bp)
    errors.init_app(app)
