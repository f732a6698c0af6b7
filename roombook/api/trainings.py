"""API for trainings: the coordinator creates one with its sessions (rooms booked through the booking
engine), volunteers sign up for themselves and cancel; a freed seat goes to the first on the waiting list.

Who sees what: everyone signed in sees the trainings; the coordinator (and admins) also every sign-up, a
volunteer only their own. A sign-up that is not the caller's (nor the coordinator's to cancel) is answered
like a missing one.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale

from roombook import clock
from roombook.access import permissions
from roombook.api.access import current_user, find, load, require
from roombook.api.blueprint import bp
from roombook.api.openapi import (
    DATETIME,
    ID,
    INT32,
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
    iso,
    json_object,
    parse_instant,
    parse_int,
    request_json,
    text,
)
from roombook.coordination import trainings as rules
from roombook.db import db, transaction
from roombook.models import Room, Training, TrainingSignup, User
from roombook.models.trainings import SignupStatus


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ROOMBOOK_TIMEZONE"])


def _signup_json(signup: TrainingSignup, *, with_person: bool = False) -> dict:
    answer = {"id": signup.id, "status": signup.status, "position": signup.position,
              "moved_up": signup.promoted_at is not None, "completed": signup.completed_at is not None}
    if with_person:
        answer["user"] = signup.user_id
        answer["name"] = signup.user.display_name or signup.user.email
    return answer


def _training_json(training: Training, user: User, mine: TrainingSignup | None) -> dict:
    tz = _tz()
    answer = {"id": training.id, "title": training.title, "description": training.description,
              "seats": training.seats, "seats_taken": rules.seats_taken(training),
              "waiting": len(rules.waiting_list(training)), "deadline": iso(training.deadline, tz),
              "qualification": training.grants_kind.code if training.grants_kind else None,
              "requires": training.requires_kind.code if training.requires_kind else None,
              "sessions": [{"id": s.id, "room": s.booking.room_id if s.booking is not None else None,
                            "place": s.place, "start": iso(s.starts_at, tz), "end": iso(s.ends_at, tz)}
                           for s in training.sessions],
              "mine": _signup_json(mine) if mine is not None and mine.status != SignupStatus.CANCELLED else None}
    if permissions.can_coordinate(user):
        answer["signups"] = [_signup_json(s, with_person=True) for s in training.signups
                             if s.status != SignupStatus.CANCELLED]
    return answer


def _problem(exc: rules.TrainingError) -> ApiProblem:
    """The refusal as a problem document, in English as the API's other answers."""
    with force_locale("en"):
        detail = str(exc.message)
    if exc.status == 409:
        return ApiProblem(409, "Conflict", detail, kind="training-conflict", field=exc.field)
    if exc.status == 403:
        return ApiProblem(403, "Forbidden", detail, kind="forbidden")
    return invalid(exc.field, detail)


def _sessions(value, tz: ZoneInfo) -> list[rules.PlannedSession]:
    if not isinstance(value, list) or not value:
        raise invalid("sessions", "a non-empty array of sessions is required")
    if len(value) > rules.MAX_SESSIONS:
        raise invalid("sessions", f"at most {rules.MAX_SESSIONS} sessions")
    planned = []
    for index, item in enumerate(value):
        field = f"sessions[{index}]"
        if not isinstance(item, dict):
            raise invalid(field, "an object with 'room' or 'place', 'start' and 'end' is required")
        for key in sorted(item):
            if key not in ("room", "place", "start", "end"):
                raise invalid(f"{field}.{key}", f"unknown field '{key}'")
        if ("room" in item) == ("place" in item):
            raise invalid(f"{field}.room", "give either 'room' or 'place'")
        for key in ("start", "end"):
            if key not in item:
                raise invalid(f"{field}.{key}", f"'{key}' is required")
        room = None
        if "room" in item:
            room = find(Room, parse_int(item["room"], f"{field}.room"))
            if room is None:
                raise invalid(f"{field}.room", "no such room")
        place = text(item, "place", maximum=rules.MAX_PLACE, default="") if "place" in item else ""
        if "place" in item and not place.strip():
            raise invalid(f"{field}.place", "must not be empty")
        zone = room.tz if room is not None else tz
        planned.append(rules.PlannedSession(start=parse_instant(item["start"], f"{field}.start", zone),
                                            end=parse_instant(item["end"], f"{field}.end", zone),
                                            room=room, place=place))
    return planned


