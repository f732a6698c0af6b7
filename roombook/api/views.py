"""The JSON API's endpoints: parse input, load through the access gate, call one domain function, answer."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, render_template, request, url_for

from roombook.access import api_tokens, privacy, ratelimit, signin
from roombook.access.permissions import can_book
from roombook.api import queries
from roombook.api.access import (
    authenticate,
    current_user,
    find,
    load,
    load_booking,
    require,
    too_many,
)
from roombook.api.blueprint import bp
from roombook.api.idempotency import idempotent, remember
from roombook.api.openapi import document
from roombook.api.pagination import paginated
from roombook.api.problems import ApiProblem, invalid
from roombook.api.schemas import (
    accommodation_json,
    alternative_json,
    booking_json_for,
    clash_json,
    json_object,
    occurrence_json,
    offer_details,
    offer_json,
    parse_instant,
    parse_int,
    parse_optional_int,
    parse_range,
    request_json,
    room_json,
    text,
    token_json,
    user_json,
)
from roombook.booking import (
    BookingConflict,
    BookingError,
    availability,
    book_room,
)
from roombook.booking.offer_details import FIELDS as OFFER_FIELDS
from roombook.db import db, transaction
from roombook.models import Accommodation, ApiToken, Occurrence, Offer, Room, User
from roombook.notifications import confirming
from roombook.security import client_address

# Unauthenticated endpoints: the document, its page, a trivial health check, and getting a token.
PUBLIC = {"api.openapi", "api.docs", "api.ping", "api.create_token"}
TOKEN_LIMIT_PER_ADDRESS = 10
TOKEN_WINDOW = dt.timedelta(minutes=15)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC or request.endpoint is None:
        return
    g.api_user = authenticate()


def _default_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])


@contextmanager
def explained(room: Room) -> Iterator[None]:
    """A refused booking as a problem: 409 with the clashes for a taken room, else 422 naming the field."""
    try:
        yield
    except BookingError as exc:
        tz = room.tz
        room_ids = {r.key: r.id for r in room.accommodation.rooms}
        alternatives = [alternative_json(a, room_ids, tz) for a in exc.alternatives]
        if isinstance(exc, BookingConflict):
            raise ApiProblem(409, "Room taken", exc.message, kind="booking-conflict", field=exc.field,
                             clashes=[clash_json(c, tz) for c in exc.clashes], alternatives=alternatives) from None
        raise ApiProblem(422, "Booking refused", exc.message, kind="booking-refused", field=exc.field,
                         errors=[{"field": exc.field, "detail": exc.message}], alternatives=alternatives) from None


# --- meta ---------------------------------------------------------------------------------------

@bp.get("/ping")
def ping():
    return {"status": "ok"}


@bp.get("/openapi.json")
def openapi():
    return document()


@bp.get("/docs")
def docs():
    return render_template("api.html", spec=document())


# --- tokens and the caller ------------------------------------------------------------------------

@bp.post("/tokens")
def create_token():
    body = json_object(request_json(), {"email", "password", "label", "expires_in_days"}, {"email", "password"})
    email = text(body, "email", maximum=254).strip().lower()
    password = text(body, "password", maximum=1000, password=True)
    label = text(body, "label", maximum=120, default="")
    days = parse_int(body["expires_in_days"], "expires_in_days", maximum=3650) \
        if body.get("expires_in_days") is not None else None
    with transaction() as session:
        allowed = ratelimit.allow(session, f"token-ip:{client_address()}", TOKEN_LIMIT_PER_ADDRESS, TOKEN_WINDOW)
    if not allowed:
        raise too_many("Too many token requests; try again later.", TOKEN_WINDOW)
    try:  # passwords are guessed here as on the login page: the same check, throttled per account and address
        with transaction() as session:
            user = signin.authenticate(session, email, password, client=client_address())
    except signin.TooManyAttempts as refused:
        raise too_many("Too many failed attempts; try again later.", dt.timedelta(seconds=refused.seconds)) from None
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Wrong email or password.", kind="unauthorized",
                         headers={"WWW-Authenticate": 'Bearer realm="roombook"'})
    with transaction() as session:
        token, secret = api_tokens.create_api_token(
            session, user, label, expires_in=dt.timedelta(days=days) if days else None)
        answer = {**token_json(token), "token": secret}
    return answer, 201


@bp.get("/tokens")
def list_tokens():
    return {"items": [token_json(t) for t in api_tokens.tokens_of(db.session, current_user())]}


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    user = current_user()
    token = load(ApiToken, token_id)
    if not api_tokens.can_revoke_api_token(user, token):
        raise ApiProblem(404, "Not found", f"No apitoken {token_id}.", kind="not-found")
    with transaction() as session:
        api_tokens.revoke_api_token(session, user, token)
        answer = token_json(token)
    return answer


@bp.get("/me")
def me():
    return user_json(current_user())


@bp.get("/me/export")
def export_me():
    return privacy.export_user_data(db.session, current_user()), {"Cache-Control": "no-store"}


@bp.delete("/me")
def delete_me():
    user = current_user()
    body = json_object(request_json(), {"password"}, {"password"})
    if not user.check_password(text(body, "password", maximum=1000, password=True)):
        raise ApiProblem(403, "Forbidden", "The password does not match; deleting an account needs it.",
                         kind="forbidden", field="password")
    with transaction() as session:
        privacy.delete_user(session, user, user)
    return "", 204


@bp.delete("/users/<int:user_id>")
def delete_user(user_id: int):
    actor = current_user()
    require(privacy.can_delete_other_user(actor), "Only admins delete other people's accounts.")
    user = load(User, user_id)
    with transaction() as session:
        privacy.delete_user(session, actor, user)
    return "", 204


# --- accommodations, rooms, offers, occurrences ---------------------------------------------------

@bp.get("/accommodations")
def list_accommodations():
    return paginated(queries.accommodations(), accommodation_json)


@bp.get("/accommodations/<int:accommodation_id>")
def get_accommodation(accommodation_id: int):
    return accommodation_json(load(Accommodation, accommodation_id))


@bp.get("/rooms")
def list_rooms():
    return paginated(queries.rooms(parse_optional_int(request.args, "accommodation")), room_json)


@bp.get("/rooms/<int:room_id>")
def get_room(room_id: int):
    return room_json(load(Room, room_id))


@bp.get("/rooms/<int:room_id>/availability")
def room_availability(room_id: int):
    room = load(Room, room_id)
    tz = room.tz
    start, end = parse_range(request.args, tz, default_days=7, max_days=31)
    free = availability(db.session, room, start, end)
    return {"room": room.id, "from": start.astimezone(tz).isoformat(), "to": end.astimezone(tz).isoformat(),
            "free": [{"start": s.astimezone(tz).isoformat(), "end": e.astimezone(tz).isoformat()} for s, e in free]}


@bp.get("/offers")
def list_offers():
    return paginated(queries.offers(parse_optional_int(request.args, "accommodation")), offer_json)


@bp.get("/offers/<int:offer_id>")
def get_offer(offer_id: int):
    return offer_json(load(Offer, offer_id))


def _scope_tz(room_id: int | None, accommodation_id: int | None):
    """The zone for local `from`/`to`: the room's or accommodation's (which must exist), else the city's."""
    if room_id is not None:
        return load(Room, room_id).tz
    if accommodation_id is not None:
        return load(Accommodation, accommodation_id).tz
    return _default_tz()


