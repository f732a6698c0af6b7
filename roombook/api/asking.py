"""API of a volunteer's requests for help (roombook.coordination.asking): their own, and their one answer to
each. Someone else's request is answered like a missing one."""
from __future__ import annotations

from flask import current_app

from roombook.access import permissions
from roombook.api.access import current_user, load
from roombook.api.blueprint import bp
from roombook.api.openapi import ID, _json, _obj, _op, _path, _ref, register_paths
from roombook.api.problems import ApiProblem, invalid
from roombook.api.schemas import json_object, request_json, text, utc
from roombook.coordination import asking
from roombook.db import db, transaction
from roombook.models import HelpAsk, User


def _ask_json(ask: HelpAsk) -> dict:
    r = ask.request
    length, sessions = asking.offer_size(r.minutes)
    return {"id": ask.id, "status": ask.status, "message": ask.message, "asked_at": utc(ask.created_at),
            "answered_at": utc(ask.answered_at), "accommodation": r.accommodation_id, "category": r.category,
            "week": r.week.isoformat(), "session_minutes": length, "sessions_per_week": sessions,
            "offer": r.offer_id}


def _load_own(user: User, ask_id: int) -> HelpAsk:
    ask = load(HelpAsk, ask_id)
    if not permissions.can_answer_help_request(user, ask.volunteer_id):
        raise ApiProblem(404, "Not found", f"No help request {ask_id}.", kind="not-found")
    return ask


@bp.get("/help-requests")
def list_help_requests():
    return {"items": [_ask_json(a) for a in asking.asks_of(db.session, current_user())]}


@bp.post("/help-requests/<int:ask_id>/answer")
def answer_help_request(ask_id: int):
    user = current_user()
    ask = _load_own(user, ask_id)
    body = json_object(request_json(), {"answer", "message"}, {"answer"})
    if body["answer"] not in ("accept", "decline"):
        raise invalid("answer", "'accept' or 'decline'")
    message = text(body, "message", maximum=asking.MAX_MESSAGE, default="", multiline=True)
    try:
        with transaction() as session:
            asking.answer_request(session, user, ask, accept=body["answer"] == "accept", message=message,
                                  base_url=current_app.config["ROOMBOOK_BASE_URL"])
            answer = _ask_json(ask)
    except asking.AlreadyAnswered:
        raise ApiProblem(409, "Already answered", f"Help request {ask_id} has been answered.",
                         kind="already-answered") from None
    except asking.AskingError as exc:
        raise invalid(exc.field, str(exc.message)) from None
    return answer


SCHEMAS = {
    "HelpRequest": _obj({"id": ID, "status": {"enum": ["asked", "accepted", "declined", "withdrawn"]},
                         "message": {"type": "string"}, "asked_at": {"type": "string"},
                         "answered_at": {"type": ["string", "null"]}, "accommodation": ID,
                         "category": {"type": "string"}, "week": {"type": "string", "format": "date"},
                         "session_minutes": {"type": "integer"}, "sessions_per_week": {"type": "integer"},
                         "offer": {"type": ["integer", "null"]}}),
    "HelpAnswer": _obj({"answer": {"enum": ["accept", "decline"]},
                        "message": {"type": "string", "maxLength": asking.MAX_MESSAGE}}, ["answer"],
                       additionalProperties=False),
}
register_paths({
    "/api/v1/help-requests": {
        "get": _op("listHelpRequests", "The caller's requests for help from the coordination, open ones first",
                   {"200": {"description": "OK", "content": {"application/json": {"schema": _obj(
                       {"items": {"type": "array", "items": _ref("HelpRequest")}})}}}}, (), tags=("volunteers",)),
    },
    "/api/v1/help-requests/{ask_id}/answer": {"parameters": [_path("ask_id")], "post": _op(
        "answerHelpRequest", "Accept (a volunteer-run offer is made or joined for the next plan run) or decline, "
        "once", {"200": _json("HelpRequest", "Answered")}, (400, 404, 409, 422), body="HelpAnswer",
        tags=("volunteers",))},
}, SCHEMAS)
