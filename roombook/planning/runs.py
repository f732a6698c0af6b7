"""Plan runs: the solver at work for some accommodations (a facility manager) or the city (the
coordinator), in the background with visible progress, then previewed, then published or discarded.

The solve itself only reads the city; progress goes to the run's row through its own short
connection (the solver reports from its worker threads), and the result is stored in one small
transaction. Publishing applies the plan all-or-nothing in the caller's transaction, opens the
conflicts and tells the people affected.

A run outlives no process: the one that claims it (queued → running, one conditional UPDATE, so
exactly one process solves it) writes a heartbeat every few seconds while it solves. A run whose
heartbeat stopped, or that nobody claimed, for ROOMBOOK_PLAN_RUN_STALE_SECONDS lost its process (a
worker recycled or killed, a restart) and is given up; the scheduler's job also solves runs left
queued.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from roombook import clock
from roombook.access import audit, permissions
from roombook.db import db, transaction
from roombook.models import Accommodation, Booking, PlanRun, User
from roombook.notifications import outbox
from roombook.planning.publishing import Preview, apply_plan, preview_plan, restrict_to_scope, solve_city
from roombook.planning.report import coverage_gaps
from roombook.scenario.exporter import current_term

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes
HEARTBEAT_EVERY = 5.0  # seconds between signs of life while solving (at most a third of the stale limit)
# Stored on a run given up, so in both languages; the run's page shows the half of its language.
ABANDONED = "Abgebrochen: der Prozess, der die Planung ausführte, endete. / Abandoned: the process running it ended."


class RunRefused(Exception):
    """A plan-run action that cannot be done now, in words for the person who asked (lazy: read in the
    language of the page or API answer that shows it)."""

    def __init__(self, message: str | LazyString):
        super().__init__(message)
        self.message = message


def start_run(session: Session, actor: User, scope: list[str], *, time_limit: float) -> PlanRun:
    """Queue a run for `scope` (accommodation keys; empty for the city, which only coordinators plan). The
    caller starts the work."""
    if not permissions.can_coordinate(actor):
        mine = {a.key for a in permissions.managed_accommodations(session, actor)}
        if not scope or not set(scope) <= mine:
            raise RunRefused(_l("Sie können nur für Ihre eigenen Unterkünfte planen."))
    give_up_lost_runs(session)
    busy = session.scalar(sa.select(PlanRun.id).where(PlanRun.status.in_(("queued", "running"))))
    if busy is not None:
        raise RunRefused(_l("Es läuft schon eine Planung; bitte warten, bis sie fertig ist."))
    run = PlanRun(created_by_id=actor.id, scope=sorted(scope), status="queued",
                  progress={"phase": "queued", "elapsed": 0.0, "time_limit": time_limit})
    session.add(run)
    session.flush()
    audit.record(session, actor, "plan_run.started", run, scope=run.scope)
    return run


def stale_limit() -> dt.timedelta:
    """How long a run may go without a sign of life before it is given up (ROOMBOOK_PLAN_RUN_STALE_SECONDS)."""
    return dt.timedelta(seconds=float(current_app.config["ROOMBOOK_PLAN_RUN_STALE_SECONDS"]))


def _lost(cutoff: dt.datetime) -> sa.ColumnElement[bool]:
    """Runs whose process ended: running without a heartbeat since `cutoff`, or queued and unclaimed since."""
    return sa.or_(sa.and_(PlanRun.status == "running",
                          sa.func.coalesce(PlanRun.heartbeat_at, PlanRun.created_at) < cutoff),
                  sa.and_(PlanRun.status == "queued", PlanRun.created_at < cutoff))


def _looks_lost(run: PlanRun, cutoff: dt.datetime) -> bool:
    """`_lost` for a loaded run (a listing shows it given up)."""
    if run.status == "running":
        return (run.heartbeat_at or run.created_at) < cutoff
    return run.status == "queued" and run.created_at < cutoff


def give_up_lost_runs(session: Session, now: dt.datetime | None = None) -> list[PlanRun]:
    """Mark failed every run whose process ended; the caller commits.

    Each run changes with one conditional UPDATE that checks again that it is lost, so a run its
    process claimed or touched meanwhile is left alone.
    """
    now = now or clock.now()
    cutoff = now - stale_limit()
    given_up = []
    for run in session.scalars(sa.select(PlanRun).where(_lost(cutoff))).all():
        values = _given_up(run, now)
        changed = session.execute(sa.update(PlanRun).where(PlanRun.id == run.id, _lost(cutoff)).values(**values)
                                  .execution_options(synchronize_session=False)).rowcount
        if changed == 1:
            _show(run, values)
            given_up.append(run)
            log.warning("plan run %s given up: its process ended", run.id)
    return given_up


def _given_up(run: PlanRun, now: dt.datetime) -> dict:
    """The columns of a run given up because its process ended."""
    return {"status": "failed", "error": ABANDONED, "finished_at": now,
            "progress": {**(run.progress or {}), "phase": "failed"}}


def _show(run: PlanRun, values: dict) -> None:
    """Put values already written to the database on a loaded run, without making it dirty."""
    for key, value in values.items():
        set_committed_value(run, key, value)


def visible_runs(session: Session, user_places: list[Accommodation] | None, *, limit: int = 30) -> list[PlanRun]:
    """Runs newest first; for a facility manager (user_places given) only runs within their houses, each
    as `show_if_lost` shows it."""
    # A list shows no run's scenario or plan: each can be megabytes of JSON, and once parsed, the memory
    # stays with the worker process that read it.
    runs = session.scalars(sa.select(PlanRun).options(sa.orm.defer(PlanRun.scenario), sa.orm.defer(PlanRun.plan))
                           .order_by(PlanRun.created_at.desc(), PlanRun.id.desc()).limit(limit * 5)).all()
    if user_places is not None:
        keys = {a.key for a in user_places}
        runs = [r for r in runs if r.scope and set(r.scope) <= keys]
    runs = list(runs[:limit])
    for run in runs:
        show_if_lost(run)
    return runs


def show_if_lost(run: PlanRun) -> PlanRun:
    """A run whose process ended, shown given up at once; shown, not written (pages and API reads are GETs):
    starting a run or the minute job records it."""
    now = clock.now()
    if _looks_lost(run, now - stale_limit()):
        _show(run, _given_up(run, now))
    return run


def touch(engine: sa.Engine, run_id: int, **values) -> bool:
    """A sign of life (and `values`) on a running run, through a short connection of its own (the caller's
    session reads the city meanwhile). False when the run no longer runs (finished or given up)."""
    try:
        with engine.begin() as conn:
            return conn.execute(sa.update(PlanRun).where(PlanRun.id == run_id, PlanRun.status == "running")
                                .values(heartbeat_at=clock.now(), **values)).rowcount == 1
    except sa.exc.OperationalError:  # a busy database must not stop the solve; the next touch follows
        log.warning("plan run %s: heartbeat not written", run_id)
        return True


class _Heartbeat:
    """Touches the run every `every` seconds from a thread of its own while the block runs: CP-SAT may not
    report progress for long stretches, and the sign of life must not wait for it."""

    def __init__(self, engine: sa.Engine, run_id: int, every: float):
        self.engine, self.run_id, self.every = engine, run_id, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"plan-run-{run_id}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()  # not joined: a touch waiting on a busy database must not delay the result

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            if not touch(self.engine, self.run_id):
                return


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
        touch(self.engine, self.run_id, progress=progress)


def solve_run(session: Session, run: PlanRun, timezone: str, time_limit: float,
              progress: Callable[[dict], None] | None = None) -> tuple[dict, dict]:
    """Solve for the run's scope; reads only."""
    return solve_city(session, timezone, time_limit, scope=list(run.scope or []), progress=progress)


