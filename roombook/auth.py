"""Logging in, CSRF, and the permission functions every view and query goes through."""
from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from roombook.db import db
from roombook.models import Accommodation, Booking, Provider, Room, User
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


def can_keep_volunteer_profile(user: User | None) -> bool:
    """Volunteers say what they can do and would like to; the other roles are deployed otherwise."""
    return _is(user, Role.VOLUNTEER)


def can_book(user: User | None, room: Room) -> bool:
    return _is(user, Role.VOLUNTEER, Role.DEPARTMENT) or manages(user, room.accommodation)


def can_see_booking_details(user: User | None, booking: Booking) -> bool:
    """Names and titles of others' bookings are for their owner and the room's managers only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return booking.user_id == user.id or manages(user, booking.room.accommodation)


def can_cancel_booking(user: User | None, booking: Booking) -> bool:
    return can_see_booking_details(user, booking)


def can_manage_rooms(user: User | None, accommodation: Accommodation) -> bool:
    """Rooms, closures and conflicts of an accommodation: its facility managers, coordinators, admins."""
    return manages(user, accommodation)


def can_use_manage_pages(user: User | None) -> bool:
    """The management area: facility managers (for their houses), coordinators and admins."""
    return _is(user, Role.ADMIN, Role.COORDINATOR, Role.FACILITY_MANAGER)


def can_coordinate(user: User | None) -> bool:
    """City-wide work: coverage, offers and requirements, city plan runs, the outbox."""
    return _is(user, Role.ADMIN, Role.COORDINATOR)


def can_choose_alternative(user: User | None, booking: Booking | None) -> bool:
    """The owner of a displaced booking may take one of its offered alternatives themselves."""
    return booking is not None and _is(user, Role.VOLUNTEER, Role.DEPARTMENT, Role.FACILITY_MANAGER,
                                       Role.COORDINATOR, Role.ADMIN) and booking.user_id == user.id


def can_see_provider_schedule(user: User | None, provider: Provider | None) -> bool:
    """A department sees its own provider's sessions; admins and coordinators see every provider's."""
    if provider is None:
        return False
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return True
    return _is(user, Role.DEPARTMENT) and user.provider_id == provider.id
