"""A room's settings and opening hours, and its closures. A closure, or opening hours cut shorter, that takes
something out of the room records one room change, decided on its own page (`changes`)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook.access import permissions
from roombook.booking import rooms
from roombook.changes.recording import record_closure, record_room_update
from roombook.db import db, transaction
from roombook.i18n import current_language
from roombook.models import Room
from roombook.web.manage.forms import (
    ClosureForm,
    ConfirmForm,
    RoomForm,
    TranslationsForm,
)
from roombook.web.manage.gates import (
    _local_input,
    bp,
    load_closure,
    load_room,
    staff_required,
)

# --- rooms and closures ------------------------------------------------------------------------------------

def _room_page(room: Room, form: RoomForm, closure_form: ClosureForm, status: int = 200,
               translations_form: TranslationsForm | None = None):
    return render_template("manage/room.html", room=room, form=form, closure_form=closure_form,
                           closures=rooms.upcoming_closures(db.session, room), remove_form=ConfirmForm(),
                           coordinator=permissions.can_coordinate(current_user),
                           translations_form=translations_form or TranslationsForm(formdata=None, obj=room)), status


@bp.route("/manage/rooms/<key>", methods=["GET", "POST"])
@staff_required
def room(key: str):
    room = load_room(key)
    form = RoomForm(obj=None if request.method == "POST" else room)
    if request.method == "GET":
        form.features.data = list(room.features)
        form.open_hours.data = rooms.format_windows(room.open, current_language())
    if form.validate_on_submit():
        try:
            with transaction():
                change = record_room_update(db.session, current_user, room, name=form.name.data,
                                            capacity=form.capacity.data, features=form.features.data or [],
                                            open_hours=form.open_hours.data or "",
                                            max_booking_minutes=form.max_booking_minutes.data,
                                            max_days_ahead=form.max_days_ahead.data,
                                            max_open_bookings=form.max_open_bookings.data)
                change_id = change.id if change is not None else None
        except rooms.RoomInputError as exc:
            getattr(form, "open_hours" if exc.field == "open" else exc.field).errors.append(exc.message)
            return _room_page(load_room(key), form, ClosureForm(formdata=None), 422)
        flash(_("Raum gespeichert."), "info")
        if change_id is not None:
            flash(_("Einige Termine liegen jetzt außerhalb der Öffnungszeiten. Bitte entscheiden Sie jetzt, wohin "
                    "sie gehen."), "info")
            return redirect(url_for("manage.change", change_id=change_id))
        return redirect(url_for("manage.room", key=key))
    if request.method == "POST":
        return _room_page(room, form, ClosureForm(formdata=None), 422)
    return _room_page(room, form, ClosureForm(formdata=None))


@bp.post("/manage/rooms/<key>/closures")
@staff_required
def closure(key: str):
    """The closure form posts twice: first for the preview, then (with the same fields) to record it. What it
    hits becomes one room change, decided on its own page."""
    room = load_room(key)
    form = ClosureForm()
    if not form.validate_on_submit():
        return _room_page(room, RoomForm(obj=room, formdata=None), form, 422)
    start = _local_input(form.start.data, room)
    end = _local_input(form.end.data, room) if form.end.data is not None else None  # None: until further notice
    try:
        if not form.apply.data:
            preview = rooms.preview_closure(db.session, room, start, end, form.reason.data)
            return render_template("manage/closure_preview.html", room=room, form=form, preview=preview)
        with transaction():
            recorded = record_closure(db.session, current_user, room, start, end, form.reason.data, form.kind.data)
            change_id = recorded.change.id if recorded.change is not None else None
    except rooms.RoomInputError as exc:
        field = exc.field if exc.field in ("start", "end", "reason", "kind") else "start"
        getattr(form, field).errors.append(exc.message)
        return _room_page(load_room(key), RoomForm(obj=room, formdata=None), form, 422)
    if change_id is None:
        flash(_("Schließung eingetragen; sie trifft keinen Termin und keine Buchung."), "info")
        return redirect(url_for("manage.room", key=key))
    flash(_("Schließung eingetragen. Bitte entscheiden Sie jetzt, was mit den betroffenen Terminen geschieht."),
          "info")
    return redirect(url_for("manage.change", change_id=change_id))


@bp.post("/manage/closures/<int:closure_id>/remove")
@staff_required
def remove_closure(closure_id: int):
    closure = load_closure(closure_id)
    key = closure.room.key
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            rooms.remove_closure(db.session, current_user, closure)
    except rooms.RoomInputError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("manage.room", key=key))
    flash(_("Schließung entfernt."), "info")
    return redirect(url_for("manage.room", key=key))
