"""Logging in with Flask-Login and CSRF protection of every form: the request wiring of access."""
from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from roombook.db import db
from roombook.models import User

login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "Bitte melden Sie sich an. / Please log in."
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
