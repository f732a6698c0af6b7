"""The OpenAPI 3.1 document of /api/v1. Kept next to the views it describes; the schemathesis run in
the test suite sends generated requests to every operation and checks each answer against it."""
from __future__ import annotations

import copy
from functools import cache

INT32 = {"type": "integer", "minimum": 1, "maximum": 2147483647}
ID = {"type": "integer", "minimum": 1}
DATETIME = {"type": "string", "description": "ISO 8601 date-time in the accommodation's local time, with offset"}
NULLABLE_DATETIME = {"type": ["string", "null"]}
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
TIME_INPUT = {"type": "string", "maxLength": 40, "pattern": TIME_PATTERN,
              "description": "ISO 8601: with an offset (`2027-03-01T10:00+01:00`, `…Z`) or local wall-clock time "
                             "of the room's accommodation (`2027-03-01T10:00`); a date means its midnight."}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(item)}, "total": {"type": "integer", "minimum": 0},
                 "limit": {"type": "integer", "minimum": 1, "maximum": 200},
                 "offset": {"type": "integer", "minimum": 0}, "next": {"type": ["string", "null"]}})


# A booking as an offer for residents (roombook.booking.offer_details), named as the offers' fields are.
_CATEGORIES = ["language_course", "daily_life_course", "office_hours", "counselling", "procedural_counselling",
               "volunteer_activity", "training", "other"]
