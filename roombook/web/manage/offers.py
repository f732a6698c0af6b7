"""The city's offers and each accommodation's requirements (the coordinator's)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roombook import clock
from roombook.booking import rooms
from roombook.booking.offer_details import OfferDetailsError, check_translations
from roombook.coordination import coverage, offers, qualifications
from roombook.coordination.categories import MANDATORY
from roombook.db import db, transaction
from roombook.models import Offer
from roombook.web.manage.forms import (
    CATEGORY_LABELS,
    OfferForm,
    RequirementsForm,
    choices,
)
from roombook.web.manage.gates import (
    bp,
    coordinator_required,
    load_accommodation,
    load_offer,
    my_accommodations,
)

# --- offers and requirements (coordinator) ---------------------------------------------------------------------

@bp.get("/manage/offers")
@coordinator_required
def offer_list():
    return render_template("manage/offers.html", offers=offers.list_offers(db.session), labels=CATEGORY_LABELS,
                           places=my_accommodations())


def _offer_form(offer: Offer | None) -> OfferForm:
    form = OfferForm(obj=offer if request.method == "GET" else None)
    form.accommodation.choices = choices((p.key, p.name) for p in my_accommodations())
    form.providers.choices = choices((p.key, p.name) for p in offers.all_providers(db.session))
    form.qualifications.choices = choices(qualifications.kind_choices(db.session))
    if request.method == "GET" and offer is not None:
        form.accommodation.data = offer.accommodation.key
        form.providers.data = [p.key for p in offer.providers]
        form.needs_features.data = list(offer.needs_features)
        form.qualifications.data = [k.code for k in qualifications.required_kinds(db.session, offer)]
    elif request.method == "GET":
        form.valid_from.data = clock.today()
        form.duration_minutes.data, form.sessions_per_week.data, form.participants.data = 90, 1, 10
        # opened from a coverage gap: on that gap's accommodation and category
        if request.args.get("accommodation") in {choice.value for choice in form.accommodation.choices}:
            form.accommodation.data = request.args["accommodation"]
        if request.args.get("category") in CATEGORY_LABELS:
            form.category.data = request.args["category"]
    return form


@bp.route("/manage/offers/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/manage/offers/<key>", methods=["GET", "POST"])
@coordinator_required
def offer_edit(key: str | None):
    offer = load_offer(key) if key is not None else None
    form = _offer_form(offer)
    if form.validate_on_submit():
        place = load_accommodation(form.accommodation.data)
        try:
            translations = check_translations(form.translations.data)
        except OfferDetailsError as exc:
            form.translations.errors = [exc.message]
            return render_template("manage/offer_form.html", form=form, offer=offer), 422
        try:
            with transaction():
                saved = offers.save_offer(
                    db.session, current_user, offer, accommodation=place, provider_keys=form.providers.data,
                    title=form.title.data, description=form.description.data, category=form.category.data,
                    duration_minutes=form.duration_minutes.data, sessions_per_week=form.sessions_per_week.data,
                    participants=form.participants.data, needs_features=form.needs_features.data or [],
                    guaranteed=form.guaranteed.data, valid_from=form.valid_from.data,
                    valid_until=form.valid_until.data, required_qualifications=form.qualifications.data or [])
                saved.translations = translations or None
                saved_key = saved.key
        except rooms.RoomInputError as exc:
            getattr(form, exc.field, form.title).errors.append(exc.message)
        else:
            flash(_("Angebot gespeichert; die nächste Planung setzt seine Termine."), "info")
            return redirect(url_for("manage.offer_edit", key=saved_key))
    status = 422 if request.method == "POST" else 200
    return render_template("manage/offer_form.html", form=form, offer=offer), status


@bp.route("/manage/accommodations/<key>/requirements", methods=["GET", "POST"])
@coordinator_required
def requirements(key: str):
    place = load_accommodation(key)
    form = RequirementsForm()
    current = coverage.current_requirements(db.session, place)
    if request.method == "GET":
        form.residents.data = place.residents
        for category in MANDATORY:
            getattr(form, f"minutes_{category.value}").data = current.get(category.value, 0)
    if form.validate_on_submit():
        minutes = {c.value: getattr(form, f"minutes_{c.value}").data or 0 for c in MANDATORY}
        with transaction():
            coverage.set_requirements(db.session, current_user, place, form.residents.data, minutes)
        flash(_("Anforderungen gespeichert."), "info")
        return redirect(url_for("manage.requirements", key=key))
    status = 422 if request.method == "POST" else 200
    return render_template("manage/requirements.html", place=place, form=form, labels=CATEGORY_LABELS,
                           categories=[c.value for c in MANDATORY],
                           suggested=coverage.suggested_requirements(
                               form.residents.data if form.residents.data is not None else place.residents)), status