@bp.post("/trainings")
def create_training():
    user = current_user()
    require(permissions.can_coordinate(user), "Only the coordinator and admins create trainings.")
    body = json_object(request_json(), {"title", "description", "sessions", "seats", "deadline", "qualification",
                                           "requires"},
                       {"title", "sessions", "seats", "deadline"})
    tz = _tz()
    title = text(body, "title", maximum=rules.MAX_TITLE)
    description = text(body, "description", maximum=rules.MAX_DESCRIPTION, default="", multiline=True)
    seats = parse_int(body["seats"], "seats", minimum=1, maximum=rules.MAX_SEATS)
    deadline = parse_instant(body["deadline"], "deadline", tz)
    sessions = _sessions(body["sessions"], tz)
    qualification, requires = body.get("qualification"), body.get("requires")
    for name, value in (("qualification", qualification), ("requires", requires)):
        if value is not None and (not isinstance(value, str) or len(value) > 64):
            raise invalid(name, "a qualification code (string) or null")
    try:
        with transaction() as session:
            training = rules.create_training(session, user, title=title, description=description, seats=seats,
                                             deadline=deadline, sessions=sessions, qualification=qualification,
                                             requires=requires, now=clock.now())
            answer = _training_json(training, user, None)
    except rules.TrainingError as exc:
        raise _problem(exc) from None
    return answer, 201, {"Location": url_for("api.get_training", training_id=answer["id"])}


@bp.get("/trainings")
def list_trainings():
    user = current_user()
    trainings = rules.all_trainings(db.session) if permissions.can_coordinate(user) \
        else rules.upcoming(db.session, clock.now())
    mine = rules.signups_of_user(db.session, user)
    return {"items": [_training_json(t, user, mine.get(t.id)) for t in trainings]}


@bp.get("/trainings/<int:training_id>")
def get_training(training_id: int):
    user = current_user()
    training = load(Training, training_id)
    return _training_json(training, user, rules.signup_of(db.session, training, user))


@bp.post("/trainings/<int:training_id>/signups")
def sign_up(training_id: int):
    user = current_user()
    training = load(Training, training_id)
    body = request_json()
    if body not in (None, {}):
        raise invalid("body", "send no body (or {}): a volunteer signs up themself")
    try:
        with transaction() as session:
            signup = rules.sign_up(session, user, training, now=clock.now())
            answer = {"id": signup.id, "status": signup.status, "position": signup.position}
    except rules.TrainingError as exc:
        raise _problem(exc) from None
    return answer, 201, {"Location": url_for("api.get_training", training_id=training_id)}


@bp.delete("/trainings/<int:training_id>/signups/<int:signup_id>")
def cancel_signup(training_id: int, signup_id: int):
    user = current_user()
    training = load(Training, training_id)
    signup = find(TrainingSignup, signup_id)
    if signup is None or signup.training_id != training.id or not (
            signup.user_id == user.id or permissions.can_coordinate(user)):
        raise ApiProblem(404, "Not found", f"No sign-up {signup_id}.", kind="not-found")
    with transaction() as session:
        moved = rules.cancel_signup(session, user, signup, now=clock.now(),
                                    base_url=current_app.config["ROOMBOOK_BASE_URL"])
        answer = {**_signup_json(signup), "moved_up_signup": moved.id if moved is not None else None}
    return answer


SIGNUP = _obj({"id": ID, "status": {"enum": ["confirmed", "waitlisted", "cancelled"]},
               "position": {"type": ["integer", "null"], "minimum": 1,
                            "description": "1-based place on the waiting list; null unless waiting"},
               "moved_up": {"type": "boolean", "description": "a freed seat moved them up from the waiting list"},
               "completed": {"type": "boolean"}, "user": ID, "name": {"type": "string"}},
              ["id", "status", "position", "moved_up", "completed"])
