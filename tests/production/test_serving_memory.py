"""What gunicorn's master holds is in every worker's memory: the serving app leaves out what serving never uses,
and freezes the rest for the garbage collector before forking (bench/memory.py measures what that saves)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, sys
import wsgi
wsgi.prepare_to_fork(wsgi.app)
heavy = ("alembic", "mako", "pygments", "flask_migrate", "ortools", "numpy", "pandas", "apscheduler", "jsonschema")
print(json.dumps({"loaded": sorted(m for m in heavy if m in sys.modules), "frozen": gc.get_freeze_count()}))
"""


def test_the_master_loads_no_migrations_solver_or_scheduler_and_freezes_its_objects(tmp_path):
    # an empty database (not migrated): the pages with data are left out, the master starts all the same
    env = {**os.environ, "ROOMBOOK_PRELOADED_BY": "gunicorn", "ROOMBOOK_SECRET_KEY": "probe",
           "ROOMBOOK_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite'}"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["loaded"] == []
    assert found["frozen"] > 100_000


WARM_WITH_DATA = """
import json
import wsgi
from roombook.db import db
paths = wsgi._pages_with_data(wsgi.app)
client = wsgi.app.test_client()
statuses = [client.get(path).status_code for path in paths]
wsgi.prepare_to_fork(wsgi.app)
with wsgi.app.app_context():
    pool = db.engine.pool
    print(json.dumps({"paths": paths, "statuses": statuses, "connections": pool.checkedin() + pool.checkedout()}))
"""


def test_the_master_runs_the_public_pages_and_feeds_of_the_first_house_and_keeps_no_connection(
        committed, database_url, tmp_path):
    from tests.production.conftest import seed_city

    seed_city(committed)
    env = {**os.environ, "ROOMBOOK_PRELOADED_BY": "gunicorn", "ROOMBOOK_SECRET_KEY": "probe",
           "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_CALENDARS_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", WARM_WITH_DATA], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert "/accommodations/prod" in found["paths"] and "/calendars/room/prod-room-0.ics" in found["paths"]
    assert set(found["statuses"]) == {200}
    assert found["connections"] == 0
