"""The manage blueprint and its access gates: the only per-object checks of the management pages. Each
loader answers 404 for what the user may not manage, so someone else's house is not even shown to exist."""
from __future__ import annotations

import datetime as dt
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash
from flask_login import current_user, login_required

from roombook.access import permissions
from roombook.booking.recurrence import to_utc
from roombook.conflicts import decisions as conflicts
from roombook.db import db
from roombook.models import (
    Accommodation,
    Closure,
    Conflict,
    Offer,
    PlanRun,
    Room,
    RoomChange,
)
from roombook.planning import runs as plan_runs

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


def load_change(change_id: int) -> RoomChange:
    change = db.session.get(RoomChange, change_id)
    if change is None or not permissions.can_manage_rooms(current_user, change.accommodation):
        abort(404)
    return change


def load_run(run_id: int) -> PlanRun:
    run = db.session.get(PlanRun, run_id)
    if run is None or not permissions.can_see_plan_run(current_user, run):
        abort(404)
    return plan_runs.show_if_lost(run)


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
