"""The start page, the week view, logging in and out, and the language switch."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from roombook import clock
from roombook.access import accounts, signin
from roombook.booking.calendar import accommodations, week_view
from roombook.clock import week_of
from roombook.db import db, transaction
from roombook.security import client_address
from roombook.web.common import bp, load_accommodation, safe_next
from roombook.web.forms import LanguageForm, LoginForm, WeekForm


@bp.get("/")
def index():
    return render_template("index.html", accommodations=accommodations(db.session))


@bp.get("/accommodations/<key>")
def accommodation(key: str):
    """The week of an accommodation: rooms side by side (one at a time on a phone), free time bookable."""
    form = WeekForm(request.args)
    if not form.validate():
        abort(400, form.refusal())
    place = load_accommodation(key)
    monday = week_of(form.week.data) if form.week.data else clock.week_to_show(place.tz)
    view = week_view(db.session, place, monday, current_user)
    keys = [r.key for r in place.rooms]
    selected = form.room.data if form.room.data in keys else (keys[0] if keys else None)
    # a free slot's booking link is its room's link plus date and times: each room's part is built once,
    # not once per slot (url_for's query encoding was the page's largest cost for those who may book)
    book_urls = {room_key: url_for("web.book", room=room_key) for room_key in keys}
    return render_template("accommodation.html", place=place, view=view, selected=selected, book_urls=book_urls)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            with transaction():  # a failed attempt is counted although nobody signs in
                user = signin.sign_in(db.session, form.email.data, form.password.data, remember=form.remember.data,
                                      client=client_address())
        except signin.TooManyAttempts as refused:
            flash(_("Zu viele Anmeldeversuche. Bitte warten Sie %(wait)s und versuchen Sie es dann erneut.",
                    wait=format_timedelta(dt.timedelta(seconds=refused.seconds), threshold=1)), "error")
            return render_template("login.html", form=form), 429, {"Retry-After": str(refused.seconds)}
        if user is None:
            flash(_("E-Mail oder Passwort ist falsch."), "error")
            return render_template("login.html", form=form), 401
        login_user(user, remember=form.remember.data, duration=signin.REMEMBER_LIFETIME)
        flash(_("Sie sind angemeldet."), "info")
        return redirect(safe_next(request.args.get("next"), default="web.start"))
    status = 422 if form.errors else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End this login on the server too: a copy of its cookies opens nothing afterwards."""
    with transaction():
        signin.end_login(db.session, current_user.get_id())
    logout_user()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("web.index"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every login of the person, in every browser (a lost phone, a shared computer)."""
    with transaction():
        signin.end_all_logins(db.session, current_user)
    logout_user()
    flash(_("Sie sind jetzt überall abgemeldet."), "info")
    return redirect(url_for("web.index"))


@bp.post("/language")
def set_language():
    """Keep the chosen page language in the session (German or English), and for a logged-in person also for
    their mails and their next visits."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated and current_user.language != form.lang.data:
            with transaction():
                accounts.choose_language(db.session, current_user, form.lang.data)
    return redirect(safe_next(form.next.data))


@bp.app_context_processor
def _inject_user():
    return {"current_user": current_user}