register_paths({
    "/api/v1/trainings": {
        "get": _op("listTrainings", "Trainings: the coordinator sees all with their sign-ups, others the coming "
                   "ones with their own status", {"200": {"description": "OK", "content": {"application/json": {
                       "schema": _obj({"items": {"type": "array", "items": _ref("Training")}})}}}}, (),
                   tags=("trainings",)),
        "post": _op("createTraining", "Create a training; its rooms are booked at once, all or nothing (a "
                    "session's room taken: 409 naming it)", {"201": {
                        **_json("Training", "Created"), "headers": {"Location": {"schema": {"type": "string"}}}}},
                    (400, 403, 409, 422), body="TrainingInput", tags=("trainings",)),
    },
    "/api/v1/trainings/{training_id}": {
        "parameters": [_path("training_id")],
        "get": _op("getTraining", "One training", {"200": _json("Training")}, (404,), tags=("trainings",))},
    "/api/v1/trainings/{training_id}/signups": {
        "parameters": [_path("training_id")],
        "post": _op("signUpForTraining", "Sign up yourself (volunteers): a seat while one is left, else the next "
                    "place on the waiting list; a second sign-up 409, after the deadline 422", {"201": {
                        **_json("SignupResult", "Signed up or waiting"),
                        "headers": {"Location": {"schema": {"type": "string"}}}}},
                    (400, 403, 404, 409, 422), tags=("trainings",))},
    "/api/v1/trainings/{training_id}/signups/{signup_id}": {
        "parameters": [_path("training_id"), _path("signup_id")],
        "delete": _op("cancelTrainingSignup", "Cancel a sign-up (your own; the coordinator any): the first who "
                      "waits moves up until the deadline, and is told", {"200": _json("SignupCancelled")},
                      (404,), tags=("trainings",))},
}, {
    "TrainingInput": _obj({
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 4000},
        "sessions": {"type": "array", "minItems": 1, "maxItems": 20, "items": _obj({
            "room": INT32, "place": {"type": "string", "minLength": 1, "maxLength": 300},
            "start": TIME_INPUT, "end": TIME_INPUT}, ["start", "end"], additionalProperties=False,
            description="a room (booked for the session) or an outside place")},
        "seats": {"type": "integer", "minimum": 1, "maximum": 1000},
        "deadline": {**TIME_INPUT, "description": "sign-ups close then; at the latest the first session's start"},
        "qualification": {"type": ["string", "null"], "maxLength": 64,
                          "description": "granted to who attends every session: a kind's code (first_aid, "
                                         "asylum_law, …) or 'training' for 'completed this training'"},
        "requires": {"type": ["string", "null"], "maxLength": 64,
                     "description": "who may attend: only volunteers holding this qualification (default: all)"}},
        ["title", "sessions", "seats", "deadline"], additionalProperties=False),
    "Training": _obj({
        "id": ID, "title": {"type": "string"}, "description": {"type": "string"},
        "seats": {"type": "integer"}, "seats_taken": {"type": "integer"}, "waiting": {"type": "integer"},
        "deadline": DATETIME, "qualification": {"type": ["string", "null"]}, "requires": {"type": ["string", "null"]},
        "sessions": {"type": "array", "items": _obj({"id": ID, "room": {"type": ["integer", "null"]},
                                                     "place": {"type": "string"}, "start": DATETIME,
                                                     "end": DATETIME})},
        "mine": {"oneOf": [SIGNUP, {"type": "null"}], "description": "the caller's sign-up"},
        "signups": {"type": "array", "items": SIGNUP, "description": "for the coordinator only"}},
        ["id", "title", "description", "seats", "seats_taken", "waiting", "deadline", "qualification", "requires",
         "sessions", "mine"]),
    "SignupResult": _obj({"id": ID, "status": {"enum": ["confirmed", "waitlisted"]},
                          "position": {"type": ["integer", "null"], "minimum": 1}}),
    "SignupCancelled": {"allOf": [SIGNUP, _obj({"moved_up_signup": {"type": ["integer", "null"]}})]},
})