_AUDIENCES = ["everyone", "women", "men", "children", "youth", "families", "seniors"]
_TRANSLATION_LANGUAGES = ["en", "ar", "fa", "uk", "tr", "ru", "fr"]
TRANSLATIONS = {"type": ["object", "null"], "description": "title and description in further residents' languages",
                "propertyNames": {"enum": _TRANSLATION_LANGUAGES},
                "additionalProperties": {"type": "object", "additionalProperties": False, "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "description": {"type": "string", "maxLength": 1000}}}}
OFFER_DETAILS = {
    "category": {"type": ["string", "null"], "enum": [*_CATEGORIES, None]},
    "languages": {"type": "array", "items": {"type": "string"}, "description": "languages spoken (ISO 639-1)"},
    "audience": {"type": ["string", "null"], "enum": [*_AUDIENCES, None]},
    "description": {"type": "string", "maxLength": 1000},
    "participants": {"type": ["integer", "null"], "minimum": 1, "description": "at most the room's seats"},
    "public": {"type": "boolean", "description": "shown on the residents' pages, poster and public feeds"},
    "public_contact": {"type": "string", "maxLength": 200,
                       "description": "a contact the owner gives residents; the only personal detail shown"},
}
OFFER_INPUT = {**OFFER_DETAILS, "languages": {"type": "array", "maxItems": 8, "items": {"type": "string"}},
               "translations": TRANSLATIONS}
BOOKING_REQUIRED = ("id", "room", "accommodation", "start", "end", "title", "status", "status_reason", "series",
                    "mine", "created_at", *OFFER_DETAILS, "hidden_reason", "translations")

SCHEMAS = {
    "Problem": _obj({
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "field": {"type": "string", "description": "the input at fault"},
        "errors": {"type": "array", "items": _obj({"field": {"type": "string"}, "detail": {"type": "string"}})},
        "clashes": {"type": "array", "items": _ref("Clash")},
        "alternatives": {"type": "array", "items": _ref("Alternative")},
        "refused": {"type": "array", "description": "each week or date refused, with why (and for a refused "
                                                     "change, which booking and its free alternatives)",
                    "items": _obj({"start": DATETIME, "field": {"type": "string"}, "detail": {"type": "string"},
                                   "booking": ID, "alternatives": {"type": "array", "items": _ref("Alternative")}},
                                  ["start", "field", "detail"])},
    }, ["type", "title", "status"]),
    "Clash": _obj({"kind": {"enum": ["booking", "occurrence", "closure"]},
                   "title": {"type": "string", "description": "offer title, closure reason, or 'belegt' (someone's booking)"},
                   "start": DATETIME, "end": DATETIME}),
    "Alternative": _obj({"room": {"type": ["integer", "null"]}, "room_name": {"type": "string"},
                         "start": DATETIME, "end": DATETIME}),
    "Accommodation": _obj({"id": ID, "key": {"type": "string"}, "name": {"type": "string"},
                           "address": {"type": ["string", "null"]}, "residents": {"type": ["integer", "null"]},
                           "timezone": {"type": "string"}, "rooms": {"type": "array", "items": ID}}),
    "Room": _obj({"id": ID, "key": {"type": "string"}, "name": {"type": "string"}, "accommodation": ID,
                  "capacity": {"type": "integer"}, "features": {"type": "array", "items": {"type": "string"}},
                  "open": {"type": "array", "items": _obj({"day": {"enum": DAYS}, "from": {"type": "string"},
                                                           "to": {"type": "string"}})},
                  "max_booking_minutes": {"type": "integer"}, "max_days_ahead": {"type": "integer"},
                  "max_open_bookings": {"type": "integer"}}),
    "Availability": _obj({"room": ID, "from": DATETIME, "to": DATETIME,
                          "free": {"type": "array", "items": _obj({"start": DATETIME, "end": DATETIME})}}),
    "Offer": _obj({"id": ID, "key": {"type": "string"}, "title": {"type": "string"},
                   "description": {"type": "string"}, "category": {"type": "string"}, "accommodation": ID,
                   "duration_minutes": {"type": "integer"}, "sessions_per_week": {"type": "integer"},
                   "participants": {"type": "integer"}, "guaranteed": {"type": "boolean"},
                   "valid_from": {"type": "string", "format": "date"},
                   "valid_until": {"type": ["string", "null"], "format": "date"},
                   "providers": {"type": "array", "items": {"type": "string"}},
                   "sessions": {"type": "array", "items": _obj({
                       "day": {"enum": DAYS}, "start": {"type": "string"}, "room": ID,
                       "valid_from": {"type": "string", "format": "date"},
                       "valid_until": {"type": ["string", "null"], "format": "date"}})}}),
    "Occurrence": _obj({"id": ID, "offer": ID, "title": {"type": "string"}, "category": {"type": "string"},
                        "room": ID, "accommodation": ID, "start": DATETIME, "end": DATETIME,
                        "original_start": DATETIME, "status": {"enum": ["scheduled", "cancelled", "moved"]},
                        "reason": {"type": "string"}}),
    "Booking": _obj({"id": ID, "room": ID, "accommodation": ID, "start": DATETIME, "end": DATETIME,
                     "title": {"type": "string"}, "status": {"enum": ["active", "cancelled", "displaced"]},
                     "status_reason": {"type": "string"}, "series": {"type": ["string", "null"]},
                     "mine": {"type": "boolean", "description": "booked by the caller"},
                     "created_at": DATETIME, **OFFER_DETAILS,
                     "hidden_reason": {"type": ["string", "null"],
                                       "description": "why the accommodation's managers hid the public offer"},
                     "translations": TRANSLATIONS},
                    [*BOOKING_REQUIRED]),
    "BookingInput": _obj({"room": INT32, "start": TIME_INPUT, "end": TIME_INPUT,
                          "title": {"type": "string", "minLength": 1, "maxLength": 200}, **OFFER_INPUT},
                         ["room", "start", "end", "title"], additionalProperties=False),
    "SeriesInput": _obj({"room": INT32, "start": TIME_INPUT, "end": TIME_INPUT,
                         "title": {"type": "string", "minLength": 1, "maxLength": 200},
                         "weeks": {"type": "integer", "minimum": 2, "maximum": 52,
                                   "description": "how many weeks; or give `until`"},
                         "until": {**TIME_INPUT, "description": "the date of the last week (instead of `weeks`)"},
                         "book_rest": {"type": "boolean", "description": "book the other weeks when some are "
                                                                         "refused (default: all or nothing)"},
                         **OFFER_INPUT},
                        ["room", "start", "end", "title"], additionalProperties=False),
    "Series": _obj({
        "id": ID, "uid": {"type": "string", "description": "the iCal UID all its dates share"},
        "room": ID, "accommodation": ID, "title": {"type": "string"},
        "mine": {"type": "boolean", "description": "booked by the caller"}, "created_at": DATETIME,
        "dates": {"type": "array", "description": "every week in time order, each with its own state",
                  "items": _obj({"booking": {"type": ["integer", "null"], "description": "null for a week "
                                                                                          "skipped or refused"},
                                 "start": DATETIME, "end": DATETIME, "room": ID, "title": {"type": "string"},
                                 "state": {"enum": ["active", "cancelled", "displaced", "skipped", "refused"]},
                                 "reason": {"type": "string"}})}},
        description="A weekly booking series. Changed in 1.1: before, POST /booking-series answered "
                    "{series: uid, bookings: [...]}; now it and GET /booking-series/{id} answer this object."),
    "BookingChange": _obj({
        "start_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                       "description": "local wall-clock start HH:MM, kept across DST"},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 20160},
        "room": INT32, "title": {"type": "string", "minLength": 1, "maxLength": 200},
        **{name: OFFER_INPUT[name] for name in OFFER_DETAILS}},
        [], additionalProperties=False, minProperties=1,
        description="the fields to set on every date in scope; the offer details are checked as a whole for each "
                    "date's room (participants at most its seats, a public offer needs a category)"),
    "BookingChangeResult": _obj({"scope": {"enum": ["this", "following", "series"]},
                                 "changed": {"type": "array", "items": _ref("Booking")},
                                 "series": {"oneOf": [_ref("Series"), {"type": "null"}]}}),
    "Token": _obj({"id": ID, "label": {"type": "string"}, "prefix": {"type": "string"}, "created_at": DATETIME,
                   "expires_at": NULLABLE_DATETIME, "revoked_at": NULLABLE_DATETIME,
                   "last_used_at": NULLABLE_DATETIME}),
    "TokenInput": _obj({"email": {"type": "string", "maxLength": 254}, "password": {"type": "string", "maxLength": 1000},
                        "label": {"type": "string", "maxLength": 120},
                        "expires_in_days": {"type": ["integer", "null"], "minimum": 1, "maximum": 3650}},
                       ["email", "password"], additionalProperties=False),
    "User": _obj({"id": ID, "email": {"type": "string"}, "display_name": {"type": "string"},
                  "role": {"enum": ["admin", "coordinator", "facility_manager", "department", "volunteer"]},
                  "accommodations": {"type": "array", "items": ID}, "provider": {"type": ["string", "null"]}}),
    "Export": {"type": "object", "required": ["exported_at", "user", "volunteer_profile", "bookings", "api_tokens",
                                              "feed_tokens", "logins", "audit_events", "mail"],
               "properties": {"volunteer_profile": {
                   "type": ["object", "null"], "description": "A volunteer's skills and wishes (null without one).",
                   "required": ["languages", "skills", "accommodations", "available", "max_minutes_per_week",
                                "note", "updated_at"]},
                   "absences": {"type": "array", "description": "A volunteer's days away, with their note.",
                                "items": {"type": "object", "required": ["starts_on", "ends_on", "note"]}},
                   "logins": {"type": "array", "description": "The browsers signed in on the web pages (no secrets).",
                              "items": {"type": "object", "required": ["created_at", "expires_at", "remember"]}}},
               "description": "Everything roombook stores about the caller."},
}
SCHEMAS["NewToken"] = {"allOf": [_ref("Token"), _obj({"token": {"type": "string",
                                                               "description": "the secret, shown only once"}})]}
for _name in ("Accommodation", "Room", "Offer", "Occurrence", "Booking"):
    SCHEMAS[_name + "Page"] = _page(_name)

PROBLEM = {"application/problem+json": {"schema": _ref("Problem")}}
_DESCRIPTIONS = {400: "Malformed JSON", 401: "No valid token", 403: "The role may not do this",
                 404: "Not found, or not visible to the caller", 405: "Method not allowed",
                 409: "The room is taken: the clashes are listed", 422: "Invalid input: `field` names it",
                 429: "Rate limited (failed authentications, token requests)"}


def _json(schema_name: str, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _problems(*codes: int) -> dict:
    return {str(code): {"description": _DESCRIPTIONS[code], "content": PROBLEM} for code in codes}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INT32}


PAGE_PARAMS = [_query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size, default 50"),
               _query("offset", {"type": "integer", "minimum": 0, "maximum": 1000000}, "items to skip")]
RANGE_PARAMS = [_query("from", TIME_INPUT, "start of the range; default the start of today"),
                _query("to", TIME_INPUT, "end of the range; default a week after `from`")]
SCOPE_PARAMS = [_query("room", INT32, "only this room"), _query("accommodation", INT32, "only this accommodation")]
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]+$"},
               "description": "A retried POST with the same key and body answers like the first and books nothing "
                              "again."}
