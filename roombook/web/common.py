"""The "web" blueprint shared by the page modules, and its access gates: the only per-object checks.

Each gate loads one object and aborts with 404 (unknown, or not yours to know about) or 403 (known,
but not yours to act on), so a view never needs its own query or permission test.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, url_for
from flask_login import current_user

from roombook.access.permissions import (
    can_answer_for_series,
    can_book,
    can_cancel_booking,
    can_see_booking_details,
    can_see_provider_schedule,
)
from roombook.db import db, text_fault
from roombook.models import Accommodation, Booking, ChangeItem, Provider, Room

bp = Blueprint("web", __name__)

# Where the feeds blueprint (issue 4) lets a person see and renew their private feed links.
FEED_PAGE_ENDPOINTS = ("feeds.tokens", "feeds.token_page", "feeds.my_feeds", "feeds.index")
FEED_PAGE_FALLBACK = "/calendars/tokens"


def safe_next(target: str | None, default: str = "web.index") -> str:
    """Only same-site relative paths are followed after a form (and no control character, which a
    Location header cannot carry)."""
    if target and text_fault(target) is None and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(default)


def feed_page_url() -> str:
    """The page with the person's private feed links, once the feeds blueprint provides one."""
    for endpoint in FEED_PAGE_ENDPOINTS:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return FEED_PAGE_FALLBACK


def load_accommodation(key: str) -> Accommodation:
    return db.session.scalar(sa.select(Accommodation).where(Accommodation.key == key)) or abort(404)


def load_bookable_room(key: str) -> Room:
    room = db.session.scalar(sa.select(Room).where(Room.key == key)) or abort(404)
    if not can_book(current_user, room):
        abort(403)
    return room


def load_own_booking(booking_id: int) -> Booking:
    """A booking the current user may cancel; other people's bookings are 'not found' to them."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see_booking_details(current_user, booking):
        abort(404)
    if not can_cancel_booking(current_user, booking):
        abort(403)
    return booking


def load_own_provider() -> Provider:
    """The provider (a department) whose schedule the current user may see."""
    provider = getattr(current_user, "provider", None)
    if not can_see_provider_schedule(current_user, provider):
        abort(403)
    return provider


def load_own_series_question(item_id: int) -> ChangeItem:
    """A series of the current user's that a room change hit; anyone else's is not found."""
    item = db.session.get(ChangeItem, item_id)
    if item is None or not can_answer_for_series(current_user, item):
        abort(404)
    return item
