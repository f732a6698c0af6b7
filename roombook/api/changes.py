"""API for room changes: recording a closure (which opens its change with the repair proposed per series), the
changes in the caller's scope, and applying one with a decision per series in one transaction.

Gates as on the management pages: facility managers for their accommodations, coordinators and admins for all;
a change or room outside the caller's scope is answered like a missing one.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, request, url_for

from roombook.access import permissions
from roombook.api.access import current_user, load, require
from roombook.api.blueprint import bp
from roombook.api.openapi import (
    ID,
    PAGE_PARAMS,
    TIME_INPUT,
    _json,
    _obj,
    _op,
    _path,
    _ref,
    register_paths,
)
from roombook.api.problems import ApiProblem, invalid
from roombook.api.schemas import (
    json_object,
    parse_instant,
    parse_int,
    parse_page,
    request_json,
    text,
    utc,
)
from roombook.booking.rooms import RoomInputError
from roombook.changes import deciding, telling
from roombook.changes.recording import Recorded, record_closure
from roombook.db import db, transaction
from roombook.models import Closure, Room, RoomChange, User
from roombook.models.reservations import ClosurePurpose

KINDS = list(ClosurePurpose.ALL)


def _local(instant: dt.datetime, tz) -> str:
    return instant.astimezone(tz).isoformat()


def _slot_json(slot: dict | None, rooms: dict[int, Room], tz) -> dict | None:
    if slot is None:
        return None
    room = rooms[slot["room_id"]]
    return {"room": room.id, "room_key": room.key, "room_name": room.name, "room_capacity": room.capacity,
            "accommodation": room.accommodation_id,
            "venue": {"name": room.name, "note": room.venue_note} if room.venue_note else None,
            "kind": slot["tier"], "travel_minutes": slot.get("travel_minutes"), "starts": [_local(dt.datetime.fromisoformat(s), tz) for s in slot["starts"]]}


def change_json(change: RoomChange) -> dict:
    tz = change.accommodation.tz
    ids = {s["room_id"] for item in change.items for s in [item.proposal, item.chosen, *item.options] if s}
    rooms = {r.id: r for r in db.session.scalars(sa.select(Room).where(Room.id.in_(ids)))} if ids else {}
    closure = db.session.get(Closure, change.closure_id) if change.closure_id else None
    return {
        "id": change.id, "status": change.status, "accommodation": change.accommodation_id, "room": change.room_id,
        "cause": change.cause, "reason": change.reason, "start": _local(change.starts_at, tz),
        "end": None if change.open_ended else _local(change.ends_at, tz), "open_ended": change.open_ended,
        "created_at": utc(change.created_at), "decided_at": utc(change.decided_at),
        "closure": closure_json(closure) if closure is not None else None,
        "items": [{
            "id": item.id, "kind": item.kind, "title": item.title, "participants": item.participants,
            "room": change.room_id, "dates": [_local(dt.datetime.fromisoformat(h["start"]), tz) for h in item.hits],
            "proposal": _slot_json(item.proposal, rooms, tz),
            "options": [_slot_json(option, rooms, tz) for option in item.options],
            "reason": item.reason or None, "status": item.status,
            "chosen": _slot_json(item.chosen, rooms, tz), "deadline": utc(item.deadline), "answer": item.answer,
        } for item in change.items],
        "notified": [{**{k: v for k, v in row.items() if k != "error"}, "sent_at": utc(row["sent_at"])}
                     for row in telling.told(db.session, change)] if change.status != "proposed" else [],
    }


def closure_json(closure: Closure) -> dict:
    tz = closure.room.tz
    return {"id": closure.id, "room": closure.room_id, "start": _local(closure.starts_at, tz),
            "end": None if closure.open_ended else _local(closure.ends_at, tz), "open_ended": closure.open_ended,
            "kind": closure.purpose, "reason": closure.reason}


def recorded_json(recorded: Recorded) -> dict:
    """What recording a closure answers, on the API and the command line alike."""
    return {"closure": closure_json(recorded.closure),
            "change": change_json(recorded.change) if recorded.change else None}


def _load_change(user: User, change_id: int) -> RoomChange:
    change = load(RoomChange, change_id)
    if not permissions.can_manage_rooms(user, change.accommodation):
        raise ApiProblem(404, "Not found", f"No change {change_id}.", kind="not-found")
    return change


@bp.post("/closures")
def create_closure():
    user = current_user()
    body = json_object(request_json(), {"room", "start", "end", "kind", "reason"}, {"room", "start", "end", "reason"})
    room_id = parse_int(body["room"], "room", minimum=1, maximum=2147483647)
    room = db.session.get(Room, room_id)
    if room is None or not permissions.can_manage_rooms(user, room.accommodation):
        require(permissions.can_use_manage_pages(user), "Only facility managers, coordinators and admins.")
        raise ApiProblem(404, "Not found", f"No room {room_id}.", kind="not-found")
    start = parse_instant(body["start"], "start", room.tz)
    # no end: the room is taken until further notice (a reassignment from `start` on)
    end = None if body["end"] is None else parse_instant(body["end"], "end", room.tz)
    kind = text(body, "kind", maximum=20, default=ClosurePurpose.OTHER)
    if kind not in KINDS:
        raise invalid("kind", "one of " + ", ".join(KINDS))
    reason = text(body, "reason", maximum=300)
    try:
        with transaction() as session:
            answer = recorded_json(record_closure(session, user, room, start, end, reason, kind))
    except RoomInputError as exc:
        raise invalid(exc.field if exc.field in ("start", "end", "reason", "kind") else "start", str(exc.message)) \
            from None
    location = url_for("api.get_change", change_id=answer["change"]["id"]) if answer["change"] else None
    return answer, 201, ({"Location": location} if location else {})


@bp.get("/changes")
def list_changes():
    user = current_user()
    require(permissions.can_use_manage_pages(user), "Only facility managers, coordinators and admins.")
    ids = [a.id for a in permissions.managed_accommodations(db.session, user)]
    status = request.args.get("status")
    if status is not None and status not in ("proposed", "applied", "discarded"):
        raise invalid("status", "'proposed', 'applied' or 'discarded'")
    query = sa.select(RoomChange).where(RoomChange.accommodation_id.in_(ids)).order_by(RoomChange.id.desc())
    if status:
        query = query.where(RoomChange.status == status)
    limit, offset = parse_page(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(limit).offset(offset)).all()
    return {"items": [change_json(c) for c in items], "total": total, "limit": limit, "offset": offset,
            "next": None if offset + limit >= total else f"{request.path}?limit={limit}&offset={offset + limit}"}


@bp.get("/changes/<int:change_id>")
def get_change(change_id: int):
    return change_json(_load_change(current_user(), change_id))


@bp.post("/changes/<int:change_id>/apply")
def apply_change(change_id: int):
    user = current_user()
    change = _load_change(user, change_id)
    body = json_object(request_json() or {}, {"decisions"}, set())
    decisions = body.get("decisions", [])
    if not isinstance(decisions, list) or len(decisions) > 1000:
        raise invalid("decisions", "a list of at most 1000 decisions is required")
    parsed = []
    for index, decision in enumerate(decisions):
        if not isinstance(decision, dict):
            raise invalid(f"decisions[{index}]", "an object is required")
        json_object(decision, {"item", "action", "option", "room", "day", "start"}, {"item"})
        entry = {"item": parse_int(decision["item"], "item", minimum=1, maximum=2147483647),
                 "action": text(decision, "action", maximum=20, default=deciding.ACCEPT)}
        if decision.get("option") is not None:
            entry["option"] = parse_int(decision["option"], "option", minimum=0, maximum=100)
        if entry["action"] == deciding.FREE:  # a room, weekday and local start chosen freely
            entry["room"] = parse_int(decision.get("room"), "room", minimum=1, maximum=2147483647)
            entry["day"] = text(decision, "day", maximum=3)
            entry["start"] = text(decision, "start", maximum=5)
        parsed.append(entry)
    try:
        with transaction() as session:
            deciding.apply_change(session, user, change, parsed, base_url=current_app.config["ROOMBOOK_BASE_URL"])
            answer = change_json(change)
    except deciding.ChangeRefused as exc:
        raise ApiProblem(exc.status, "Change refused", str(exc.message), kind="change-refused", field=exc.field,
                         items=exc.items) from None
    return answer


SLOT = _obj({"room": ID, "room_key": {"type": "string"}, "room_name": {"type": "string"},
             "room_capacity": {"type": "integer"}, "accommodation": ID,
             "venue": {"type": ["object", "null"]},
             "kind": {"enum": ["room", "time", "venue", "elsewhere"]}, "travel_minutes": {"type": ["integer", "null"]},
             "starts": {"type": "array", "items": {"type": "string"}}})
NULLABLE_SLOT = {"oneOf": [SLOT, {"type": "null"}]}
CLOSURE = _obj({"id": ID, "room": ID, "start": {"type": "string"}, "end": {"type": ["string", "null"]},
                "open_ended": {"type": "boolean"}, "kind": {"enum": KINDS}, "reason": {"type": "string"}})
CHANGE = _obj({
    "id": ID, "status": {"enum": ["proposed", "applied", "discarded"]}, "accommodation": ID, "room": ID,
    "cause": {"enum": ["closure", "opening_hours", "absence"]},
    "reason": {"type": "string"}, "start": {"type": "string"}, "end": {"type": ["string", "null"]},
    "open_ended": {"type": "boolean"},
    "created_at": {"type": "string"}, "decided_at": {"type": ["string", "null"]},
    "closure": {"oneOf": [_ref("Closure"), {"type": "null"}]},
    "items": {"type": "array", "items": _obj({
        "id": ID, "kind": {"enum": ["offer", "booking_series", "booking"]}, "title": {"type": "string"},
        "participants": {"type": ["integer", "null"]}, "room": ID,
        "dates": {"type": "array", "items": {"type": "string"}}, "proposal": NULLABLE_SLOT,
        "options": {"type": "array", "items": SLOT}, "reason": {"type": ["string", "null"]},
        "status": {"enum": ["open", "moved", "cancelled", "asked", "kept", "taken_over"]}, "chosen": NULLABLE_SLOT,
        "deadline": {"type": ["string", "null"]}, "answer": {"type": ["string", "null"]}})},
    "notified": {"type": "array", "items": _obj({
        "recipient": {"type": "string"}, "messages": {"type": "integer"},
        "state": {"enum": ["queued", "sent", "retrying", "failed"]}, "sent_at": {"type": ["string", "null"]}})},
})

register_paths({
    "/api/v1/closures": {"post": _op(
        "createClosure", "Close a room for a span: opens one room change with the repair proposed per series",
        {"201": {**_json("ClosureRecorded", "Recorded"), "headers": {"Location": {"schema": {"type": "string"}}}}},
        (400, 403, 404, 422), body="ClosureInput", tags=("room changes",))},
    "/api/v1/changes": {"get": _op(
        "listChanges", "Room changes of the caller's accommodations, newest first", {"200": _json("ChangePage")},
        (403, 422), parameters=[{"name": "status", "in": "query", "required": False,
                                 "schema": {"enum": ["proposed", "applied", "discarded"]}}, *PAGE_PARAMS],
        tags=("room changes",))},
    "/api/v1/changes/{change_id}": {"parameters": [_path("change_id")], "get": _op(
        "getChange", "One room change: its series, proposals and options, and who was told",
        {"200": _json("Change")}, (403, 404), tags=("room changes",))},
    "/api/v1/changes/{change_id}/apply": {"parameters": [_path("change_id")], "post": _op(
        "applyChange", "Apply a decision per series in one transaction (series not named take the proposal)",
        {"200": _json("Change", "Applied")}, (400, 403, 404, 409, 422), body="ChangeDecisions",
        tags=("room changes",))},
}, {
    "Closure": CLOSURE,
    "Change": CHANGE,
    "ChangePage": _obj({"items": {"type": "array", "items": _ref("Change")}, "total": {"type": "integer"},
                        "limit": {"type": "integer"}, "offset": {"type": "integer"},
                        "next": {"type": ["string", "null"]}}),
    "ClosureRecorded": _obj({"closure": _ref("Closure"), "change": {"oneOf": [_ref("Change"), {"type": "null"}]}}),
    "ClosureInput": _obj({"room": ID, "start": TIME_INPUT, "end": {"oneOf": [TIME_INPUT, {"type": "null"}]},
                          "kind": {"enum": KINDS}, "reason": {"type": "string", "minLength": 1, "maxLength": 300}},
                         ["room", "start", "end", "reason"], additionalProperties=False),
    "ChangeDecisions": _obj({"decisions": {"type": "array", "maxItems": 1000, "items": _obj(
        {"item": ID, "action": {"enum": list(deciding.ACTIONS)}, "option": {"type": "integer", "minimum": 0,
                                                                           "maximum": 100},
         "room": ID, "day": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
         "start": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                   "description": "local start of a place chosen freely (action 'free')"}},
        ["item"], additionalProperties=False)}}, [], additionalProperties=False),
})