def record_result(session: Session, run: PlanRun, scenario: dict, plan: dict) -> None:
    run.scenario, run.plan = scenario, plan
    run.status = "done"
    run.finished_at = clock.now()
    run.progress = {**(run.progress or {}), "phase": "done", "elapsed": plan.get("solve_seconds", 0.0),
                    "plan_status": plan.get("status")}
    session.flush()


def record_failure(session: Session, run: PlanRun, error: str) -> None:
    run.status = "failed"
    run.error = error[:2000]
    run.finished_at = clock.now()
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


def claim(session: Session, run_id: int, progress: dict) -> bool:
    """Move a queued run to running, for the caller's process to solve; the caller commits.

    One conditional UPDATE decides, not a read before it: of several processes that try (the web
    worker that queued the run, schedulers), exactly one changes the row and gets True.
    """
    result = session.execute(sa.update(PlanRun).where(PlanRun.id == run_id, PlanRun.status == "queued")
                             .values(status="running", heartbeat_at=clock.now(), progress=progress)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def work(app: Flask, run_id: int) -> bool:
    """The background part: claim the run, solve it (reading only) with a heartbeat, store the plan or the
    failure. False when the run was not queued any more (another process has it, or it was given up)."""
    with app.app_context():
        try:
            with transaction():
                run = db.session.get(PlanRun, run_id)
                if run is None or run.status != "queued":
                    return False
                time_limit = float(run.progress.get("time_limit") or app.config.get("ROOMBOOK_PLAN_TIME_LIMIT", 30))
                if not claim(db.session, run_id, {"phase": "export", "elapsed": 0.0, "time_limit": time_limit}):
                    return False
            every = min(HEARTBEAT_EVERY, stale_limit().total_seconds() / 3)
            with _Heartbeat(db.engine, run_id, every):
                _solve_claimed(app.config["ROOMBOOK_TIMEZONE"], run_id, time_limit)
            return True
        finally:
            db.session.remove()


def _solve_claimed(timezone: str, run_id: int, time_limit: float) -> None:
    writer = _ProgressWriter(db.engine, run_id, time_limit)
    try:
        run = db.session.get(PlanRun, run_id)
        scenario, plan = solve_run(db.session, run, timezone, time_limit, progress=writer)
        db.session.rollback()  # end the read before writing the result
        _finish(run_id, lambda claimed: record_result(db.session, claimed, scenario, plan))
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the run for a person to read
        log.exception("plan run %s failed", run_id)
        db.session.rollback()
        _finish(run_id, lambda claimed: record_failure(db.session, claimed, f"{type(exc).__name__}: {exc}"))


def _finish(run_id: int, record: Callable[[PlanRun], None]) -> None:
    """Store the outcome, unless the run was given up meanwhile (its heartbeat failed to arrive in time)."""
    with transaction():
        run = db.session.scalar(sa.select(PlanRun).where(PlanRun.id == run_id, PlanRun.status == "running")
                                .with_for_update().execution_options(populate_existing=True))
        if run is None:
            log.warning("plan run %s was given up while it solved; its outcome is dropped", run_id)
            return
        record(run)


def launch(app: Flask, run_id: int) -> threading.Thread:
    """Start the background work for a queued run (after the request has committed it). The fast path: the
    scheduler's `tend_runs` solves it too if this process dies first, and the claim lets only one do it."""
    thread = threading.Thread(target=work, args=(app, run_id), name=f"plan-run-{run_id}", daemon=True)
    thread.start()
    return thread


def tend_runs(app: Flask) -> dict:
    """The scheduler's job, every minute: give up the runs whose process ended, then solve any run still
    queued here (its web worker died right after queuing it, or no web worker runs plans)."""
    with app.app_context():
        try:
            with transaction():
                given_up = [run.id for run in give_up_lost_runs(db.session)]
            queued = db.session.scalars(sa.select(PlanRun.id).where(PlanRun.status == "queued")
                                        .order_by(PlanRun.id)).all()
        finally:
            db.session.remove()
    return {"given_up": given_up, "solved": [run_id for run_id in queued if work(app, run_id)]}


def accommodation_names(session: Session) -> dict[str, str]:
    """Accommodation key → name, for showing a run's scope and findings."""
    return dict(session.execute(sa.select(Accommodation.key, Accommodation.name)).all())


def effective_date(session: Session, today: dt.date) -> dt.date:
    """A published plan takes effect today, or when the term starts if that is later."""
    return max(today, current_term(session, today)[0])


def scoped_plan(run: PlanRun) -> dict:
    """The run's plan, restricted to its scope (a plan stored before plans carried their scope included)."""
    if run.scope and run.scenario:
        return restrict_to_scope(run.scenario, run.plan, list(run.scope))
    return run.plan


def run_preview(session: Session, run: PlanRun, today: dt.date, *, horizon_weeks: int = 30) -> Preview | None:
    """What publishing the run's plan would change, with the dated coverage gaps of its accommodations as the
    coverage page counts them now; None while it has no plan."""
    if not run.plan:
        return None
    effective = effective_date(session, today)
    preview = preview_plan(session, scoped_plan(run), effective)
    preview.gaps = coverage_gaps(session, list(run.scope or []), effective, today + dt.timedelta(weeks=horizon_weeks))
    return preview


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
    """Publish the run's plan within its scope: new weekly slots, occurrences, conflicts, messages to those
    affected, and to the coordinators the minimums it leaves unmet."""
    _check_decidable(session, run)
    newer = session.scalar(sa.select(PlanRun.id).where(PlanRun.status == "published",
                                                       PlanRun.decided_at > run.created_at))
    if newer is not None:
        raise RunRefused(_l("Seit dieser Planung wurde eine andere veröffentlicht; bitte neu planen."))
    effective = effective_date(session, today)
    with outbox.collecting_conflicts(session) as opened:
        preview = apply_plan(session, actor, scoped_plan(run), effective=effective,
                             horizon=today + dt.timedelta(weeks=horizon_weeks), base_url=base_url)
    run.status = "published"
    run.decided_at = clock.now()
    session.flush()
    audit.record(session, actor, "plan_run.published", run, scope=run.scope, effective=effective.isoformat(),
                 changes=len(preview.changes), conflicts=len(opened), gaps=sum(len(g.cells) for g in preview.gaps),
                 told=preview.told)
    outbox.notify_new_conflicts(session, list(opened), base_url, why="Ein neuer Plan")
    return preview


def discard_run(session: Session, actor: User, run: PlanRun) -> None:
    """Discard a finished run; nothing in the city changes."""
    if run.status not in ("done", "failed"):
        raise RunRefused(_l("Nur eine fertige Planung lässt sich verwerfen."))
    run.status = "discarded"
    run.decided_at = clock.now()
    session.flush()
    audit.record(session, actor, "plan_run.discarded", run, scope=run.scope)
