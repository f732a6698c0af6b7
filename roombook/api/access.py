"""Who is calling (bearer tokens) and the one loader per object that is the API's access gate."""
from __future__ import annotations

import datetime as dt
import functools
from typing import TypeVar

import sqlalchemy as sa
from flask import g, request

from roombook.access import api_tokens, ratelimit
from roombook.access.permissions import can_see_booking_details
from roombook.api.problems import ApiProblem
from roombook.db import db, transaction
from roombook.models import Booking, User
from roombook.security import client_address

T = TypeVar("T")

# Failed authentications per client address; shared by every worker through the database.
AUTH_FAILURE_LIMIT = 20
AUTH_FAILURE_WINDOW = dt.timedelta(minutes=5)
# Ids are 32-bit on PostgreSQL; a larger one in a URL is simply not there (not a database error).
MAX_ID = 2**31 - 1


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "Unauthorized", detail, kind="unauthorized",
                      headers={"WWW-Authenticate": 'Bearer realm="roombook"'})


def too_many(detail: str, retry_after: dt.timedelta) -> ApiProblem:
    return ApiProblem(429, "Too many requests", detail, kind="rate-limited",
                      headers={"Retry-After": str(int(retry_after.total_seconds()))})


def authenticate() -> User:
    """The user behind `Authorization: Bearer …`; failures count against the caller's address."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorized("Send 'Authorization: Bearer <token>'; `flask tokens create` or POST /api/v1/tokens "
                            "issues one.")
    use = api_tokens.find_api_token(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    if use is None:
        with transaction() as session:
            allowed = ratelimit.allow(session, f"api-auth:{client_address()}", AUTH_FAILURE_LIMIT,
                                      AUTH_FAILURE_WINDOW)
        if not allowed:
            raise too_many("Too many failed authentications from this address.", AUTH_FAILURE_WINDOW)
        raise _unauthorized("The token is unknown, expired or revoked.")
    if api_tokens.needs_last_used_update(use):
        with transaction() as session:
            api_tokens.touch_api_token(session, use.token_id)
    return use.user


def current_user() -> User:
    return g.api_user


@functools.cache
def _by_id(model: type[T]) -> sa.Select:
    # Built once per model: Session.get builds and keys a new statement on every call, which cost a
    # third of the access gate's time.
    return sa.select(model).where(model.id == sa.bindparam("id"))


def find(model: type[T], object_id: int) -> T | None:
    """The object by id, or None (also for an id no row can have)."""
    return db.session.scalar(_by_id(model), {"id": object_id}) if 0 < object_id <= MAX_ID else None


def load(model: type[T], object_id: int) -> T:
    """The object by id, or 404."""
    obj = find(model, object_id)
    if obj is None:
        raise ApiProblem(404, "Not found", f"No {model.__name__.lower()} {object_id}.", kind="not-found")
    return obj


def load_booking(booking_id: int, user: User) -> Booking:
    """A booking the user may see; someone else's is answered exactly like a missing one (no IDOR)."""
    booking = find(Booking, booking_id)
    if booking is None or not can_see_booking_details(user, booking):
        raise ApiProblem(404, "Not found", f"No booking {booking_id}.", kind="not-found")
    return booking


def require(allowed: bool, detail: str = "Your role may not do this here.") -> None:
    if not allowed:
        raise ApiProblem(403, "Forbidden", detail, kind="forbidden")
