"""Plan runs outlive no process: the server solving a run is killed (-9, master and worker) while the run is
"running"; once its heartbeat is older than the stale limit, the run shows failed ("the process running it
ended") and a new run starts and finishes. A run left queued (its web worker died before starting it) is
solved by `flask scheduler --once`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.db import transaction
from roombook.models import PlanRun, User
from roombook.planning import runs as plan_runs
from roombook.scenario.demo import load_demo

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
STALE_SECONDS = 4  # ROOMBOOK_PLAN_RUN_STALE_SECONDS here and in the servers; a heartbeat every 1.3 s


def _coordinator(db) -> User:
    with transaction():
        load_demo(db.session, clock.today())
    return db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))


def _row(db, run_id: int) -> sa.Row:
    with db.engine.connect() as conn:
        return conn.execute(sa.select(PlanRun.status, PlanRun.error, PlanRun.heartbeat_at)
                            .where(PlanRun.id == run_id)).one()


def _status_after(db, run_id: int, status: str, timeout: float = 60) -> str:
    """Poll the run's row until it leaves `status`; the new status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _row(db, run_id).status
        if now != status:
            return now
        time.sleep(0.01)
    raise AssertionError(f"plan run {run_id} still {status} after {timeout} s")


def test_a_run_whose_server_was_killed_is_given_up_and_planning_goes_on(app, serve, committed, monkeypatch,
                                                                        dialect):
    db = committed
    coordinator = _coordinator(db)
    with transaction():
        secret = create_api_token(db.session, coordinator, "crash")[1]
    headers = {"Authorization": f"Bearer {secret}"}
    monkeypatch.setenv("ROOMBOOK_PLAN_RUN_STALE_SECONDS", str(STALE_SECONDS))
    monkeypatch.setitem(app.config, "ROOMBOOK_PLAN_RUN_STALE_SECONDS", STALE_SECONDS)
    for attempt in range(5):
        server = serve(workers=1)
        started = requests.post(server.url + "/api/v1/plan-runs", headers=headers, json={}, timeout=60)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        if _status_after(db, run_id, "queued") == "running":
            server.kill()
            break
        server.stop()  # the solve finished before the kill could land; another run
    else:
        pytest.fail("no kill landed while a run was running")
    killed = _row(db, run_id)
    assert killed.status == "running" and killed.heartbeat_at is not None  # nothing cleaned up after a kill -9
    with pytest.raises(plan_runs.RunRefused):  # its heartbeat is recent: for all anyone knows it still runs
        with transaction():
            plan_runs.start_run(db.session, coordinator, [], time_limit=10)

    server = serve(workers=1)
    time.sleep(max(0.0, (killed.heartbeat_at - clock.now()).total_seconds() + STALE_SECONDS + 0.5))
    again = requests.post(server.url + "/api/v1/plan-runs", headers=headers, json={}, timeout=60)
    assert again.status_code == 202, again.text
    old = requests.get(server.url + f"/api/v1/plan-runs/{run_id}", headers=headers, timeout=60).json()
    assert old["status"] == "failed" and "der Prozess, der die Planung ausführte, endete" in old["error"], old
    assert _status_after(db, again.json()["id"], "queued") == "running"
    assert _status_after(db, again.json()["id"], "running") == "done"
    print(f"\n{dialect}: killed while running after {attempt + 1} attempt(s); given up, and the next run solved")


def test_a_run_left_queued_is_solved_by_the_scheduler_process(committed, database_url, tmp_path):
    db = committed
    coordinator = _coordinator(db)
    with transaction():  # queued and committed; the web worker that would start it died
        run_id = plan_runs.start_run(db.session, coordinator, [], time_limit=10).id
    env = {**os.environ, "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_SECRET_KEY": "sched",
           "ROOMBOOK_CALENDARS_DIR": str(tmp_path)}  # the publish job must not touch the real calendars/
    done = subprocess.run([FLASK, "--app", "roombook", "scheduler", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"plan_runs: {{'given_up': [], 'solved': [{run_id}]}}" in done.stdout.splitlines(), done.stdout
    assert _row(db, run_id).status == "done"
    db.session.remove()
    assert db.session.get(PlanRun, run_id).plan["sessions"]
