"""Views: parse input, load through an access gate, call one domain function, render."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from roombook.categories import LABELS_DE
from roombook.db import db
from roombook.models import Accommodation, User
from roombook.schedule import week_of, week_schedule
from roombook.web.forms import LoginForm

bp = Blueprint("web", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.index")


@bp.get("/")
def index():
    accommodations = db.session.scalars(sa.select(Accommodation).order_by(Accommodation.name)).all()
    return render_template("index.html", accommodations=accommodations)


@bp.get("/accommodations/<key>")
def accommodation(key: str):
    place = db.session.scalar(sa.select(Accommodation).where(Accommodation.key == key)) or abort(404)
    try:
        week = week_of(dt.date.fromisoformat(request.args["week"])) if "week" in request.args \
            else week_of(dt.datetime.now(place.tz).date())
    except ValueError:
        abort(400)
    days = week_schedule(db.session, place, week)
    return render_template("accommodation.html", place=place, week=week, days=days, labels=LABELS_DE,
                           prev_week=week - dt.timedelta(days=7), next_week=week + dt.timedelta(days=7))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.email == form.email.data.strip().lower()))
        if user is None or not user.active or not user.check_password(form.password.data):
            flash("E-Mail oder Passwort ist falsch. / Wrong email or password.", "error")
            return render_template("login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Abgemeldet. / Logged out.", "info")
    return redirect(url_for("web.index"))


@bp.app_context_processor
def _inject_user():
    return {"current_user": current_user}
