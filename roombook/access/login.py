"""Logging in with Flask-Login and CSRF protection of every form: the request wiring of access.

The id Flask-Login keeps in the session and the remember-me cookie is a login's secret (see
roombook.access.signin), so every request finds its person through a login row that logging out ends.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from roombook.access import signin
from roombook.db import db
from roombook.models import User

login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = _l("Bitte melden Sie sich an.")
login_manager.localize_callback = str  # the lazy text in the page's language, as a string the session can keep
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(secret: str) -> User | None:
    return signin.user_of_login(db.session, secret)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
