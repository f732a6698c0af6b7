"""API for the work of managers and coordinators, over the other areas' domain modules: the conflict
inbox (`roombook.conflicts.decisions`), plan runs (`roombook.planning.runs`) and private feed links
(`roombook.feeds.tokens`). Same gates as the management pages: a conflict or run outside the
caller's accommodations is answered like a missing one."""
from __future__ import annotations

from flask import current_app, request, url_for

from roombook import clock
from roombook.access import permissions
from roombook.api.access import current_user, load, require
from roombook.api.blueprint import bp
from roombook.api.idempotency import idempotent, remember
from roombook.api.openapi import (
    ID,
    IDEMPOTENCY,
    INT32,
    PAGE_PARAMS,
    _json,
    _obj,
    _op,
    _path,
    _query,
    _ref,
    register_paths,
)
from roombook.api.problems import ApiProblem, invalid
from roombook.api.schemas import (
    json_object,
    parse_int,
    parse_page,
    request_json,
    text,
    utc,
)
from roombook.booking import BookingConflict, BookingError
from roombook.conflicts import decisions as conflicts
from roombook.db import db, transaction
from roombook.feeds import tokens as feed_tokens
from roombook.models import Accommodation, Conflict, FeedToken, PlanRun, User
from roombook.planning import runs as plan_runs


def _page_of(items: list, serialize) -> dict:
    limit, offset = parse_page(request.args)
    return {"items": [serialize(i) for i in items[offset:offset + limit]], "total": len(items), "limit": limit,
            "offset": offset, "next": None if offset + limit >= len(items) else
            f"{request.path}?limit={limit}&offset={offset + limit}"}


def _accommodations(user: User) -> list[Accommodation]:
    """The accommodations whose conflicts and runs the user works on (403 for other roles)."""
    require(permissions.can_use_manage_pages(user), "Only facility managers, coordinators and admins.")
    return permissions.managed_accommodations(db.session, user)


# --- conflicts ------------------------------------------------------------------------------------------

def _conflict_json(facts: conflicts.ConflictFacts) -> dict:
    c = facts.conflict
    tz = c.accommodation.tz
    return {"id": c.id, "kind": c.kind, "accommodation": c.accommodation_id, "room": c.room_id,
            "booking": c.booking_id, "occurrence": c.occurrence_id, "summary": c.summary, "status": c.status,
            "resolution": c.resolution, "resolution_note": c.resolution_note, "created_at": utc(c.created_at),
            "resolved_at": utc(c.resolved_at),
            "alternatives": [{"index": a.index, "room": a.room.id, "start": a.start.astimezone(tz).isoformat(),
                              "end": a.end.astimezone(tz).isoformat(), "free": a.free} for a in facts.alternatives]}


def _load_conflict(user: User, conflict_id: int) -> Conflict:
    conflict = load(Conflict, conflict_id)
    if not permissions.can_manage_rooms(user, conflict.accommodation):
        raise ApiProblem(404, "Not found", f"No conflict {conflict_id}.", kind="not-found")
    return conflict


@bp.get("/conflicts")
def list_conflicts():
    user = current_user()
    places = _accommodations(user)
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        raise invalid("status", "'open' or 'resolved'")
    found = conflicts.open_conflicts(db.session, places) if status == "open" else \
        conflicts.decided_conflicts(db.session, places, limit=1000)
    return _page_of(found, lambda c: _conflict_json(conflicts.facts(db.session, c)))


@bp.get("/conflicts/<int:conflict_id>")
def get_conflict(conflict_id: int):
    conflict = _load_conflict(current_user(), conflict_id)
    return _conflict_json(conflicts.facts(db.session, conflict))


