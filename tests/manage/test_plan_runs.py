"""Plan runs: started for a scope, solved in the background with progress, previewed, published or discarded."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.db import db, transaction
from roombook.i18n import stored_text
from roombook.models import AuditEvent, Conflict, OutboxMessage, PlanRun, Provider, User
from roombook.planning import runs as plan_runs
from tests.conftest import login
from tests.manage.conftest import TODAY, token_from

TIME_LIMIT = 15


def _user(session, email):
    return session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def solved(demo):
    """A city run, solved, after the department lost its Mondays (so one office hour must move)."""
    provider = demo.scalar(sa.select(Provider).where(Provider.key == "fb-soziales"))
    provider.available = [w for w in provider.available if w["day"] != "mon"]
    demo.flush()
    run = plan_runs.start_run(demo, _user(demo, "coordinator@example.org"), [], time_limit=TIME_LIMIT)
    return plan_runs.run_now(demo, run, "Europe/Berlin", TIME_LIMIT)


@pytest.mark.dates
def test_a_run_previews_what_moves_and_what_stays_unmet(demo, solved):
    assert solved.status == "done" and solved.plan["sessions"]
    preview = plan_runs.run_preview(demo, solved, TODAY)
    assert [c.offer for c in preview.changes] == ["nord-sprechstunde"]
    assert preview.changes[0].before["day"] == "mon" and preview.changes[0].after["day"] != "mon"
    assert preview.unmet and all(u["reason"] for u in preview.unmet)


@pytest.mark.dates
def test_publishing_applies_the_plan_and_takes_unmet_minimums_to_the_coordinators(demo, solved):
    """A minimum the plan cannot meet is the coordinators' to close (offers, requirements): they get a notice in
    their language; no house's inbox gets a conflict its manager could only wave through."""
    coordinator = _user(demo, "coordinator@example.org")
    preview = plan_runs.publish_run(demo, coordinator, solved, today=TODAY, horizon_weeks=6,
                                    base_url="http://rb.test/")
    assert solved.status == "published" and solved.decided_at is not None
    assert len(preview.changes) == 1 and preview.unmet
    assert demo.scalars(sa.select(Conflict).where(Conflict.kind == "requirement_unmet")).all() == []
    assert preview.told == ["coordinator@example.org"]
    notice = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "coordinator@example.org"))
    assert notice.kind == "coverage_gaps" and notice.subject.startswith("Mindestumfang nicht erfüllt: ")
    assert "Unterkunft West · Asylverfahrensberatung: 0 von 120 Minuten pro Woche – Für Unterkunft West gibt es " \
           "kein Angebot der Art Asylverfahrensberatung" in notice.body
    assert "http://rb.test/manage/coverage" in notice.body
    published = demo.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan_run.published"))
    assert published.details["told"] == ["coordinator@example.org"] and published.details["gaps"] > 0
    with pytest.raises(plan_runs.RunRefused):
        plan_runs.publish_run(demo, coordinator, solved, today=TODAY, horizon_weeks=6)


def test_a_run_older_than_a_published_one_cannot_be_published(demo, solved):
    coordinator = _user(demo, "coordinator@example.org")
    older = PlanRun(created_by_id=coordinator.id, scope=[], status="done", plan=solved.plan,
                    created_at=solved.created_at - dt.timedelta(minutes=5))
    demo.add(older)
    demo.flush()
    plan_runs.publish_run(demo, coordinator, solved, today=TODAY, horizon_weeks=6)
    with pytest.raises(plan_runs.RunRefused, match="neu planen"):
        plan_runs.publish_run(demo, coordinator, older, today=TODAY, horizon_weeks=6)


def test_discarding_changes_nothing(demo, solved):
    before = demo.scalar(sa.select(sa.func.count()).select_from(Conflict))
    plan_runs.discard_run(demo, _user(demo, "coordinator@example.org"), solved)
    assert solved.status == "discarded"
    assert demo.scalar(sa.select(sa.func.count()).select_from(Conflict)) == before


def test_only_one_run_at_a_time(demo):
    coordinator = _user(demo, "coordinator@example.org")
    plan_runs.start_run(demo, coordinator, [], time_limit=5)
    with pytest.raises(plan_runs.RunRefused):
        plan_runs.start_run(demo, coordinator, ["nord"], time_limit=5)


def test_listing_runs_leaves_their_scenarios_and_plans_unread(demo):
    coordinator = _user(demo, "coordinator@example.org")
    demo.add(PlanRun(created_by_id=coordinator.id, scope=[], status="done", scenario={"offers": []},
                     plan={"sessions": []}))
    demo.flush()
    demo.expunge_all()  # what a request finds: nothing loaded yet
    [run] = plan_runs.visible_runs(demo, None)
    assert {"scenario", "plan"} <= sa.inspect(run).unloaded
    assert run.plan == {"sessions": []}  # still there when a page asks for it


