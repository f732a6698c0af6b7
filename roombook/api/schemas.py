"""Input parsing (each failure names its field) and the JSON shapes of the API's resources.

The shapes here and the schemas in `openapi.py` describe the same objects; the schemathesis run
in the test suite checks that every answer matches the document.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest

from roombook import clock
from roombook.api.problems import ApiProblem, invalid
from roombook.booking.errors import Clash
from roombook.booking.offer_details import (
    FIELDS,
    OfferDetailsError,
    check_offer_details,
    check_translations,
)
from roombook.db import TextFault, storable, text_fault
from roombook.feeds.build import PUBLIC_BOOKING
from roombook.models import (
    Accommodation,
    ApiToken,
    Booking,
    Occurrence,
    Offer,
    Room,
    User,
)

UTC = dt.timezone.utc
# ISO 8601 as the document states it: a date, or a date-time with optional seconds and offset.
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?")
# ASCII digits only: str.isdigit() also takes "²" and "①", which int() then refuses.
_INTEGER = re.compile(r"-?[0-9]{1,12}")
# A request body nested deeper than this is refused before anything walks it (the JSON parser itself
# recurses, and gives up with a RecursionError near Python's recursion limit).
MAX_JSON_DEPTH = 32
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000


# --- input ---------------------------------------------------------------------------------------

def parse_instant(value: Any, field: str, tz: ZoneInfo) -> dt.datetime:
    """ISO 8601 with an offset, or local wall-clock time of `tz`; a local time that does not exist
    (the hour skipped when clocks go forward) is refused rather than shifted."""
    if not isinstance(value, str) or len(value) > 40 or not _TIME.fullmatch(value):
        raise invalid(field, "an ISO 8601 date-time is required, e.g. 2027-03-01T10:00 or 2027-03-01T10:00+01:00")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"'{value}' is not an ISO 8601 date-time") from None
    if not clock.in_calendar(parsed.date()):
        raise invalid(field, f"must lie between {clock.FIRST_DAY.isoformat()} and {clock.LAST_DAY.isoformat()}")
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    instant = parsed.replace(tzinfo=tz)
    if instant.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != parsed:
        raise invalid(field, f"{value} does not exist in {tz.key} (the clocks skip it)")
    return instant.astimezone(UTC)


def parse_int(value: Any, field: str, *, minimum: int = 1, maximum: int = 2**31 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(field, "an integer is required")
    if isinstance(value, str):
        if not _INTEGER.fullmatch(value.strip()):
            raise invalid(field, "an integer is required")
        value = int(value)
    if not minimum <= value <= maximum:
        raise invalid(field, f"must be between {minimum} and {maximum}")
    return value


def parse_optional_int(args, field: str, **bounds) -> int | None:
    return parse_int(args[field], field, **bounds) if field in args else None


def parse_page(args) -> tuple[int, int]:
    limit = parse_optional_int(args, "limit", minimum=1, maximum=MAX_LIMIT) or DEFAULT_LIMIT
    offset = parse_optional_int(args, "offset", minimum=0, maximum=MAX_OFFSET) or 0
    return limit, offset


def parse_range(args, tz: ZoneInfo, *, default_days: int, max_days: int,
                now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """`from` and `to` (ISO dates or date-times); by default from the start of today for `default_days`."""
    now = now or clock.now()
    if "from" in args:
        start = parse_instant(args["from"], "from", tz)
    else:
        start = dt.datetime.combine(now.astimezone(tz).date(), dt.time(0), tzinfo=tz).astimezone(UTC)
    end = parse_instant(args["to"], "to", tz) if "to" in args else start + dt.timedelta(days=default_days)
    if end <= start:
        raise invalid("to", "must be after 'from'")
    if end - start > dt.timedelta(days=max_days):
        raise invalid("to", f"at most {max_days} days after 'from'")
    return start, end


def request_json() -> Any:
    """The JSON request body (None when empty); malformed JSON is a 400, not a 422, and text no database
    can store is a 422 naming its field."""
    if not request.get_data():
        return None
    try:
        body = request.get_json(force=True)
    except BadRequest:
        raise ApiProblem(400, "Malformed JSON", "The request body is not valid JSON.", kind="malformed-json") \
            from None
    except RecursionError:
        too_deep = True
    else:
        too_deep = _depth(body) > MAX_JSON_DEPTH
    if too_deep:
        raise ApiProblem(400, "Malformed JSON", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                         kind="malformed-json", field="body")
    _refuse_unstorable(body, "body")
    return body


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (without recursing)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _refuse_unstorable(value: Any, field: str) -> None:
    if isinstance(value, str) and not storable(value):
        raise invalid(field, "contains a character that cannot be stored (NUL or an unpaired surrogate)")
    if isinstance(value, dict):
        for key, item in value.items():
            named = key if field == "body" else f"{field}.{key}"
            _refuse_unstorable(key, named)
            _refuse_unstorable(item, named)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable(item, f"{field}[{index}]")


def json_object(body: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    """The request body as an object with only `allowed` keys and every `required` one."""
    if not isinstance(body, dict):
        raise invalid("body", "a JSON object is required")
    for key in sorted(body):
        if key not in allowed:
            raise invalid(key, f"unknown field '{key}'")
    for key in sorted(required):
        if key not in body:
            raise invalid(key, f"'{key}' is required")
    return body


TEXT_FAULTS = {
    TextFault.UNSTORABLE: "contains a character that cannot be stored (NUL or an unpaired surrogate)",
    TextFault.CONTROL: "contains a control character (such as a line break), which this field does not take",
    TextFault.BIDI: "contains a bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069), "
                    "which can make text display other than it reads",
    TextFault.INVISIBLE: "consists only of invisible characters",
}


def text(values, field: str, *, maximum: int, default: str | None = None, multiline: bool = False,
         password: bool = False) -> str:
    """A text field of a body or of the query string, checked by the one text rule (db.text_fault); a
    `multiline` one may hold line breaks. A password is never shown, and refusing one of its characters
    could lock its owner out: only what no database can store counts there."""
    value = values.get(field, default)
    if not isinstance(value, str):
        raise invalid(field, "a string is required")
    if len(value) > maximum:
        raise invalid(field, f"at most {maximum} characters")
    _refuse_unstorable(value, field)
    fault = None if password else text_fault(value, multiline=multiline)
    if fault is not None:
        raise invalid(field, TEXT_FAULTS[fault])
    return value


def offer_details(body: dict, room: Room) -> dict:
    """The offer details and translations of a booking's body, checked by the one rule
    (roombook.booking.offer_details); a refusal names its field, in English."""
    for key in ("description", "public_contact"):
        if key in body:
            text(body, key, maximum=1000, multiline=key == "description")
    try:
        details = check_offer_details({key: body[key] for key in FIELDS if key in body}, room)
        details["translations"] = check_translations(body.get("translations"))
    except OfferDetailsError as exc:
        with force_locale("en"):
            raise invalid(exc.field, str(exc.message)) from None
    return details


# --- output --------------------------------------------------------------------------------------

def iso(instant: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """An instant in the accommodation's local time, with its offset."""
    return None if instant is None else instant.astimezone(tz).isoformat()


