"""What residents are shown of an accommodation: the public offers booked in its rooms (a manager may hide one,
with a reason told to its owner), and the rooms' names in the residents' languages."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook.access import permissions
from roombook.booking.offer_details import OfferDetailsError, check_translations
from roombook.booking.public_offers import HideRefused, hide_public_offer, public_offers
from roombook.db import db, transaction
from roombook.models import Booking
from roombook.web.manage.forms import (
    ClosureForm,
    HideOfferForm,
    RoomForm,
    TranslationsForm,
)
from roombook.web.manage.gates import bp, load_accommodation, load_room, staff_required
from roombook.web.manage.rooms import _room_page


def load_public_offer(booking_id: int) -> Booking:
    """A public offer in a house the user manages; any other booking is not found."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not booking.public or not permissions.can_hide_public_offer(current_user, booking):
        abort(404)
    return booking


def _page(place, form: HideOfferForm, failed: int | None = None, status: int = 200):
    return render_template("manage/public_offers.html", place=place, offers=public_offers(db.session, place),
                           form=form, failed=failed), status


@bp.get("/manage/accommodations/<key>/public-offers")
@staff_required
def public_offer_list(key: str):
    return _page(load_accommodation(key), HideOfferForm(formdata=None))


@bp.post("/manage/bookings/<int:booking_id>/hide")
@staff_required
def hide_offer(booking_id: int):
    booking = load_public_offer(booking_id)
    place = booking.room.accommodation
    form = HideOfferForm()
    if not form.validate_on_submit():
        return _page(place, form, booking.id, 422)
    try:
        with transaction():
            hidden = hide_public_offer(db.session, current_user, booking, form.reason.data,
                                       base_url=current_app.config["ROOMBOOK_BASE_URL"])
    except HideRefused as exc:
        getattr(form, exc.field, form.reason).errors = [exc.message]
        return _page(place, form, booking.id, 422)
    if hidden:
        flash(_("Ausgeblendet: %(title)s (%(n)d Termine). Die Person, die gebucht hat, erhält eine E-Mail mit "
                "dem Grund.", title=booking.title, n=len(hidden)), "info")
    else:
        flash(_("Schon ausgeblendet."), "info")
    return redirect(url_for("manage.public_offer_list", key=place.key))


@bp.post("/manage/rooms/<key>/translations")
@staff_required
def room_translations(key: str):
    """The room's name (and venue note) as residents read them in their languages."""
    room = load_room(key)
    form = TranslationsForm()
    try:
        translations = check_translations(form.translations.data, ("name", "venue_note")) \
            if form.validate_on_submit() else None
    except OfferDetailsError as exc:
        form.translations.errors = [exc.message]
        translations = None
    if translations is None:
        return _room_page(room, RoomForm(obj=room, formdata=None), ClosureForm(formdata=None), 422, form)
    with transaction():
        room.translations = translations or None
    flash(_("Übersetzungen gespeichert."), "info")
    return redirect(url_for("manage.room", key=key))
