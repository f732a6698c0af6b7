"""GET /api/v1/free-slots: free slots of a given length across the city's rooms, for the caller."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import current_app, request

from roombook.api.access import current_user, find
from roombook.api.blueprint import bp
from roombook.api.openapi import (
    DATETIME,
    ID,
    INT32,
    PAGE_PARAMS,
    RANGE_PARAMS,
    _json,
    _obj,
    _op,
    _page,
    _query,
    register_paths,
)
from roombook.api.pagination import paginated_list
from roombook.api.problems import invalid
from roombook.api.schemas import iso, parse_int, parse_optional_int, parse_range
from roombook.booking.freeslots import (
    MAX_DAYS,
    MAX_WEEKS,
    WEEKDAYS,
    FreeSlot,
    SlotSearch,
    find_free_slots,
)
from roombook.db import db
from roombook.models import Accommodation

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")
_FEATURE = re.compile(r"[a-z0-9_-]{1,40}")
MAX_DURATION = 24 * 60
DEFAULT_DURATION = 60
MAX_CAPACITY = 10_000


def parse_hhmm(args, name: str) -> dt.time | None:
    """A local clock time HH:MM; '24:00' (the end of the day) is no bound at all."""
    if name not in args:
        return None
    value = args[name].strip()
    if not _HHMM.fullmatch(value):
        raise invalid(name, "a local time HH:MM is required, e.g. 18:00")
    return None if value == "24:00" else dt.time(int(value[:2]), int(value[3:]))


def _words(args, name: str, allowed: re.Pattern, hint: str) -> list[str]:
    if name not in args or not args[name].strip():
        return []
    words = [w.strip().lower() for w in args[name].split(",")]
    if len(words) > 20 or not all(allowed.fullmatch(w) for w in words):
        raise invalid(name, hint)
    return words


def _accommodation(args, name: str) -> Accommodation | None:
    object_id = parse_optional_int(args, name)
    if object_id is None:
        return None
    place = find(Accommodation, object_id)
    if place is None:
        raise invalid(name, f"no accommodation {object_id}")
    return place


def parse_search(args) -> SlotSearch:
    """The query string as a search; each refusal names its parameter."""
    tz = ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])
    start, end = parse_range(args, tz, default_days=7, max_days=MAX_DAYS)
    days = _words(args, "weekdays", re.compile("|".join(WEEKDAYS)), "weekdays as mon,tue,…,sun")
    after, before = parse_hhmm(args, "after"), parse_hhmm(args, "before")
    duration = parse_int(args.get("duration", str(DEFAULT_DURATION)), "duration", minimum=15, maximum=MAX_DURATION)
    if after is not None and before is not None and \
            dt.datetime.combine(dt.date.min, before) - dt.datetime.combine(dt.date.min, after) < dt.timedelta(
                minutes=duration):
        raise invalid("before", "must leave room for the duration after 'after'")
    features = _words(args, "features", _FEATURE, "features as names separated by commas, e.g. step_free,kitchen")
    accommodation = _accommodation(args, "accommodation")
    return SlotSearch(
        start=start, end=end, duration=dt.timedelta(minutes=duration),
        weekdays=frozenset(WEEKDAYS.index(d) for d in days) if days else frozenset(range(7)),
        after=after, before=before,
        min_capacity=parse_optional_int(args, "min_capacity", maximum=MAX_CAPACITY),
        features=frozenset(features), accommodation_id=accommodation.id if accommodation else None,
        near=_accommodation(args, "near"), weeks=parse_optional_int(args, "weeks", maximum=MAX_WEEKS) or 1)


def free_slot_json(slot: FreeSlot) -> dict:
    room, tz = slot.room, slot.room.tz
    return {"room": room.id, "room_key": room.key, "room_name": room.name,
            "accommodation": room.accommodation_id, "accommodation_key": slot.accommodation.key,
            "accommodation_name": slot.accommodation.name, "capacity": room.capacity,
            "features": list(room.features or []), "start": iso(slot.start, tz), "end": iso(slot.end, tz),
            "dates": [{"start": iso(s, tz), "end": iso(e, tz)} for s, e in slot.dates],
            "distance_km": None if slot.distance_km is None else round(slot.distance_km, 2)}


@bp.get("/free-slots")
def list_free_slots():
    """Free slots across the city that the caller may book, best first."""
    search = parse_search(request.args)
    return paginated_list(find_free_slots(db.session, current_user(), search), free_slot_json)


_LIST = {"type": "string", "maxLength": 400}
register_paths({
    "/api/v1/free-slots": {"get": _op(
        "listFreeSlots", "Free slots of a length across all rooms the caller may book (at most 31 days), "
                         "ranked by distance (with `near`), fit (spare seats and features), then time",
        {"200": _json("FreeSlotPage")}, (422,), tags=("places",), parameters=[
            *RANGE_PARAMS,
            _query("weekdays", _LIST, "only these days, e.g. `mon,tue`"),
            _query("after", {"type": "string", "maxLength": 5}, "local HH:MM: no slot starts earlier"),
            _query("before", {"type": "string", "maxLength": 5}, "local HH:MM: no slot ends later"),
            _query("duration", {"type": "integer", "minimum": 15, "maximum": MAX_DURATION},
                   f"minutes, default {DEFAULT_DURATION}"),
            _query("min_capacity", {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY}, "seats at least"),
            _query("features", _LIST, "the room has all of them, e.g. `step_free,kitchen`"),
            _query("accommodation", INT32, "only this accommodation"),
            _query("near", INT32, "rank by distance from this accommodation"),
            _query("weeks", {"type": "integer", "minimum": 1, "maximum": MAX_WEEKS},
                   "the same local slot free this many weeks running (a weekly booking)"),
            *PAGE_PARAMS])},
}, {
    "FreeSlot": _obj({
        "room": ID, "room_key": {"type": "string"}, "room_name": {"type": "string"}, "accommodation": ID,
        "accommodation_key": {"type": "string"}, "accommodation_name": {"type": "string"},
        "capacity": {"type": "integer"}, "features": {"type": "array", "items": {"type": "string"}},
        "start": DATETIME, "end": DATETIME,
        "dates": {"type": "array", "items": _obj({"start": DATETIME, "end": DATETIME}),
                  "description": "the slot in each asked week, the first included"},
        "distance_km": {"type": ["number", "null"], "description": "from `near`; null without it or coordinates"}}),
    "FreeSlotPage": _page("FreeSlot"),
})
