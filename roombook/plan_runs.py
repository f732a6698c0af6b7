"""Plan runs: the solver at work for some accommodations (a facility manager) or the city (the
coordinator), in the background with visible progress, then previewed, then published or discarded.

The solve itself only reads the city; progress goes to the run's row through its own short
connection (the solver reports from its worker threads), and the result is stored in one small
transaction. Publishing applies the plan all-or-nothing in the caller's transaction, opens the
conflicts and tells the people affected.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import audit, notifications
from roombook.db import db, transaction, utcnow
from roombook.models import Accommodation, Booking, PlanRun, User
from roombook.planning import Preview, apply_plan, preview_plan, solve_city
from roombook.scenario.exporter import current_term

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes
# A run still "running" after this long lost its process (a restart mid-solve); it must not block new runs.
STALE_AFTER = dt.timedelta(minutes=30)


class RunRefused(Exception):
    """A plan-run action that cannot be done now, in words for the person who asked (lazy: read in the
    language of the page or API answer that shows it)."""

    def __init__(self, message: str | LazyString):
        super().__init__(message)
        self.message = message


def start_run(session: Session, actor: User, scope: list[str], *, time_limit: float) -> PlanRun:
    """Queue a run for `scope` (accommodation keys; empty for the city). The caller starts the work."""
    now = utcnow()
    for stale in session.scalars(sa.select(PlanRun).where(PlanRun.status.in_(("queued", "running")),
                                                          PlanRun.created_at < now - STALE_AFTER)):
        # stored on the run, so in both languages; the run's page shows the half of its language
        record_failure(session, stale, "Abgebrochen: der Prozess der Planung endete vorzeitig. / Abandoned.")
    busy = session.scalar(sa.select(PlanRun.id).where(PlanRun.status.in_(("queued", "running"))))
    if busy is not None:
        raise RunRefused(_l("Es läuft schon eine Planung; bitte warten, bis sie fertig ist."))
    run = PlanRun(created_by_id=actor.id, scope=sorted(scope), status="queued",
                  progress={"phase": "queued", "elapsed": 0.0, "time_limit": time_limit})
    session.add(run)
    session.flush()
    audit.record(session, actor, "plan_run.started", run, scope=run.scope)
    return run


def visible_runs(session: Session, user_places: list[Accommodation] | None, *, limit: int = 30) -> list[PlanRun]:
    """Runs newest first; for a facility manager (user_places given) only runs within their houses."""
    runs = session.scalars(sa.select(PlanRun).order_by(PlanRun.created_at.desc(), PlanRun.id.desc())
                           .limit(limit * 5)).all()
    if user_places is None:
        return list(runs[:limit])
    keys = {a.key for a in user_places}
    return [r for r in runs if r.scope and set(r.scope) <= keys][:limit]


class _ProgressWriter:
    """Writes the solver's latest progress to the run's row, at most every PROGRESS_EVERY seconds."""

    def __init__(self, engine: sa.Engine, run_id: int, time_limit: float):
        self.engine, self.run_id, self.time_limit = engine, run_id, time_limit
        self.last = 0.0
        self.lock = threading.Lock()

    def __call__(self, update: dict) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last < PROGRESS_EVERY:
                return
            self.last = now
        progress = {"phase": update.get("phase") or "solving", "elapsed": round(update.get("elapsed", 0.0), 1),
                    "objective": update.get("objective"), "bound": update.get("bound"),
                    "hard": update.get("hard"), "time_limit": self.time_limit}
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.update(PlanRun).where(PlanRun.id == self.run_id, PlanRun.status == "running")
                             .values(progress=progress))
        except sa.exc.OperationalError:  # a busy database must not stop the solve; the next update follows
            log.warning("plan run %s: progress not written", self.run_id)


def solve_run(session: Session, run: PlanRun, timezone: str, time_limit: float,
              progress: Callable[[dict], None] | None = None) -> tuple[dict, dict]:
    """Solve for the run's scope; reads only."""
    return solve_city(session, timezone, time_limit, scope=list(run.scope or []), progress=progress)


def record_result(session: Session, run: PlanRun, scenario: dict, plan: dict) -> None:
    run.scenario, run.plan = scenario, plan
    run.status = "done"
    run.finished_at = utcnow()
    run.progress = {**(run.progress or {}), "phase": "done", "elapsed": plan.get("solve_seconds", 0.0),
                    "plan_status": plan.get("status")}
    session.flush()


def record_failure(session: Session, run: PlanRun, error: str) -> None:
    run.status = "failed"
    run.error = error[:2000]
    run.finished_at = utcnow()
    run.progress = {**(run.progress or {}), "phase": "failed"}
    session.flush()