def utc(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).isoformat()


def accommodation_json(place: Accommodation) -> dict:
    return {"id": place.id, "key": place.key, "name": place.name, "address": place.address,
            "residents": place.residents, "timezone": place.timezone, "rooms": [r.id for r in place.rooms]}


def room_json(room: Room) -> dict:
    return {"id": room.id, "key": room.key, "name": room.name, "accommodation": room.accommodation_id,
            "capacity": room.capacity, "features": list(room.features or []),
            "open": [{"day": w["day"], "from": w["from"], "to": w["to"]} for w in room.open or []],
            "max_booking_minutes": room.max_booking_minutes, "max_days_ahead": room.max_days_ahead,
            "max_open_bookings": room.max_open_bookings}


def booking_json(booking: Booking) -> dict:
    tz = booking.room.tz
    return {"id": booking.id, "room": booking.room_id, "accommodation": booking.room.accommodation_id,
            "start": iso(booking.starts_at, tz), "end": iso(booking.ends_at, tz), "title": booking.title,
            "status": booking.status, "status_reason": booking.status_reason, "series": booking.series,
            "mine": None, "created_at": utc(booking.created_at), "category": booking.category,
            "languages": list(booking.languages or []), "audience": booking.audience,
            "description": booking.description or "", "participants": booking.participants,
            "public": bool(booking.public), "public_contact": booking.public_contact or "",
            "hidden_reason": booking.hidden_reason, "translations": booking.translations or None}


