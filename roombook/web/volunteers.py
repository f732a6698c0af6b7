"""A volunteer's own profile of skills and wishes (and days away), and the coordinator's overview of how
volunteers are deployed against them. The comparing is roombook.coordination.volunteers'; these views parse,
gate and render."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roombook.access.permissions import can_keep_volunteer_profile
from roombook.booking.calendar import accommodations
from roombook.changes import absences
from roombook.coordination import volunteers
from roombook.db import db, transaction
from roombook.i18n import day_name
from roombook.models import VolunteerAbsence
from roombook.web.common import bp
from roombook.web.forms import AbsenceForm, ProfileForm
from roombook.web.manage.forms import ConfirmForm, choices

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
    return ", ".join(f"{day_name(w['day'])} {w['from']}–{w['to']}" for w in windows)


def _profile_page(form: ProfileForm, absence_form: AbsenceForm, status: int = 200):
    away = [(absence, absences.may_take_back(absence)) for absence in absences.absences_of(db.session, current_user)]
    return render_template("my_profile.html", form=form, max_note=volunteers.MAX_NOTE, absence_form=absence_form,
                           absences=away, max_absence_note=absences.MAX_NOTE, confirm=ConfirmForm()), status


def _profile_form(*, posted: bool) -> ProfileForm:
    """The profile form, filled from the post when it is the profile that was posted."""
    form = ProfileForm() if posted else ProfileForm(formdata=None)
    form.accommodations.choices = choices((place.id, place.name) for place in accommodations(db.session))
    return form


@bp.route("/my/profile", methods=["GET", "POST"])
@volunteer_required
def my_profile():
    """What the volunteer can do and would like to; a refusal is shown at its field and nothing is saved."""
    form = _profile_form(posted=True)
    absence_form = AbsenceForm(formdata=None)
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
    return _profile_page(form, absence_form, 422 if request.method == "POST" else 200)


@bp.post("/my/absences")
@volunteer_required
def add_absence():
    """Days away: the weekly wishes stay, the dates they hit go to the coordination as one change."""
    absence_form = AbsenceForm()
    if absence_form.validate_on_submit():
        try:
            with transaction():
                _absence, changes = absences.record_absence(
                    db.session, current_user, absence_form.starts_on.data, absence_form.ends_on.data,
                    absence_form.absence_note.data or "")
        except absences.AbsenceError as error:
            field = "absence_note" if error.field == "note" else error.field
            getattr(absence_form, field).errors = [*getattr(absence_form, field).errors, error.message]
        else:
            flash(_("Ihre Abwesenheit ist eingetragen. Die Koordination entscheidet über die betroffenen Termine.")
                  if changes else _("Ihre Abwesenheit ist eingetragen."), "info")
            return redirect(url_for("web.my_profile"))
    form = _profile_form(posted=False)
    form.show(volunteers.profile_of(db.session, current_user))
    return _profile_page(form, absence_form, 422)


@bp.post("/my/absences/<int:absence_id>/delete")
@volunteer_required
def delete_absence(absence_id: int):
    """Take back an absence that has not begun (someone else's is not found)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    absence = db.session.get(VolunteerAbsence, absence_id)
    if absence is None or absence.user_id != current_user.id:
        abort(404)
    try:
        with transaction():
            absences.delete_absence(db.session, current_user, absence)
    except absences.AbsenceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Die Abwesenheit ist gelöscht."), "info")
    return redirect(url_for("web.my_profile"))
