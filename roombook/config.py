"""Configuration: defaults, instance/config.py, ROOMBOOK_* environment variables, test overrides."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "ROOMBOOK_TIMEZONE": "Europe/Berlin",
    # Links in mails point here, never at the Host a request named; production sets its own address.
    "ROOMBOOK_BASE_URL": "http://127.0.0.1:5000/",
    # Occurrences of recurring offers are materialised this far ahead (the issue asks for >= 26 weeks).
    "ROOMBOOK_HORIZON_WEEKS": 30,
    # Run the jobs inside the serving process: None (unset) means only in a server of one process
    # (`make run`), not in gunicorn's workers, where `flask scheduler` runs them once (wsgi.runs_scheduler).
    "ROOMBOOK_SCHEDULER": None,
    # Wire Flask-Migrate: the `flask db` commands and flask_migrate.upgrade() (off in the serving processes).
    "ROOMBOOK_MIGRATIONS": True,
    # A plan run whose process gave no sign of life (or that nobody claimed) for this long is given up.
    "ROOMBOOK_PLAN_RUN_STALE_SECONDS": 90,
    # A pooled connection that sat idle this long is pinged before use (see roombook.db._ping_after_idle).
    "ROOMBOOK_DB_PING_AFTER_IDLE_SECONDS": 10,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # The largest request body taken (1 MiB; forms and API bodies are a few kB): larger ones get a 413
    # before anything reads them.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}

# Environment variables read on start; each maps to the config key of the same name.
ENVIRONMENT = ("ROOMBOOK_DATABASE_URL", "ROOMBOOK_SECRET_KEY", "ROOMBOOK_TIMEZONE", "ROOMBOOK_CALENDARS_DIR",
               "ROOMBOOK_FEED_UID_DOMAIN", "ROOMBOOK_PLAN_RUN_STALE_SECONDS", "ROOMBOOK_BASE_URL")


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in the documented order; create the instance folder and secret key on first run."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENVIRONMENT:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if overrides:
        app.config.update(overrides)
    _check_base_url(app.config.get("ROOMBOOK_BASE_URL"))

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("ROOMBOOK_DATABASE_URL", f"sqlite:///{instance / 'roombook.sqlite'}")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["ROOMBOOK_DATABASE_URL"]
    if not app.config.get("ROOMBOOK_SECRET_KEY"):
        app.config["ROOMBOOK_SECRET_KEY"] = _instance_secret(instance / "secret_key")
    app.config["SECRET_KEY"] = app.config["ROOMBOOK_SECRET_KEY"]


def _check_base_url(value: str | None) -> None:
    """ROOMBOOK_BASE_URL, the site's address for links in mails (never the request's Host), is an absolute
    http(s) URL; a wrong one stops the start with its reason rather than sending broken links."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"ROOMBOOK_BASE_URL must be an absolute http(s) URL such as "
                         f"https://raumbuchung.example.org/, not {value!r}")


def _instance_secret(path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts without a fixed fallback."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