def booking_json_for(booking: Booking, user: User) -> dict:
    return {**booking_json(booking), "mine": booking.user_id == user.id}


def series_json(view, user: User) -> dict:
    """A booking series with every week and its state (a SeriesView of roombook.booking.series)."""
    series = view.series
    tz = series.room.tz
    return {"id": series.id, "uid": series.uid, "room": series.room_id,
            "accommodation": series.room.accommodation_id, "title": series.title,
            "mine": series.user_id == user.id, "created_at": utc(series.created_at),
            "dates": [{"booking": d.booking.id if d.booking is not None else None, "start": iso(d.start, tz),
                       "end": iso(d.end, tz), "room": d.room.id, "title": d.title, "state": d.state,
                       "reason": d.reason} for d in view.dates]}


def occurrence_json(occurrence: Occurrence) -> dict:
    tz = occurrence.room.tz
    offer = occurrence.offer_session.offer
    return {"id": occurrence.id, "offer": offer.id, "title": offer.title, "category": offer.category,
            "room": occurrence.room_id, "accommodation": occurrence.room.accommodation_id,
            "start": iso(occurrence.starts_at, tz), "end": iso(occurrence.ends_at, tz),
            "original_start": iso(occurrence.original_start, tz), "status": occurrence.status,
            "reason": occurrence.reason}


def offer_json(offer: Offer) -> dict:
    return {"id": offer.id, "key": offer.key, "title": offer.title, "description": offer.description,
            "category": offer.category, "accommodation": offer.accommodation_id,
            "duration_minutes": offer.duration_minutes, "sessions_per_week": offer.sessions_per_week,
            "participants": offer.participants, "guaranteed": offer.guaranteed,
            "valid_from": offer.valid_from.isoformat(),
            "valid_until": offer.valid_until.isoformat() if offer.valid_until else None,
            "providers": [p.name for p in offer.providers],
            "sessions": [{"day": s.day, "start": s.start.strftime("%H:%M"), "room": s.room_id,
                          "valid_from": s.valid_from.isoformat(),
                          "valid_until": s.valid_until.isoformat() if s.valid_until else None}
                         for s in offer.sessions]}


def token_json(token: ApiToken) -> dict:
    return {"id": token.id, "label": token.label, "prefix": token.prefix, "created_at": utc(token.created_at),
            "expires_at": utc(token.expires_at), "revoked_at": utc(token.revoked_at),
            "last_used_at": utc(token.last_used_at)}


def user_json(user: User) -> dict:
    return {"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
            "accommodations": sorted(a.id for a in user.accommodations),
            "provider": user.provider.name if user.provider else None}


def clash_json(clash: Clash, tz: ZoneInfo) -> dict:
    """Who booked and what for is not public: a booking clash says only 'belegt' (as the feeds do)."""
    title = clash.title if clash.kind != "booking" else PUBLIC_BOOKING
    return {"kind": clash.kind, "title": title, "start": iso(clash.start, tz), "end": iso(clash.end, tz)}


def alternative_json(option: dict, room_ids: dict[str, int], tz: ZoneInfo) -> dict:
    return {"room": room_ids.get(option["room"]), "room_name": option["room_name"],
            "start": iso(option["start"], tz), "end": iso(option["end"], tz)}
