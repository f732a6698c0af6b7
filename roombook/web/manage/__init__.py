"""Pages for facility managers and the coordinator: rooms, closures, the conflict inbox, plan runs,
coverage, offers and requirements, the outbox. Each view parses a form, loads through an access gate,
calls one domain function, and renders or redirects.
"""
from __future__ import annotations

import datetime as dt
from functools import wraps

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from roombook import clock
from roombook.access import permissions
from roombook.conflicts import decisions as conflicts
from roombook.coordination import coverage
from roombook.notifications import outbox as notifications
from roombook.coordination import offers
from roombook.planning import runs as plan_runs
from roombook.booking import rooms
from roombook.coordination import volunteers
from roombook.booking.errors import BookingError
from roombook.booking.recurrence import to_utc
from roombook.coordination.categories import MANDATORY
from roombook.db import db, transaction
from roombook.i18n import bilingual
from roombook.models import Accommodation, Booking, Closure, Conflict, Offer, PlanRun, Room
from roombook.clock import week_of
from roombook.web.manage.forms import (CATEGORY_LABELS, ChooseForm, ClosureForm, ConfirmForm, CoverageForm,
                                       OfferForm, PlanRunForm, RequirementsForm, ResolveForm, RoomForm, choices)

bp = Blueprint("manage", __name__)


# --- access gates: the only per-object checks ------------------------------------------------------------

@bp.app_template_filter("resolution_name")
def resolution_name(resolution: str | None) -> str:
    """How a decided conflict was closed, in the page's language (the stored value is a code)."""
    return str(conflicts.RESOLUTION_LABELS.get(resolution or "", resolution or ""))


def staff_required(view):
    """Facility managers, coordinators and admins; everyone else is refused (403)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_use_manage_pages(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def coordinator_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_coordinate(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def my_accommodations() -> list[Accommodation]:
    """The accommodations the current user manages (all of them for coordinators and admins)."""
    return permissions.managed_accommodations(db.session, current_user)


def load_accommodation(key: str) -> Accommodation:
    place = db.session.scalar(sa.select(Accommodation).where(Accommodation.key == key))
    if place is None or not permissions.can_manage_rooms(current_user, place):
        abort(404)  # someone else's house is not even shown to exist
    return place


def load_room(key: str) -> Room:
    room = db.session.scalar(sa.select(Room).where(Room.key == key))
    if room is None or not permissions.can_manage_rooms(current_user, room.accommodation):
        abort(404)
    return room


def load_closure(closure_id: int) -> Closure:
    closure = db.session.get(Closure, closure_id)
    if closure is None or not permissions.can_manage_rooms(current_user, closure.room.accommodation):
        abort(404)
    return closure


def load_conflict(conflict_id: int) -> Conflict:
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or not permissions.can_manage_rooms(current_user, conflict.accommodation):
        abort(404)
    return conflict


def load_run(run_id: int) -> PlanRun:
    run = db.session.get(PlanRun, run_id)
    if run is None or not permissions.can_see_plan_run(current_user, run):
        abort(404)
    return plan_runs.show_if_lost(run)


def load_own_displacement(conflict_id: int) -> Conflict:
    """A displaced-booking conflict about the current user's own booking; anyone else's is not found."""
    conflict = db.session.get(Conflict, conflict_id)
    booking = db.session.get(Booking, conflict.booking_id) if conflict and conflict.booking_id else None
    if conflict is None or conflict.kind != "displaced_booking" or not permissions.can_choose_alternative(current_user,
                                                                                                  booking):
        abort(404)
    return conflict


def load_offer(key: str) -> Offer:
    """Offers are city-wide: the coordinator's gate is on the view; unknown keys are not found."""
    return db.session.scalar(sa.select(Offer).where(Offer.key == key)) or abort(404)


def _local_input(value: dt.datetime, room: Room) -> dt.datetime:
    return to_utc(value, room.tz)


def _form_errors(form) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


# --- overview ----------------------------------------------------------------------------------------------

