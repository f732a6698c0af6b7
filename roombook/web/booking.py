"""Booking a room, the person's own bookings, cancelling one, and taking an alternative for a displaced one."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from roombook import clock
from roombook.access import permissions
from roombook.booking import series as rules
from roombook.booking.calendar import bookable_rooms, bookings_of
from roombook.booking.errors import BookingError
from roombook.booking.offer_details import (
    AUDIENCE_LABELS,
    OfferDetailsError,
    check_offer_details,
    check_translations,
)
from roombook.booking.service import book_weekly
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.db import db, transaction
from roombook.models import Booking, Conflict
from roombook.notifications import confirming
from roombook.notifications.booking_changes import tell_owner
from roombook.web.common import bp, feed_page_url, load_bookable_room, load_own_booking
from roombook.web.forms import BookingOfferForm, CancelForm, ChangeForm, ChooseForm


def _booking_form() -> BookingOfferForm:
    """The booking form; on GET it is prefilled from the query string (links from free slots and alternatives)."""
    form = BookingOfferForm(formdata=request.args or None) if request.method == "GET" else BookingOfferForm()
    form.room.choices = [(r.key, f"{r.accommodation.name} – {r.name}") for r in bookable_rooms(db.session, current_user)]
    return form


@bp.route("/book", methods=["GET", "POST"])
@login_required
def book():
    """Book once or weekly. A refusal says why and offers the nearest free alternatives; when some weeks of a
    series cannot be booked (taken, closed, beyond the room's open-booking limit), they are listed and the
    person decides: book the other weeks, or nothing."""
    form = _booking_form()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("book.html", form=form), 422 if form.errors else 200
    room = load_bookable_room(form.room.data)
    start, end = form.interval(room.tz)
    if form.until.data:  # an end date instead of a number of weeks: the weeks up to and including it
        try:
            form.weeks.data = rules.weeks_until(form.date.data, form.until.data)
        except BookingError as error:
            form.until.errors = list(form.until.errors) + [str(error.message)]
            return render_template("book.html", form=form), 422
        form.until.data = None
    form.weeks.data = form.weeks.data or 1
    try:
        details = check_offer_details(form.details(), room)
        details["translations"] = check_translations(form.translations.data)
    except OfferDetailsError as error:
        getattr(form, error.field.split(".")[0], form.translations).errors = [error.message]
        return render_template("book.html", form=form, room=room), 422
    try:
        with transaction():
            result = book_weekly(db.session, current_user, room, start, end, form.title.data, form.weeks.data,
                                 book_rest=form.book_rest.data, details=details)
            confirming.confirm_booked(db.session, current_user, result.booked)
    except BookingError as error:
        field = getattr(form, error.field, None)
        if field is not None and field.name in form._fields and field.name != "submit":
            field.errors = list(field.errors) + [str(error.message)]
        return render_template("book.html", form=form, room=room, error=error), 409
    if not result.booked:
        return render_template("book.html", form=form, room=room, refused=result.refused,
                               error=result.refused[0][1] if form.weeks.data == 1 else None), 409
    message = ngettext("Gebucht: %(title)s, %(num)d Termin.", "Gebucht: %(title)s, %(num)d Termine.",
                       len(result.booked), title=form.title.data.strip())
    if result.refused:
        message += " " + _not_booked(result.refused, room.tz)
    flash(message, "info")
    return redirect(url_for("web.my_bookings", new=result.booked[0].id))


def _not_booked(refused: list, tz) -> str:
    """The weeks left out of a series with their reasons, in the page language; weeks with one reason together."""
    dates_by_reason: dict[str, list[str]] = {}
    for start, error in refused:
        dates_by_reason.setdefault(str(error.message), []).append(start.astimezone(tz).strftime("%d.%m.%Y"))
    return " ".join(_("Nicht gebucht am %(dates)s: %(reason)s", dates=", ".join(dates), reason=reason)
                    for reason, dates in dates_by_reason.items())


@bp.get("/my/bookings")
@login_required
def my_bookings():
    """One-off bookings one per row; a series as one row that unfolds into all its weeks with their states."""
    mine = bookings_of(db.session, current_user)
    series = rules.series_of_user(db.session, current_user)
    shown = {view.series.id for view in series}
    mine.upcoming = [b for b in mine.upcoming if b.series_id not in shown]
    new = request.args.get("new", type=int)
    return render_template("my_bookings.html", mine=mine, series=series, now=clock.now(),
                           changed=pages.booking_changes(db.session, current_user), new=new,
                           feed_url=feed_page_url(), form=CancelForm(), audience_labels=AUDIENCE_LABELS,
                           spoken=SPOKEN)


def _scope_form(form_class, booking):
    """A form with the scope preselected from ?scope= (the row's action); a one-off has only itself."""
    form = form_class()
    if request.method == "GET" and request.args.get("scope") in rules.SCOPES:
        form.scope.data = request.args["scope"]
    if booking.series_id is None:
        form.scope.choices = form.scope.choices[:1]
        form.scope.data = rules.THIS
    return form


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """Cancel this date, this and the following ones, or the whole series, with one reason for all."""
    booking = load_own_booking(booking_id)
    form = _scope_form(CancelForm, booking)
    if form.validate_on_submit():
        try:
            with transaction() as session:
                done = rules.cancel_dates(session, current_user, booking, form.scope.data, form.reason.data)
                tell_owner(session, current_user, done, cancelled=True, reason=form.reason.data.strip())
                if booking.user_id == current_user.id:
                    confirming.confirm_cancelled(session, done)
        except BookingError as error:
            flash(str(error.message), "error")
            return redirect(url_for("web.my_bookings"))
        if len(done) == 1:
            flash(_("Abgesagt: %(title)s am %(when)s.", title=booking.title,
                    when=booking.starts_at.astimezone(booking.room.tz).strftime("%d.%m.%Y %H:%M")), "info")
        else:
            flash(ngettext("Abgesagt: %(title)s, %(num)d Termin.", "Abgesagt: %(title)s, %(num)d Termine.",
                           len(done), title=booking.title), "info")
        return redirect(url_for("web.my_bookings"))
    return render_template("cancel.html", form=form, booking=booking), 422 if form.errors else 200


@bp.route("/bookings/<int:booking_id>/change", methods=["GET", "POST"])
@login_required
def change(booking_id: int):
    """Change start time, length, room or title of this date, this and the following ones, or the whole
    series. All or nothing: a refusal lists every date that cannot take the change, with why and what is free."""
    booking = load_own_booking(booking_id)
    if not permissions.can_change_booking(current_user, booking):
        abort(403)
    form = _scope_form(ChangeForm, booking)
    rooms = bookable_rooms(db.session, current_user)
    if booking.room not in rooms:
        rooms = [booking.room, *rooms]
    form.room.choices = [SelectChoice(r.key, f"{r.accommodation.name} – {r.name}") for r in rooms]
    own = rules.current_values(booking)
    if request.method == "GET":
        form.start_time.data, form.minutes.data = own["start_time"], own["minutes"]
        form.room.data, form.title.data = booking.room.key, booking.title
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("booking_edit.html", form=form, booking=booking), 422 if form.errors else 200
    target = booking.room if form.room.data == booking.room.key else load_bookable_room(form.room.data)
    wanted = {"start_time": form.start_time.data.replace(second=0, microsecond=0), "minutes": form.minutes.data,
              "room": target.id, "title": form.title.data.strip()}
    try:
        with transaction() as session:
            changes = rules.differing(session, booking, form.scope.data, wanted)
            if not changes:
                raise BookingError(_("Nichts geändert: die Termine haben schon diese Werte."), field="title")
            before = {b.id: b.starts_at for b in rules.dates_in_scope(session, booking, form.scope.data,
                                                                      clock.now())}
            done = rules.change_dates(session, current_user, booking, form.scope.data, changes)
            tell_owner(session, current_user, done, cancelled=False, before=before)
            if booking.user_id == current_user.id:  # their calendar follows their own change
                confirming.confirm_changed(session, current_user,
                                           [(b, before.get(b.id, b.starts_at)) for b in done])
    except rules.SeriesChangeRefused as refused:
        return render_template("booking_edit.html", form=form, booking=booking, refused=refused.refused), 409
    except BookingError as error:
        field = getattr(form, error.field, None)
        target_field = field if field is not None and error.field in form._fields else form.title
        target_field.errors = list(target_field.errors) + [str(error.message)]
        return render_template("booking_edit.html", form=form, booking=booking), 422
    flash(ngettext("Geändert: %(title)s, %(num)d Termin.", "Geändert: %(title)s, %(num)d Termine.", len(done),
                   title=done[0].title), "info")
    return redirect(url_for("web.my_bookings", new=booking.id))


def load_own_displacement(conflict_id: int) -> Conflict:
    """A displaced-booking conflict about the current user's own booking; anyone else's is not found."""
    conflict = db.session.get(Conflict, conflict_id)
    booking = db.session.get(Booking, conflict.booking_id) if conflict and conflict.booking_id else None
    if conflict is None or conflict.kind != "displaced_booking" or not permissions.can_choose_alternative(current_user,
                                                                                                  booking):
        abort(404)
    return conflict


@bp.route("/booking-changes/<int:conflict_id>", methods=["GET", "POST"])
@login_required
def booking_change(conflict_id: int):
    conflict = load_own_displacement(conflict_id)
    form = ChooseForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                conflicts.resolve_conflict(db.session, current_user, conflict, conflicts.ACCEPT,
                                           alternative=int(form.alternative.data) if form.alternative.data.isdigit()
                                           else None, base_url=current_app.config["ROOMBOOK_BASE_URL"])
        except (conflicts.DecisionRefused, BookingError) as exc:
            flash(str(exc.message), "error")
            status = 422
        else:
            flash(_("Ihre Buchung ist verlegt."), "info")
            return redirect(url_for("web.booking_change", conflict_id=conflict_id))
    conflict = load_own_displacement(conflict_id)
    return render_template("booking_change.html", item=conflicts.facts(db.session, conflict), form=form), status
