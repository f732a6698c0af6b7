"""Production-like tests: the app under gunicorn with several workers on loopback, on the suite's
database (SQLite in the first pass, PostgreSQL in the second), with committed data."""
from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from werkzeug.security import generate_password_hash

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.db import transaction
from roombook.models import Accommodation, Room, User
from tests.factories import ALL_WEEK

ROOT = Path(__file__).resolve().parents[2]
# Hashing is slow on purpose; seeded users share one hash (of "pw") and log in with API tokens anyway.
_PASSWORD_HASH = generate_password_hash("pw")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving `roombook:create_app()`; stop() ends it, kill() is a kill -9 of all its processes."""

    def __init__(self, database_url: str, workers: int = 4, threads: int | None = None, *,
                 deploy_config: bool = False, calendars: Path | None = None, access_log: Path | None = None):
        """deploy_config: serve exactly as production does (deploy/gunicorn.conf.py with wsgi:app: the app
        preloaded in the master, workers forked from it, no scheduler in them; threads as configured there
        unless given), writing the access log to `access_log` (else nowhere)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_SECRET_KEY": "prod-test"}
        if deploy_config:
            env.update(ROOMBOOK_BIND=f"127.0.0.1:{self.port}", ROOMBOOK_WORKERS=str(workers),
                       ROOMBOOK_CALENDARS_DIR=str(calendars or ROOT / "instance" / "test-calendars"))
            if threads is not None:
                env["ROOMBOOK_THREADS"] = str(threads)
            command = [GUNICORN, "-c", "deploy/gunicorn.conf.py", "--access-logfile", str(access_log or "/dev/null"),
                       "--log-level", "warning", "wsgi:app"]
        else:
            threads = threads or 1
            command = [GUNICORN, "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads",
                       str(threads), "--worker-class", "gthread" if threads > 1 else "sync", "--timeout", "120",
                       "--backlog", "256", "--log-level", "warning", "roombook:create_app()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.process.stderr.read().decode()[-2000:])
            try:
                if requests.get(self.url + "/api/v1/ping", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def kill(self) -> None:
        """kill -9 the master and every worker at once: no clean-up code runs anywhere."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.process.stderr.close()


@pytest.fixture
def serve(database_url, committed):
    """serve(workers=4) → a running Server; all are stopped at the end of the test."""
    servers: list[Server] = []

    def start(**options) -> Server:
        servers.append(Server(database_url, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def seed_city(db, *, rooms: int = 1, users: int = 1, role: str = "volunteer", max_days_ahead: int = 800):
    """Committed: an accommodation with rooms open all week, and users with API tokens."""
    with transaction():
        place = Accommodation(key="prod", name="Unterkunft Produktion")
        made = [Room(key=f"prod-room-{i}", name=f"Raum {i}", capacity=10, open=ALL_WEEK, accommodation=place,
                     max_days_ahead=max_days_ahead, max_open_bookings=100) for i in range(rooms)]
        db.session.add_all([place, *made])
        tokens = []
        for i in range(users):
            user = User(email=f"prod{i}@example.org", role=role, password_hash=_PASSWORD_HASH)
            db.session.add(user)
            tokens.append(create_api_token(db.session, user, "prod")[1])
        db.session.flush()
        room_ids = [r.id for r in made]
    return room_ids, tokens


def next_year_slot(day_offset: int = 0, hour: int = 10) -> tuple[str, str]:
    """Local times (the room's zone) in March next year: a free, bookable hour."""
    day = dt.date(clock.today().year + 1, 3, 1) + dt.timedelta(days=day_offset)
    return f"{day}T{hour:02}:00", f"{day}T{hour + 1:02}:00"