def test_a_failing_solve_is_recorded_on_the_run(demo, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(plan_runs, "solve_city", broken)
    run = plan_runs.start_run(demo, _user(demo, "manager@example.org"), ["nord"], time_limit=5)
    plan_runs.run_now(demo, run, "Europe/Berlin", 5)
    assert run.status == "failed" and "solver exploded" in run.error


def test_a_manager_runs_their_houses_in_the_background_and_publishes(app, client, demo, monkeypatch):
    """The page starts the run; the background work (here run in the request's thread, because the test's
    data lives in one uncommitted connection) stores the plan; the run's page previews and publishes."""
    monkeypatch.setattr(plan_runs, "launch", lambda app_, run_id: plan_runs.work(app_, run_id))
    monkeypatch.setattr(plan_runs, "PROGRESS_EVERY", 1e9)  # their own connections would wait for the test's
    monkeypatch.setattr(plan_runs, "HEARTBEAT_EVERY", 1e9)
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_TIME_LIMIT", TIME_LIMIT)
    login(client, "manager@example.org")
    response = client.post("/manage/plans", data={"csrf_token": token_from(client, "/manage/plans")})
    assert response.status_code == 302
    run = demo.scalars(sa.select(PlanRun)).one()
    assert sorted(run.scope) == ["mitte", "nord"]
    progress = client.get(f"/manage/plans/{run.id}/progress").get_json()
    assert progress["status"] == "done" and progress["progress"]["phase"] == "done"
    page = client.get(f"/manage/plans/{run.id}").get_data(as_text=True)
    assert "Vorschau" in page and "Nicht erfüllte Anforderungen" in page and "Veröffentlichen" in page
    token = token_from(client, f"/manage/plans/{run.id}")
    assert client.post(f"/manage/plans/{run.id}/publish", data={"csrf_token": token}).status_code == 302
    demo.expire_all()
    assert demo.get(PlanRun, run.id).status == "published"
    again = client.post(f"/manage/plans/{run.id}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "Nur eine fertige" in again.get_data(as_text=True)


def test_progress_is_written_from_the_solvers_threads(app, committed):
    """With committed data (as in production) the writer updates the run's row through its own connection."""
    with transaction():
        run = PlanRun(scope=[], status="running", progress={"time_limit": 5})
        db.session.add(run)
    run_id = run.id
    db.session.rollback()  # end the snapshot this session reads from
    writer = plan_runs._ProgressWriter(db.engine, run_id, 5)
    writer({"phase": "cp-sat", "elapsed": 1.23, "objective": 7, "bound": 3, "hard": 0})
    writer({"phase": "cp-sat", "elapsed": 1.3, "objective": 5})  # too soon after the last: skipped
    db.session.rollback()
    assert db.session.get(PlanRun, run_id).progress == {"phase": "cp-sat", "elapsed": 1.2, "objective": 7,
                                                         "bound": 3, "hard": 0, "time_limit": 5}


STALE = dt.timedelta(seconds=90)  # ROOMBOOK_PLAN_RUN_STALE_SECONDS by default


def _run(session, status, *, created_ago=dt.timedelta(0), heartbeat_ago=None) -> PlanRun:
    now = clock.now()
    run = PlanRun(scope=[], status=status, progress={"time_limit": 5}, created_at=now - created_ago,
                  heartbeat_at=None if heartbeat_ago is None else now - heartbeat_ago)
    session.add(run)
    session.flush()
    return run


def test_a_run_is_given_up_when_its_heartbeat_stops_or_nobody_claims_it(app, demo):
    long_ago = dt.timedelta(hours=2)
    silent = _run(demo, "running", created_ago=long_ago, heartbeat_ago=STALE + dt.timedelta(seconds=5))
    beating = _run(demo, "running", created_ago=long_ago, heartbeat_ago=dt.timedelta(seconds=3))
    unclaimed = _run(demo, "queued", created_ago=STALE + dt.timedelta(seconds=5))
    just_queued = _run(demo, "queued", created_ago=dt.timedelta(seconds=3))
    given_up = plan_runs.give_up_lost_runs(demo)
    assert sorted(r.id for r in given_up) == sorted([silent.id, unclaimed.id])
    demo.expire_all()
    assert [r.status for r in (silent, beating, unclaimed, just_queued)] == ["failed", "running", "failed", "queued"]
    assert silent.error == plan_runs.ABANDONED == "Abgebrochen: der Prozess, der die Planung ausführte, endete."
    assert silent.finished_at is not None and silent.progress["phase"] == "failed"
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the run's page shows it in its language
        assert stored_text(silent.error) == "Abandoned: the process running it ended."


def test_starting_gives_up_a_silent_run_but_waits_for_one_that_beats(demo, app, monkeypatch):
    coordinator = _user(demo, "coordinator@example.org")
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_RUN_STALE_SECONDS", 20)
    stuck = _run(demo, "running", created_ago=dt.timedelta(hours=1), heartbeat_ago=dt.timedelta(seconds=10))
    with pytest.raises(plan_runs.RunRefused):  # an hour old, but its process still beats
        plan_runs.start_run(demo, coordinator, [], time_limit=5)
    stuck.heartbeat_at = clock.now() - dt.timedelta(seconds=25)
    demo.flush()
    fresh = plan_runs.start_run(demo, coordinator, [], time_limit=5)
    assert stuck.status == "failed" and "Abgebrochen" in stuck.error and fresh.status == "queued"


def test_a_listing_shows_a_lost_run_given_up_without_writing(app, committed):
    """A listing is a GET: it shows the lost run given up at once, and the next start records it."""
    with transaction():
        run_id = _run(db.session, "running", created_ago=STALE * 2, heartbeat_ago=STALE * 2).id
    db.session.rollback()
    listed = plan_runs.visible_runs(db.session, None)
    assert [(r.id, r.status, r.error) for r in listed] == [(run_id, "failed", plan_runs.ABANDONED)]
    assert not db.session.dirty
    db.session.rollback()
    assert db.session.get(PlanRun, run_id).status == "running"  # nothing written
    with transaction():
        plan_runs.give_up_lost_runs(db.session)
    db.session.rollback()
    assert db.session.get(PlanRun, run_id).status == "failed"


def test_of_two_processes_claiming_a_run_exactly_one_gets_it(app, committed):
    with transaction():
        run_id = _run(db.session, "queued").id
    db.session.remove()
    contenders = 6
    barrier = threading.Barrier(contenders)
    wins, lock = [], threading.Lock()

    def attempt() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with transaction():
                    won = plan_runs.claim(db.session, run_id, {"phase": "export", "time_limit": 5})
            except Exception as exc:  # anything else breaks the guarantee
                won = repr(exc)
            finally:
                db.session.remove()
            with lock:
                wins.append(won)

    threads = [threading.Thread(target=attempt) for _ in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(wins, key=str) == [False] * (contenders - 1) + [True], wins
    run = db.session.get(PlanRun, run_id)
    assert run.status == "running" and run.heartbeat_at is not None


def test_the_heartbeat_beats_while_the_solver_is_silent(app, committed, monkeypatch):
    """CP-SAT may report nothing for long stretches; the run's own timer keeps it alive meanwhile."""
    with transaction():
        run_id = _run(db.session, "queued").id
    db.session.remove()
    seen = []

    def silent_solve(session, run, timezone, time_limit, progress=None):
        for _ in range(8):
            time.sleep(0.1)
            with db.engine.connect() as conn:
                seen.append(conn.scalar(sa.select(PlanRun.heartbeat_at).where(PlanRun.id == run_id)))
        return {}, {"status": "optimal", "solve_seconds": 0.8, "sessions": []}

    monkeypatch.setattr(plan_runs, "solve_run", silent_solve)
    monkeypatch.setattr(plan_runs, "HEARTBEAT_EVERY", 0.1)
    assert plan_runs.work(app, run_id) is True
    assert len(set(seen)) >= 4, seen  # the claim's heartbeat, then the timer's
    assert plan_runs.work(app, run_id) is False  # done: nobody claims it again
    assert db.session.get(PlanRun, run_id).status == "done"


def test_an_outcome_is_dropped_when_the_run_was_given_up_meanwhile(app, committed, monkeypatch):
    with transaction():
        run_id = _run(db.session, "queued").id
    db.session.remove()

    def given_up_while_solving(session, run, timezone, time_limit, progress=None):
        with db.engine.begin() as conn:  # another process gave it up (its heartbeat was late)
            conn.execute(sa.update(PlanRun).where(PlanRun.id == run_id)
                         .values(status="failed", error=plan_runs.ABANDONED))
        return {}, {"status": "optimal", "solve_seconds": 0.1, "sessions": []}

    monkeypatch.setattr(plan_runs, "solve_run", given_up_while_solving)
    plan_runs.work(app, run_id)
    run = db.session.get(PlanRun, run_id)
    assert run.status == "failed" and run.plan is None


def test_the_scheduler_job_solves_a_run_left_queued(app, demo, monkeypatch):
    monkeypatch.setattr(plan_runs, "PROGRESS_EVERY", 1e9)  # their own connections would wait for the test's
    monkeypatch.setattr(plan_runs, "HEARTBEAT_EVERY", 1e9)
    coordinator = _user(demo, "coordinator@example.org")
    run = plan_runs.start_run(demo, coordinator, [], time_limit=TIME_LIMIT)  # …and its web worker died
    lost = _run(demo, "queued", created_ago=STALE * 2)
    assert plan_runs.tend_runs(app) == {"given_up": [lost.id], "solved": [run.id]}
    demo.expire_all()
    assert run.status == "done" and run.plan["sessions"] and lost.status == "failed"
    assert plan_runs.tend_runs(app) == {"given_up": [], "solved": []}


def test_a_lost_runs_own_page_and_api_answer_show_it_given_up(app, demo, client):
    run = _run(demo, "running", created_ago=STALE * 2, heartbeat_ago=STALE * 2)
    run_id = run.id
    login(client, "coordinator@example.org")
    page = client.get(f"/manage/plans/{run_id}").get_data(as_text=True)
    assert "Abgebrochen" in page
    _token, secret = create_api_token(demo, _user(demo, "coordinator@example.org"), "test")
    answer = client.get(f"/api/v1/plan-runs/{run_id}", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "failed"
    demo.expire_all()
    assert demo.get(PlanRun, run_id).status == "running"  # shown, not written
