"""Plan runs: started for a scope, solved in the background with progress, previewed, published or discarded."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import plan_runs
from roombook.models import AuditEvent, Conflict, OutboxMessage, PlanRun, Provider, User
from tests.manage.conftest import TODAY, login, token_from

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


def test_a_run_previews_what_moves_and_what_stays_unmet(demo, solved):
    assert solved.status == "done" and solved.plan["sessions"]
    preview = plan_runs.run_preview(demo, solved, TODAY)
    assert [c.offer for c in preview.changes] == ["nord-sprechstunde"]
    assert preview.changes[0].before["day"] == "mon" and preview.changes[0].after["day"] != "mon"
    assert preview.unmet and all(u["reason"] for u in preview.unmet)


def test_publishing_applies_the_plan_opens_conflicts_and_tells_the_managers(demo, solved):
    coordinator = _user(demo, "coordinator@example.org")
    preview = plan_runs.publish_run(demo, coordinator, solved, today=TODAY, horizon_weeks=6,
                                    base_url="http://rb.test/")
    assert solved.status == "published" and solved.decided_at is not None
    assert len(preview.changes) == 1
    unmet = demo.scalars(sa.select(Conflict).where(Conflict.kind == "requirement_unmet")).all()
    assert unmet
    told = demo.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "manager@example.org"))
    assert told is not None and "Konflikte" in told.subject
    assert demo.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan_run.published"))
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
    monkeypatch.setattr(plan_runs, "PROGRESS_EVERY", 1e9)
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
    from roombook.db import db, transaction

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


def test_a_run_abandoned_by_a_restart_does_not_block_new_runs(demo):
    coordinator = _user(demo, "coordinator@example.org")
    stuck = plan_runs.start_run(demo, coordinator, [], time_limit=5)
    stuck.status = "running"
    stuck.created_at -= plan_runs.STALE_AFTER + dt.timedelta(minutes=1)
    demo.flush()
    fresh = plan_runs.start_run(demo, coordinator, [], time_limit=5)
    assert stuck.status == "failed" and "Abgebrochen" in stuck.error and fresh.status == "queued"
