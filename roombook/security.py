"""Security headers and cookie flags for every response of the app.

The Content-Security-Policy allows scripts, styles, images, fonts and fetches from the app's own
origin only: no inline <script>, no onclick="" handlers, no <style> elements, no eval, nothing from other
hosts, no plugins, no <base>, and no framing by anyone. Forms may post only to the app itself.
style="" attributes stay allowed (style-src-attr): pages set CSS variables with them, and an
attribute cannot run code.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"
# A private feed's link is its secret (/calendars/private/<secret>.ics): whoever reads a log line with it
# can read the feed. Access logs keep the path without it.
SECRET_IN_PATH = re.compile(r"(/calendars/private/)[^/?#\s\"']+")
REDACTED = r"\1[redacted]"


def client_address() -> str:
    """The address a request came from, as the rate limits count it (the client's, behind the trusted proxy)."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Headers on every response; behind a reverse proxy (ROOMBOOK_PROXY_HOPS > 0) trust its
    X-Forwarded-For/-Proto so that rate limits see the client and cookies know about HTTPS."""
    hops = int(app.config.get("ROOMBOOK_PROXY_HOPS", 0) or 0)
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(secure_response)
    # the development server's request log, and the app's logger (Flask's "Exception on <path> [GET]")
    for logger in (logging.getLogger("werkzeug"), logging.getLogger(app.name)):
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


def redact_secrets(text: str) -> str:
    """`text` (a request line, a path, a referrer) without the secret of a private feed link."""
    return SECRET_IN_PATH.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Takes feed secrets out of log records: werkzeug's request lines (`flask run`), and Flask's
    "Exception on /calendars/private/… [GET]". gunicorn's access log has its own logger class
    (deploy/gunicorn.conf.py), which uses `redact_secrets` too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


class SecureCookiesOverHttps:
    """Cookies set over HTTPS get the Secure flag, so they never travel over plain HTTP.

    WSGI middleware rather than an after_request hook: Flask writes the session cookie after
    those hooks have run. It sits inside ProxyFix, so a forwarded `https` counts.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(name, value + "; Secure" if name.lower() == "set-cookie" and "; Secure" not in value
                        else value) for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def secure_response(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        # Pages may show personal data after login; shared caches must not keep them.
        response.headers["Cache-Control"] = "private, no-cache"
    return response