def run_now(session: Session, run: PlanRun, timezone: str, time_limit: float) -> PlanRun:
    """Solve in the caller's thread and transaction (the CLI and tests)."""
    run.status = "running"
    try:
        scenario, plan = solve_run(session, run, timezone, time_limit)
    except Exception as exc:  # the run records why it failed; a person reads it on the run's page
        record_failure(session, run, f"{type(exc).__name__}: {exc}")
        return run
    record_result(session, run, scenario, plan)
    return run


def work(app: Flask, run_id: int) -> None:
    """The background part: mark running, solve (reading only), store the plan or the failure."""
    with app.app_context():
        timezone = app.config["ROOMBOOK_TIMEZONE"]
        with transaction():
            run = db.session.get(PlanRun, run_id)
            if run is None or run.status != "queued":
                return
            time_limit = float(run.progress.get("time_limit") or app.config.get("ROOMBOOK_PLAN_TIME_LIMIT", 30))
            run.status = "running"
            run.progress = {"phase": "export", "elapsed": 0.0, "time_limit": time_limit}
        writer = _ProgressWriter(db.engine, run_id, time_limit)
        try:
            run = db.session.get(PlanRun, run_id)
            scenario, plan = solve_run(db.session, run, timezone, time_limit, progress=writer)
            db.session.rollback()  # end the read before writing the result
            with transaction():
                record_result(db.session, db.session.get(PlanRun, run_id), scenario, plan)
        except Exception as exc:  # noqa: BLE001 — any failure is recorded on the run for a person to read
            log.exception("plan run %s failed", run_id)
            db.session.rollback()
            with transaction():
                record_failure(db.session, db.session.get(PlanRun, run_id), f"{type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def launch(app: Flask, run_id: int) -> threading.Thread:
    """Start the background work for a queued run (after the request has committed it)."""
    thread = threading.Thread(target=work, args=(app, run_id), name=f"plan-run-{run_id}", daemon=True)
    thread.start()
    return thread


def accommodation_names(session: Session) -> dict[str, str]:
    """Accommodation key → name, for showing a run's scope and findings."""
    return dict(session.execute(sa.select(Accommodation.key, Accommodation.name)).all())


def effective_date(session: Session, today: dt.date) -> dt.date:
    """A published plan takes effect today, or when the term starts if that is later."""
    return max(today, current_term(session, today)[0])


def run_preview(session: Session, run: PlanRun, today: dt.date) -> Preview | None:
    """What publishing the run's plan would change; None while it has no plan."""
    if not run.plan:
        return None
    return preview_plan(session, run.plan, effective_date(session, today))


def displaced_details(session: Session, preview: Preview) -> list[dict]:
    """The bookings a plan would displace, with their time and room, for the preview."""
    rows = []
    for row in preview.displaced:
        booking_id = str(row["booking"]).removeprefix("booking-")
        booking = session.scalar(sa.select(Booking).where(Booking.key == row["booking"])) or \
            (session.get(Booking, int(booking_id)) if booking_id.isdigit() else None)
        rows.append({"row": row, "booking": booking})
    return rows


def _check_decidable(session: Session, run: PlanRun) -> None:
    if run.status != "done":
        raise RunRefused(_l("Nur eine fertige, noch nicht entschiedene Planung lässt sich veröffentlichen oder "
                            "verwerfen."))


def publish_run(session: Session, actor: User, run: PlanRun, *, today: dt.date, horizon_weeks: int,
                base_url: str = "") -> Preview:
    """Publish the run's plan: new weekly slots, occurrences, conflicts, and messages to those affected."""
    _check_decidable(session, run)
    newer = session.scalar(sa.select(PlanRun.id).where(PlanRun.status == "published",
                                                       PlanRun.decided_at > run.created_at))
    if newer is not None:
        raise RunRefused(_l("Seit dieser Planung wurde eine andere veröffentlicht; bitte neu planen."))
    effective = effective_date(session, today)
    with notifications.collecting_conflicts(session) as opened:
        preview = apply_plan(session, actor, run.plan, effective=effective,
                             horizon=today + dt.timedelta(weeks=horizon_weeks))
    run.status = "published"
    run.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "plan_run.published", run, scope=run.scope, effective=effective.isoformat(),
                 changes=len(preview.changes), conflicts=len(opened))
    notifications.notify_new_conflicts(session, list(opened), base_url, why="Ein neuer Plan")
    return preview


def discard_run(session: Session, actor: User, run: PlanRun) -> None:
    """Discard a finished run; nothing in the city changes."""
    if run.status not in ("done", "failed"):
        raise RunRefused(_l("Nur eine fertige Planung lässt sich verwerfen."))
    run.status = "discarded"
    run.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "plan_run.discarded", run, scope=run.scope)