AUTHED = (401, 429)
SCOPE = _query("scope", {"enum": ["this", "following", "series"]},
               "which dates: this one (default), this and the following, or the whole series")


def _op(op_id: str, summary: str, ok: dict, problems: tuple[int, ...], *, parameters: list | None = None,
        body: str | None = None, public: bool = False, tags: tuple[str, ...] = ()) -> dict:
    op = {"operationId": op_id, "summary": summary, "tags": list(tags),
          "responses": {**ok, **_problems(*sorted(set(problems) | (set() if public else set(AUTHED))))}}
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    if public:
        op["security"] = []
    return op


PATHS = {
    "/api/v1/ping": {"get": _op("ping", "A trivial health check (no database)", {"200": {
        "description": "OK", "content": {"application/json": {"schema": _obj({"status": {"const": "ok"}})}}}},
        (), public=True, tags=("meta",))},
    "/api/v1/openapi.json": {"get": _op("openapi", "This document", {"200": {
        "description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
        (), public=True, tags=("meta",))},
    "/api/v1/tokens": {
        "post": _op("createToken", "Get a token with email and password (rate-limited)", {
            "201": _json("NewToken", "The new token; its secret is shown only now")}, (400, 401, 422, 429),
            body="TokenInput", public=True, tags=("tokens",)),
        "get": _op("listTokens", "The caller's tokens (never their secrets)", {"200": {
            "description": "OK", "content": {"application/json": {"schema": _obj(
                {"items": {"type": "array", "items": _ref("Token")}})}}}}, (), tags=("tokens",)),
    },
    "/api/v1/tokens/{token_id}": {
        "parameters": [_path("token_id")],
        "delete": _op("revokeToken", "Revoke one of the caller's tokens (admins: anyone's)", {
            "200": _json("Token", "The revoked token")}, (404,), tags=("tokens",)),
    },
    "/api/v1/me": {
        "get": _op("me", "The caller", {"200": _json("User")}, (), tags=("data protection",)),
        "delete": _op("deleteMe", "Delete the caller's account and personal data (the password confirms)", {
            "204": {"description": "Deleted; past bookings stay in the room history without the name"}},
            (400, 403, 422), body="PasswordInput", tags=("data protection",)),
    },
    "/api/v1/me/export": {"get": _op("exportMe", "Everything stored about the caller", {"200": _json("Export")},
                                     (), tags=("data protection",))},
    "/api/v1/users/{user_id}": {
        "parameters": [_path("user_id")],
        "delete": _op("deleteUser", "Delete a person's account and personal data (admins)", {
            "204": {"description": "Deleted"}}, (403, 404), tags=("data protection",)),
    },
    "/api/v1/accommodations": {"get": _op("listAccommodations", "Accommodations", {
        "200": _json("AccommodationPage")}, (422,), parameters=PAGE_PARAMS, tags=("places",))},
    "/api/v1/accommodations/{accommodation_id}": {
        "parameters": [_path("accommodation_id")],
        "get": _op("getAccommodation", "One accommodation", {"200": _json("Accommodation")}, (404,),
                   tags=("places",))},
    "/api/v1/rooms": {"get": _op("listRooms", "Rooms", {"200": _json("RoomPage")}, (422,),
                                 parameters=[SCOPE_PARAMS[1], *PAGE_PARAMS], tags=("places",))},
    "/api/v1/rooms/{room_id}": {
        "parameters": [_path("room_id")],
        "get": _op("getRoom", "One room with its opening hours and rules", {"200": _json("Room")}, (404,),
                   tags=("places",))},
    "/api/v1/rooms/{room_id}/availability": {
        "parameters": [_path("room_id")],
        "get": _op("getAvailability", "Free intervals of a room (at most 31 days)", {"200": _json("Availability")},
                   (404, 422), parameters=RANGE_PARAMS, tags=("places",))},
    "/api/v1/offers": {"get": _op("listOffers", "Offers with their weekly slots", {"200": _json("OfferPage")},
                                  (422,), parameters=[SCOPE_PARAMS[1], *PAGE_PARAMS], tags=("offers",))},
    "/api/v1/offers/{offer_id}": {
        "parameters": [_path("offer_id")],
        "get": _op("getOffer", "One offer", {"200": _json("Offer")}, (404,), tags=("offers",))},
    "/api/v1/occurrences": {"get": _op("listOccurrences", "Dated occurrences of offers (at most 92 days)", {
        "200": _json("OccurrencePage")}, (404, 422), parameters=[*SCOPE_PARAMS, *RANGE_PARAMS, *PAGE_PARAMS],
        tags=("offers",))},
    "/api/v1/occurrences/{occurrence_id}": {
        "parameters": [_path("occurrence_id")],
        "get": _op("getOccurrence", "One occurrence", {"200": _json("Occurrence")}, (404,), tags=("offers",))},
    "/api/v1/bookings": {
        "get": _op("listBookings", "Bookings the caller may see: their own, and all in accommodations they manage",
                   {"200": _json("BookingPage")}, (404, 422),
                   parameters=[*SCOPE_PARAMS, *RANGE_PARAMS, *PAGE_PARAMS], tags=("bookings",)),
        "post": _op("createBooking", "Book a room", {"201": {
            **_json("Booking", "Booked"), "headers": {"Location": {"schema": {"type": "string"}}}}},
            (400, 403, 409, 422), body="BookingInput", parameters=[IDEMPOTENCY], tags=("bookings",)),
    },
    "/api/v1/booking-series": {
        "post": _op("createBookingSeries", "Book the same slot every week: all weeks or none (or, with "
                    "`book_rest`, the bookable ones)", {
                        "201": {**_json("Series", "Booked; the series with every week and its state"),
                                "headers": {"Location": {"schema": {"type": "string"}}}}},
                    (400, 403, 409, 422), body="SeriesInput", parameters=[IDEMPOTENCY], tags=("bookings",))},
    "/api/v1/booking-series/{series_id}": {
        "parameters": [_path("series_id")],
        "get": _op("getBookingSeries", "A booking series with every week and its state", {"200": _json("Series")},
                   (404,), tags=("bookings",))},
    "/api/v1/bookings/{booking_id}": {
        "parameters": [_path("booking_id")],
        "get": _op("getBooking", "One booking", {"200": _json("Booking")}, (404,), tags=("bookings",)),
        "patch": _op("changeBooking", "Change this date, this and the following, or every date of its series: "
                     "the given fields get the same value on every date in scope not yet begun; all or nothing "
                     "(409 lists each refused date with its reason and alternatives)",
                     {"200": _json("BookingChangeResult", "Changed")}, (400, 403, 404, 409, 422),
                     body="BookingChange", parameters=[SCOPE], tags=("bookings",)),
        "delete": _op("cancelBooking", "Cancel this date, this and the following, or the whole series (one "
                      "reason for all); answers the booking named", {"200": _json("Booking", "Cancelled")},
                      (403, 404, 422), parameters=[_query("reason", {"type": "string", "maxLength": 300}), SCOPE],
                      tags=("bookings",)),
    },
}
SCHEMAS["PasswordInput"] = _obj({"password": {"type": "string", "maxLength": 1000}}, additionalProperties=False)


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Other API modules (conflicts, plan runs, feeds) add their operations here when they load."""
    PATHS.update(paths)
    SCHEMAS.update(schemas or {})
    document.cache_clear()


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "roombook API", "version": "1.1.0",
                 "description": "Booking the shared social rooms of municipal refugee accommodations. "
                                "Authenticate with `Authorization: Bearer <token>`. Times are ISO 8601; "
                                "answers give local time with offset. Errors are RFC 9457 problem documents."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": copy.deepcopy(PATHS),
        "components": {"schemas": copy.deepcopy(SCHEMAS),
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
