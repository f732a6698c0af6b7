"""A volunteer's own profile of skills and wishes, and the coordinator's overview of how volunteers are
deployed against them. The comparing is roombook.coordination.volunteers'; these views parse, gate and render."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from babel.dates import get_day_names
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roombook.access.permissions import can_keep_volunteer_profile
from roombook.booking.calendar import accommodations
from roombook.booking.recurrence import DAYS
from roombook.coordination import volunteers
from roombook.db import db, transaction
from roombook.web.common import bp
from roombook.web.forms import ProfileForm
from roombook.web.manage.forms import choices

WEEKS_SHOWN = 4


def volunteer_required(view):
    """Only volunteers keep a profile of skills and wishes; every other role is refused (403)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_keep_volunteer_profile(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.app_template_filter("hours")
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, in the page language's number format (2,5 or 2.5)."""
    return format_decimal(minutes / 60, format="0.0")


@bp.app_template_filter("iso_week")
def iso_week(day: dt.date) -> int:
    """The calendar week's number (KW), as German calendars count them (ISO 8601)."""
    return day.isocalendar()[1]


@bp.app_template_filter("weekly_windows")
def weekly_windows(windows: list[dict]) -> str:
    """Weekly windows as 'Mo 16:00–19:00, Mi 10:00–12:00', day names in the page language (as dates are shown)."""
    names = get_day_names("abbreviated", context="stand-alone", locale=get_locale())
    return ", ".join(f"{names[DAYS.index(w['day'])]} {w['from']}–{w['to']}" for w in windows)


@bp.route("/my/profile", methods=["GET", "POST"])
@volunteer_required
def my_profile():
    """What the volunteer can do and would like to; a refusal is shown at its field and nothing is saved."""
    form = ProfileForm()
    form.accommodations.choices = choices((place.id, place.name) for place in accommodations(db.session))
    if request.method == "GET":
        form.show(volunteers.profile_of(db.session, current_user))
    elif form.validate_on_submit():
        try:
            with transaction():
                volunteers.save_profile(db.session, current_user, **form.profile())
        except volunteers.ProfileError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("Ihr Profil ist gespeichert."), "info")
            return redirect(url_for("web.my_profile"))
    # a post that is shown again was refused: at a field, or at a day of the wished times
    refused = request.method == "POST"
    return render_template("my_profile.html", form=form, max_note=volunteers.MAX_NOTE), 422 if refused else 200