@bp.get("/manage/")
@staff_required
def home():
    places = my_accommodations()
    open_count = len(conflicts.open_conflicts(db.session, places))
    return render_template("manage/home.html", places=places, open_count=open_count,
                           coordinator=permissions.can_coordinate(current_user))


# --- rooms and closures ------------------------------------------------------------------------------------

def _room_page(room: Room, form: RoomForm, closure_form: ClosureForm, status: int = 200):
    return render_template("manage/room.html", room=room, form=form, closure_form=closure_form,
                           closures=rooms.upcoming_closures(db.session, room), remove_form=ConfirmForm(),
                           coordinator=permissions.can_coordinate(current_user)), status


@bp.route("/manage/rooms/<key>", methods=["GET", "POST"])
@staff_required
def room(key: str):
    room = load_room(key)
    form = RoomForm(obj=None if request.method == "POST" else room)
    if request.method == "GET":
        form.features.data = ", ".join(room.features)
        form.open_hours.data = rooms.format_windows(room.open)
    if form.validate_on_submit():
        try:
            with transaction():
                outside = rooms.update_room(db.session, current_user, room, name=form.name.data, capacity=form.capacity.data,
                                  features=form.features.data or "", open_hours=form.open_hours.data or "",
                                  max_booking_minutes=form.max_booking_minutes.data,
                                  max_days_ahead=form.max_days_ahead.data,
                                  max_open_bookings=form.max_open_bookings.data)
        except rooms.RoomInputError as exc:
            getattr(form, "open_hours" if exc.field == "open" else exc.field).errors.append(exc.message)
            return _room_page(load_room(key), form, ClosureForm(formdata=None), 422)
        flash(_("Raum gespeichert."), "info")
        if outside:
            flash(ngettext("Achtung: %(num)d Buchung oder Termin liegt jetzt außerhalb der Öffnungszeiten, am "
                           "%(when)s. Nichts wird abgesagt; bitte mit den Betroffenen klären oder eine Schließung "
                           "eintragen.",
                           "Achtung: %(num)d Buchungen oder Termine liegen jetzt außerhalb der Öffnungszeiten, "
                           "zuerst am %(when)s. Sie bleiben bestehen; bitte mit den Betroffenen klären oder eine "
                           "Schließung eintragen.",
                           len(outside), when=f"{outside[0].starts_at.astimezone(room.tz):%d.%m.%Y %H:%M}"), "error")
        return redirect(url_for("manage.room", key=key))
    if request.method == "POST":
        return _room_page(room, form, ClosureForm(formdata=None), 422)
    return _room_page(room, form, ClosureForm(formdata=None))


@bp.post("/manage/rooms/<key>/closures")
@staff_required
def closure(key: str):
    """The closure form posts twice: first for the preview, then (with the same fields) to apply."""
    room = load_room(key)
    form = ClosureForm()
    if not form.validate_on_submit():
        return _room_page(room, RoomForm(obj=room, formdata=None), form, 422)
    start, end = _local_input(form.start.data, room), _local_input(form.end.data, room)
    try:
        if not form.apply.data:
            preview = rooms.preview_closure(db.session, room, start, end, form.reason.data)
            return render_template("manage/closure_preview.html", room=room, form=form, preview=preview)
        with transaction():
            _closure, opened = rooms.apply_closure(db.session, current_user, room, start, end, form.reason.data,
                                                   base_url=request.url_root)
    except rooms.RoomInputError as exc:
        getattr(form, exc.field if exc.field in ("start", "end", "reason") else "start").errors.append(exc.message)
        return _room_page(load_room(key), RoomForm(obj=room, formdata=None), form, 422)
    flash(ngettext("Schließung angewendet; %(num)d Konflikt geöffnet.", "Schließung angewendet; %(num)d Konflikte "
                   "geöffnet.", len(opened)), "info")
    return redirect(url_for("manage.conflicts_inbox") if opened else url_for("manage.room", key=key))


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


# --- the conflict inbox ------------------------------------------------------------------------------------

@bp.get("/manage/conflicts")
@staff_required
def conflicts_inbox():
    places = my_accommodations()
    items = [conflicts.facts(db.session, c) for c in conflicts.open_conflicts(db.session, places)]
    return render_template("manage/conflicts.html", items=items, kinds=conflicts.KIND_LABELS,
                           decided=conflicts.decided_conflicts(db.session, places, limit=20), form=ResolveForm())


