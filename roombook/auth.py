"""Logging in, CSRF, and the permission functions every view and query goes through."""
from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from roombook.db import db
from roombook.models import Accommodation, Booking, Room, User
from roombook.models.people import Role

login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "Bitte melden Sie sich an. / Please log in."
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)


def _is(user: User | None, *roles: Role) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.role in roles


def manages(user: User | None, accommodation: Accommodation) -> bool:
    """Admins and coordinators manage every accommodation, facility managers only their own."""
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return True
    return _is(user, Role.FACILITY_MANAGER) and any(a.id == accommodation.id for a in user.accommodations)


def can_book(user: User | None, room: Room) -> bool:
    return _is(user, Role.VOLUNTEER, Role.DEPARTMENT) or manages(user, room.accommodation)


def can_see_booking_details(user: User | None, booking: Booking) -> bool:
    """Names and titles of others' bookings are for their owner and the room's managers only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return booking.user_id == user.id or manages(user, booking.room.accommodation)


def can_cancel_booking(user: User | None, booking: Booking) -> bool:
    return can_see_booking_details(user, booking)
