"""`flask scheduler` runs the jobs in a process of its own; with several of them (or several web
workers) each job still runs once per trigger, because the run is claimed in the database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from roombook.models import JobRun

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def test_four_scheduler_processes_run_each_job_once(committed, database_url, tmp_path):
    env = {**os.environ, "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_SECRET_KEY": "sched",
           "ROOMBOOK_CALENDARS_DIR": str(tmp_path)}  # the publish job must not touch the real calendars/
    processes = [subprocess.Popen([FLASK, "--app", "roombook", "scheduler", "--once"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    lines = [line for out, _err in outputs for line in out.splitlines() if line.startswith("extend_horizon:")]
    assert len(lines) == 4
    assert sum(line != "extend_horizon: None" for line in lines) == 1, lines  # one ran, three found it claimed
    committed.session.remove()
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(JobRun)
                                    .where(JobRun.job == "extend_horizon")) == 1


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("Threads:")[1].split()[0])


def test_gunicorn_workers_leave_the_jobs_to_one_scheduler_process(serve, tmp_path):
    """As deployed (ROOMBOOK_SCHEDULER unset), no worker starts a scheduler: its thread would show beside the
    one thread of a sync worker (threaded workers start theirs as requests come)."""
    server = serve(workers=2, threads=1, deploy_config=True, calendars=tmp_path)
    assert requests.get(server.url + "/api/v1/ping", timeout=10).status_code == 200
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    for _ in range(300):  # the master forks one worker after the other
        workers = [int(pid) for pid in children.read_text().split()]
        if len(workers) == 2:
            break
        time.sleep(0.1)
    assert len(workers) == 2
    assert [_threads(pid) for pid in workers] == [1, 1]