@bp.post("/conflicts/<int:conflict_id>/resolve")
@idempotent
def resolve_conflict(conflict_id: int):
    user = current_user()
    conflict = _load_conflict(user, conflict_id)
    body = json_object(request_json(), {"action", "alternative", "note"}, {"action"})
    action = text(body, "action", maximum=20)
    if action not in conflicts.RESOLUTIONS:
        raise invalid("action", "one of " + ", ".join(sorted(conflicts.RESOLUTIONS)))
    alternative = parse_int(body["alternative"], "alternative", minimum=0, maximum=100) \
        if body.get("alternative") is not None else None
    note = text(body, "note", maximum=1000, default="", multiline=True)
    try:
        with transaction() as session:
            conflicts.resolve_conflict(session, user, conflict, action, note=note, alternative=alternative,
                                       base_url=current_app.config["ROOMBOOK_BASE_URL"])
            answer = _conflict_json(conflicts.facts(session, conflict))
            remember(session, user, 200, answer)
    except conflicts.DecisionRefused as exc:
        raise ApiProblem(422, "Decision refused", exc.message, kind="decision-refused", field=exc.field) from None
    except BookingError as exc:
        status = 409 if isinstance(exc, BookingConflict) else 422
        raise ApiProblem(status, "Decision refused", exc.message, kind="decision-refused",
                         field="alternative") from None
    return answer


# --- plan runs ------------------------------------------------------------------------------------------

def _run_json(run: PlanRun) -> dict:
    return {"id": run.id, "scope": list(run.scope or []), "status": run.status, "progress": run.progress or {},
            "error": run.error, "created_at": utc(run.created_at), "finished_at": utc(run.finished_at),
            "decided_at": utc(run.decided_at)}


def _load_run(user: User, run_id: int) -> PlanRun:
    _accommodations(user)
    run = load(PlanRun, run_id)
    if not permissions.can_see_plan_run(user, run):
        raise ApiProblem(404, "Not found", f"No plan run {run_id}.", kind="not-found")
    return plan_runs.show_if_lost(run)


@bp.get("/plan-runs")
def list_plan_runs():
    user = current_user()
    places = _accommodations(user)
    runs = plan_runs.visible_runs(db.session, None if permissions.can_coordinate(user) else places, limit=1000)
    return _page_of(runs, _run_json)


@bp.post("/plan-runs")
@idempotent
def start_plan_run():
    """Queue a solver run for `scope` (accommodation ids; empty: the caller's houses, or the city for a
    coordinator); it works in the background: poll the run, then preview and publish or discard it."""
    user = current_user()
    places = _accommodations(user)
    body = json_object(request_json() or {}, {"scope"}, set())
    ids = body.get("scope", [])
    if not isinstance(ids, list) or len(ids) > 1000:
        raise invalid("scope", "a list of accommodation ids")
    mine = {p.id: p.key for p in places}
    scope = []
    for value in ids:
        place_id = parse_int(value, "scope")
        if place_id not in mine:
            raise invalid("scope", f"accommodation {place_id} is not one you plan")
        scope.append(mine[place_id])
    if not scope and not permissions.can_coordinate(user):
        scope = sorted(mine.values())
    try:
        with transaction() as session:
            run = plan_runs.start_run(session, user, scope,
                                      time_limit=float(current_app.config.get("ROOMBOOK_PLAN_TIME_LIMIT", 30)))
            answer = _run_json(run)
            remember(session, user, 202, answer)
    except plan_runs.RunRefused as exc:
        raise ApiProblem(409, "Run refused", exc.message, kind="run-refused") from None
    plan_runs.launch(current_app._get_current_object(), answer["id"])
    return answer, 202, {"Location": url_for("api.get_plan_run", run_id=answer["id"])}


@bp.get("/plan-runs/<int:run_id>")
def get_plan_run(run_id: int):
    return _run_json(_load_run(current_user(), run_id))