@bp.get("/occurrences")
def list_occurrences():
    room_id = parse_optional_int(request.args, "room")
    accommodation_id = parse_optional_int(request.args, "accommodation")
    start, end = parse_range(request.args, _scope_tz(room_id, accommodation_id), default_days=7, max_days=92)
    return paginated(queries.occurrences(start, end, room_id=room_id, accommodation_id=accommodation_id),
                     occurrence_json)


@bp.get("/occurrences/<int:occurrence_id>")
def get_occurrence(occurrence_id: int):
    return occurrence_json(load(Occurrence, occurrence_id))


# --- bookings -------------------------------------------------------------------------------------

@bp.get("/bookings")
def list_bookings():
    user = current_user()
    room_id = parse_optional_int(request.args, "room")
    accommodation_id = parse_optional_int(request.args, "accommodation")
    tz = _scope_tz(room_id, accommodation_id)
    start = parse_instant(request.args["from"], "from", tz) if "from" in request.args else None
    end = parse_instant(request.args["to"], "to", tz) if "to" in request.args else None
    query = queries.visible_bookings(user, room_id=room_id, accommodation_id=accommodation_id, start=start, end=end)
    return paginated(query, lambda b: booking_json_for(b, user))


_OFFER_INPUT = {*OFFER_FIELDS, "translations"}


def booking_input(extra: set[str] = frozenset()) -> tuple[dict, Room]:
    body = json_object(request_json(), {"room", "start", "end", "title"} | _OFFER_INPUT | extra,
                       {"room", "start", "end", "title"})
    room = find(Room, parse_int(body["room"], "room"))
    if room is None:
        raise invalid("room", f"no room {body['room']}")
    return body, room


@bp.post("/bookings")
@idempotent
def create_booking():
    user = current_user()
    body, room = booking_input()
    start = parse_instant(body["start"], "start", room.tz)
    end = parse_instant(body["end"], "end", room.tz)
    title = text(body, "title", maximum=200)
    require(can_book(user, room), "Your role may not book this room.")
    details = offer_details(body, room)
    with explained(room), transaction() as session:
        booking = book_room(session, user, room, start, end, title, details=details)
        confirming.confirm_booked(session, user, [booking])
        answer = booking_json_for(booking, user)
        remember(session, user, 201, answer)
    return answer, 201, {"Location": url_for("api.get_booking", booking_id=answer["id"])}


@bp.get("/bookings/<int:booking_id>")
def get_booking(booking_id: int):
    user = current_user()
    return booking_json_for(load_booking(booking_id, user), user)