@bp.get("/manage/conflicts/<int:conflict_id>")
@staff_required
def conflict(conflict_id: int):
    conflict = load_conflict(conflict_id)
    return render_template("manage/conflict.html", item=conflicts.facts(db.session, conflict),
                           kinds=conflicts.KIND_LABELS, form=ResolveForm(formdata=None))


@bp.post("/manage/conflicts/<int:conflict_id>/resolve")
@staff_required
def resolve(conflict_id: int):
    conflict = load_conflict(conflict_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            with transaction():
                conflicts.resolve_conflict(db.session, current_user, conflict, form.action.data,
                                           note=form.note.data or "", alternative=form.alternative.data,
                                           base_url=request.url_root)
        except (conflicts.DecisionRefused, BookingError) as exc:
            getattr(form, getattr(exc, "field", "action"), form.action).errors.append(bilingual(exc.message))
        else:
            flash(_("Entschieden."), "info")
            return redirect(url_for("manage.conflicts_inbox"))
    conflict = load_conflict(conflict_id)
    return render_template("manage/conflict.html", item=conflicts.facts(db.session, conflict),
                           kinds=conflicts.KIND_LABELS, form=form), 422


@bp.get("/manage/audit")
@staff_required
def audit_trail():
    places = my_accommodations()
    return render_template("manage/audit.html", events=conflicts.audit_trail(db.session, places),
                           decided=conflicts.decided_conflicts(db.session, places), kinds=conflicts.KIND_LABELS)


# --- a volunteer takes an alternative from the email link ----------------------------------------------------

@bp.route("/booking-changes/<int:conflict_id>", methods=["GET", "POST"])
@login_required
def choose(conflict_id: int):
    conflict = load_own_displacement(conflict_id)
    form = ChooseForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                conflicts.resolve_conflict(db.session, current_user, conflict, conflicts.ACCEPT,
                                           alternative=int(form.alternative.data) if form.alternative.data.isdigit()
                                           else None, base_url=request.url_root)
        except (conflicts.DecisionRefused, BookingError) as exc:
            flash(bilingual(exc.message), "error")
            status = 422
        else:
            flash(_("Ihre Buchung ist verlegt."), "info")
            return redirect(url_for("manage.choose", conflict_id=conflict_id))
    conflict = load_own_displacement(conflict_id)
    return render_template("manage/choose.html", item=conflicts.facts(db.session, conflict), form=form), status


# --- plan runs ----------------------------------------------------------------------------------------------

def _plan_form() -> PlanRunForm:
    form = PlanRunForm()
    form.scope.choices = choices((p.key, p.name) for p in my_accommodations())
    return form


@bp.route("/manage/plans", methods=["GET", "POST"])
@staff_required
def plans():
    form = _plan_form()
    coordinator = permissions.can_coordinate(current_user)
    if form.validate_on_submit():
        scope = list(form.scope.data or [])
        if not scope and not coordinator:
            scope = [p.key for p in my_accommodations()]  # a facility manager plans their own houses
        try:
            with transaction():
                run = plan_runs.start_run(db.session, current_user, scope,
                                          time_limit=float(current_app.config.get("ROOMBOOK_PLAN_TIME_LIMIT", 30)))
                run_id = run.id
        except plan_runs.RunRefused as exc:
            form.scope.errors.append(exc.message)
        else:
            plan_runs.launch(current_app._get_current_object(), run_id)
            return redirect(url_for("manage.plan_run", run_id=run_id))
    places = None if coordinator else my_accommodations()
    status = 422 if request.method == "POST" else 200
    return render_template("manage/plans.html", form=form, runs=plan_runs.visible_runs(db.session, places),
                           coordinator=coordinator), status


@bp.get("/manage/plans/<int:run_id>")
@staff_required
def plan_run(run_id: int):
    run = load_run(run_id)
    preview = plan_runs.run_preview(db.session, run, clock.today())
    return render_template("manage/plan_run.html", run=run, preview=preview, form=ConfirmForm(),
                           displaced=plan_runs.displaced_details(db.session, preview) if preview else [],
                           labels=CATEGORY_LABELS, names=plan_runs.accommodation_names(db.session))


@bp.get("/manage/plans/<int:run_id>/progress")
@staff_required
def plan_progress(run_id: int):
    run = load_run(run_id)
    return jsonify(status=run.status, progress=run.progress, error=run.error)


@bp.post("/manage/plans/<int:run_id>/<any(publish, discard):decision>")
@staff_required
def decide_run(run_id: int, decision: str):
    run = load_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            if decision == "publish":
                plan_runs.publish_run(db.session, current_user, run, today=clock.today(),
                                      horizon_weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"],
                                      base_url=request.url_root)
            else:
                plan_runs.discard_run(db.session, current_user, run)
    except (plan_runs.RunRefused, BookingError) as exc:
        flash(bilingual(exc.message), "error")
        return redirect(url_for("manage.plan_run", run_id=run_id))
    flash(_("Plan veröffentlicht.") if decision == "publish" else _("Planung verworfen."), "info")
    return redirect(url_for("manage.plan_run", run_id=run_id))


# --- coverage (coordinator) ----------------------------------------------------------------------------------

def _coverage_query() -> coverage.Coverage:
    form = CoverageForm(request.args)
    if not form.validate():
        abort(400)
    first = form.week.data or clock.today()
    return coverage.coverage(db.session, first, form.weeks.data or 4)


@bp.get("/manage/coverage")
@coordinator_required
def coverage_dashboard():
    return render_template("manage/coverage.html", cov=_coverage_query(), labels=CATEGORY_LABELS,
                           status_labels=coverage.STATUS_LABELS, form=CoverageForm(request.args))


@bp.get("/manage/coverage/print")
@coordinator_required
def coverage_print():
    return render_template("manage/coverage_print.html", cov=_coverage_query(), labels=CATEGORY_LABELS,
                           status_labels=coverage.STATUS_LABELS, today=clock.today())


@bp.get("/manage/coverage.csv")
@coordinator_required
def coverage_csv():
    body = coverage.coverage_csv(_coverage_query())
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=coverage.csv"})


@bp.get("/manage/coverage/<key>/<category>")
@coordinator_required
def coverage_cell(key: str, category: str):
    place = load_accommodation(key)
    if category not in {c.value for c in MANDATORY}:
        abort(404)
    form = CoverageForm(request.args)
    if not form.validate():
        abort(400)
    week = week_of(form.week.data or clock.today())
    return render_template("manage/coverage_cell.html", place=place, category=category, week=week,
                           lines=coverage.cell_offers(db.session, place, category, week), labels=CATEGORY_LABELS,
                           helpers=volunteers.who_could_help(db.session, place, category),
                           languages=volunteers.LANGUAGES)


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
    if request.method == "GET" and offer is not None:
        form.accommodation.data = offer.accommodation.key
        form.providers.data = [p.key for p in offer.providers]
        form.needs_features.data = ", ".join(offer.needs_features)
    elif request.method == "GET":
        form.valid_from.data = clock.today()
        form.duration_minutes.data, form.sessions_per_week.data, form.participants.data = 90, 1, 10
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
            with transaction():
                saved = offers.save_offer(
                    db.session, current_user, offer, accommodation=place, provider_keys=form.providers.data,
                    title=form.title.data, description=form.description.data, category=form.category.data,
                    duration_minutes=form.duration_minutes.data, sessions_per_week=form.sessions_per_week.data,
                    participants=form.participants.data, needs_features=form.needs_features.data or "",
                    guaranteed=form.guaranteed.data, valid_from=form.valid_from.data,
                    valid_until=form.valid_until.data)
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


# --- the outbox ---------------------------------------------------------------------------------------------------

@bp.get("/manage/outbox")
@coordinator_required
def outbox():
    return render_template("manage/outbox.html", messages=notifications.outbox(db.session),
                           smtp=notifications.smtp_settings(current_app) is not None)