@bp.get("/plan-runs/<int:run_id>/preview")
def preview_plan_run(run_id: int):
    run = _load_run(current_user(), run_id)
    preview = plan_runs.run_preview(db.session, run, clock.today(),
                                    horizon_weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"])
    if preview is None:
        raise ApiProblem(409, "No plan yet", f"The run is {run.status}; it has no plan to preview.",
                         kind="run-refused")
    return {"status": preview.status, "scope": preview.scope,
            "changes": [{"offer": c.offer, "title": c.title, "session": c.session, "before": c.before,
                         "after": c.after} for c in preview.changes],
            "displaced": preview.displaced, "unplaced": preview.unplaced, "unmet": preview.unmet,
            "coverage_gaps": [{"accommodation": cell.accommodation.key, "category": cell.category,
                               "week": cell.week.isoformat(), "planned_minutes": cell.planned,
                               "required_minutes": cell.required, "cancelled_minutes": cell.cancelled,
                               "changes": [change.id for change in group.changes]}
                              for group in preview.gaps for cell in group.cells]}


@bp.post("/plan-runs/<int:run_id>/publish")
@idempotent
def publish_plan_run(run_id: int):
    user = current_user()
    run = _load_run(user, run_id)
    try:
        with transaction() as session:
            plan_runs.publish_run(session, user, run, today=clock.today(),
                                  horizon_weeks=current_app.config["ROOMBOOK_HORIZON_WEEKS"],
                                  base_url=current_app.config["ROOMBOOK_BASE_URL"])
            answer = _run_json(run)
            remember(session, user, 200, answer)
    except (plan_runs.RunRefused, BookingError) as exc:
        raise ApiProblem(409, "Run refused", exc.message, kind="run-refused") from None
    return answer


@bp.post("/plan-runs/<int:run_id>/discard")
def discard_plan_run(run_id: int):
    user = current_user()
    run = _load_run(user, run_id)
    try:
        with transaction() as session:
            plan_runs.discard_run(session, user, run)
            answer = _run_json(run)
    except plan_runs.RunRefused as exc:
        raise ApiProblem(409, "Run refused", exc.message, kind="run-refused") from None
    return answer


# --- private feed links ---------------------------------------------------------------------------------

def _feed_json(token: FeedToken, secret: str | None = None) -> dict:
    answer = {"id": token.id, "scope": token.scope, "label": token.label, "prefix": token.prefix,
              "created_at": utc(token.created_at), "revoked_at": utc(token.revoked_at),
              "last_used_at": utc(token.last_used_at)}
    if secret is not None:
        answer["url"] = url_for("feeds.private", secret=secret, _external=True)
    return answer


def _load_feed_token(user: User, token_id: int) -> FeedToken:
    token = load(FeedToken, token_id)
    if token.user_id != user.id:
        raise ApiProblem(404, "Not found", f"No feed token {token_id}.", kind="not-found")
    return token


@bp.get("/feed-tokens")
def list_feed_tokens():
    return {"items": [_feed_json(t) for t in feed_tokens.feed_tokens_of(db.session, current_user())]}


@bp.post("/feed-tokens")
def create_feed_token():
    user = current_user()
    body = json_object(request_json(), {"scope", "label"}, {"scope"})
    scope, label = text(body, "scope", maximum=16), text(body, "label", maximum=120, default="")
    try:
        with transaction() as session:
            token, secret = feed_tokens.create_feed_token(session, user, scope, label)
            answer = _feed_json(token, secret)
    except feed_tokens.FeedTokenRefused as exc:
        raise ApiProblem(422, "Feed link refused", str(exc), kind="invalid-input", field="scope") from None
    return answer, 201


@bp.post("/feed-tokens/<int:token_id>/rotate")
def rotate_feed_token(token_id: int):
    user = current_user()
    token = _load_feed_token(user, token_id)
    try:
        with transaction() as session:
            fresh, secret = feed_tokens.rotate_feed_token(session, user, token)
            answer = _feed_json(fresh, secret)
    except feed_tokens.FeedTokenRefused as exc:
        raise ApiProblem(409, "Feed link refused", str(exc), kind="feed-token-refused") from None
    return answer, 201


@bp.delete("/feed-tokens/<int:token_id>")
def revoke_feed_token(token_id: int):
    user = current_user()
    token = _load_feed_token(user, token_id)
    try:
        with transaction() as session:
            feed_tokens.revoke_feed_token(session, user, token)
            answer = _feed_json(token)
    except feed_tokens.FeedTokenRefused as exc:
        raise ApiProblem(409, "Feed link refused", str(exc), kind="feed-token-refused") from None
    return answer


# --- the document ---------------------------------------------------------------------------------------

NULL_ID = {"type": ["integer", "null"]}
NULL_TIME = {"type": ["string", "null"]}
SCHEMAS = {
    "Conflict": _obj({"id": ID, "kind": {"type": "string"}, "accommodation": ID, "room": NULL_ID,
                      "booking": NULL_ID, "occurrence": NULL_ID, "summary": {"type": "string"},
                      "status": {"enum": ["open", "resolved"]}, "resolution": {"type": ["string", "null"]},
                      "resolution_note": {"type": "string"}, "created_at": {"type": "string"},
                      "resolved_at": NULL_TIME,
                      "alternatives": {"type": "array", "items": _obj({
                          "index": {"type": "integer"}, "room": ID, "start": {"type": "string"},
                          "end": {"type": "string"}, "free": {"type": "boolean"}})}}),
    "Decision": _obj({"action": {"enum": ["accept", "cancel", "override"]},
                      "alternative": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                      "note": {"type": "string", "maxLength": 1000}}, ["action"], additionalProperties=False),
    "PlanRun": _obj({"id": ID, "scope": {"type": "array", "items": {"type": "string"}},
                     "status": {"enum": ["queued", "running", "done", "failed", "published", "discarded"]},
                     "progress": {"type": "object"}, "error": {"type": "string"}, "created_at": {"type": "string"},
                     "finished_at": NULL_TIME, "decided_at": NULL_TIME}),
    "PlanRunInput": _obj({"scope": {"type": "array", "maxItems": 1000, "items": INT32}}, [],
                         additionalProperties=False),
    "PlanPreview": _obj({"status": {"enum": ["optimal", "feasible", "infeasible"]},
                         "scope": {"type": "array", "items": {"type": "string"},
                                   "description": "accommodation keys the plan is about; empty: the city"},
                         "changes": {"type": "array", "items": {"type": "object"}},
                         "displaced": {"type": "array"},
                         "unplaced": {"type": "array", "description": "with `reason` (English) and `why` (code and "
                                      "parameters, see the solver's FORMAT.md)"},
                         "unmet": {"type": "array", "description": "weekly minimums the plan cannot meet"},
                         "coverage_gaps": {"type": "array", "description": "dated weeks short of a minimum, as the "
                                           "coverage page counts them", "items": _obj({
                                               "accommodation": {"type": "string"}, "category": {"type": "string"},
                                               "week": {"type": "string", "format": "date"},
                                               "planned_minutes": {"type": "integer"},
                                               "required_minutes": {"type": "integer"},
                                               "cancelled_minutes": {"type": "integer"},
                                               "changes": {"type": "array", "items": {"type": "integer"},
                                                           "description": "room changes whose offers of the "
                                                           "category lost dates in that week"}})}}),
    "FeedToken": _obj({"id": ID, "scope": {"enum": ["department", "provider", "volunteer", "manager"]},
                       "label": {"type": "string"}, "prefix": {"type": "string"}, "created_at": {"type": "string"},
                       "revoked_at": NULL_TIME, "last_used_at": NULL_TIME,
                       "url": {"type": "string", "description": "the private feed's URL, shown only once"}},
                      ["id", "scope", "label", "prefix", "created_at", "revoked_at", "last_used_at"]),
    "FeedTokenInput": _obj({"scope": {"type": "string", "maxLength": 16}, "label": {"type": "string",
                                                                                    "maxLength": 120}},
                           ["scope"], additionalProperties=False),
}
for _name in ("Conflict", "PlanRun"):
    SCHEMAS[_name + "Page"] = _obj({"items": {"type": "array", "items": _ref(_name)},
                                    "total": {"type": "integer"}, "limit": {"type": "integer"},
                                    "offset": {"type": "integer"}, "next": {"type": ["string", "null"]}})

register_paths({
    "/api/v1/conflicts": {"get": _op(
        "listConflicts", "Conflicts of the caller's accommodations (managers, coordinators, admins)",
        {"200": _json("ConflictPage")}, (403, 422),
        parameters=[_query("status", {"enum": ["open", "resolved"]}, "default open"), *PAGE_PARAMS],
        tags=("conflicts",))},
    "/api/v1/conflicts/{conflict_id}": {"parameters": [_path("conflict_id")], "get": _op(
        "getConflict", "One conflict with its alternatives (each checked for being free now)",
        {"200": _json("Conflict")}, (403, 404), tags=("conflicts",))},
    "/api/v1/conflicts/{conflict_id}/resolve": {"parameters": [_path("conflict_id")], "post": _op(
        "resolveConflict", "Decide: take an alternative, cancel with a reason, or override with a reason",
        {"200": _json("Conflict", "Decided")}, (400, 403, 404, 409, 422), body="Decision",
        parameters=[IDEMPOTENCY], tags=("conflicts",))},
    "/api/v1/plan-runs": {
        "get": _op("listPlanRuns", "Plan runs the caller may see, newest first", {"200": _json("PlanRunPage")},
                   (403, 422), parameters=PAGE_PARAMS, tags=("plan runs",)),
        "post": _op("startPlanRun", "Start a solver run in the background (one at a time)",
                    {"202": {**_json("PlanRun", "Queued"), "headers": {"Location": {"schema": {"type": "string"}}}}},
                    (400, 403, 409, 422), body="PlanRunInput", parameters=[IDEMPOTENCY], tags=("plan runs",)),
    },
    "/api/v1/plan-runs/{run_id}": {"parameters": [_path("run_id")], "get": _op(
        "getPlanRun", "A run's status and progress", {"200": _json("PlanRun")}, (403, 404), tags=("plan runs",))},
    "/api/v1/plan-runs/{run_id}/preview": {"parameters": [_path("run_id")], "get": _op(
        "previewPlanRun", "What publishing the run would change", {"200": _json("PlanPreview")}, (403, 404, 409),
        tags=("plan runs",))},
    "/api/v1/plan-runs/{run_id}/publish": {"parameters": [_path("run_id")], "post": _op(
        "publishPlanRun", "Publish a finished run, all or nothing", {"200": _json("PlanRun", "Published")},
        (403, 404, 409), parameters=[IDEMPOTENCY], tags=("plan runs",))},
    "/api/v1/plan-runs/{run_id}/discard": {"parameters": [_path("run_id")], "post": _op(
        "discardPlanRun", "Discard a finished run", {"200": _json("PlanRun", "Discarded")}, (403, 404, 409),
        tags=("plan runs",))},
    "/api/v1/feed-tokens": {
        "get": _op("listFeedTokens", "The caller's private feed links (never their secrets)", {"200": {
            "description": "OK", "content": {"application/json": {"schema": _obj(
                {"items": {"type": "array", "items": _ref("FeedToken")}})}}}}, (), tags=("feeds",)),
        "post": _op("createFeedToken", "A new private feed link for one of the caller's scopes",
                    {"201": _json("FeedToken", "Created; `url` is shown only now")}, (400, 422),
                    body="FeedTokenInput", tags=("feeds",)),
    },
    "/api/v1/feed-tokens/{token_id}/rotate": {"parameters": [_path("token_id")], "post": _op(
        "rotateFeedToken", "Replace a link's secret: the old URL dies", {"201": _json("FeedToken", "The new link")},
        (404, 409), tags=("feeds",))},
    "/api/v1/feed-tokens/{token_id}": {"parameters": [_path("token_id")], "delete": _op(
        "revokeFeedToken", "Revoke a link", {"200": _json("FeedToken", "Revoked")}, (404, 409), tags=("feeds",))},
}, SCHEMAS)
