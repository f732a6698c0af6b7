"""Booking a room, the person's own bookings, cancelling one, and taking an alternative for a displaced one."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from roombook.access import permissions
from roombook.booking.calendar import bookable_rooms, bookings_of
from roombook.booking.errors import BookingError
from roombook.booking.offer_details import (
    AUDIENCE_LABELS,
    OfferDetailsError,
    check_offer_details,
    check_translations,
)
from roombook.booking.service import book_weekly, cancel_booking
from roombook.changes import pages
from roombook.conflicts import decisions as conflicts
from roombook.coordination.volunteers import LANGUAGES as SPOKEN
from roombook.db import db, transaction
from roombook.models import Booking, Conflict
from roombook.notifications import confirming
from roombook.web.common import bp, feed_page_url, load_bookable_room, load_own_booking
from roombook.web.forms import BookingOfferForm, CancelForm, ChooseForm


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
    mine = bookings_of(db.session, current_user)
    new = request.args.get("new", type=int)
    return render_template("my_bookings.html", mine=mine, changed=pages.booking_changes(db.session, current_user),
                           new=new, feed_url=feed_page_url(), form=CancelForm(), audience_labels=AUDIENCE_LABELS,
                           spoken=SPOKEN)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    booking = load_own_booking(booking_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            with transaction():
                cancel_booking(db.session, current_user, booking, form.reason.data)
                confirming.confirm_cancelled(db.session, booking)
        except BookingError as error:
            flash(str(error.message), "error")
            return redirect(url_for("web.my_bookings"))
        flash(_("Abgesagt: %(title)s am %(when)s.", title=booking.title,
                when=booking.starts_at.astimezone(booking.room.tz).strftime("%d.%m.%Y %H:%M")), "info")
        return redirect(url_for("web.my_bookings"))
    return render_template("cancel.html", form=form, booking=booking), 422 if form.errors else 200


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
