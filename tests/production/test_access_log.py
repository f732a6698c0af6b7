"""A private feed's link is its secret: neither gunicorn's access log (as deployed) nor the development
server's request log keeps it. Both servers are real; the log lines are read where they are written."""
from __future__ import annotations

import logging
import sys
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from roombook.db import transaction
from roombook.feeds.tokens import create_feed_token
from roombook.models import User
from tests.production.conftest import _PASSWORD_HASH, Server


@pytest.fixture
def secret(committed) -> str:
    """A volunteer's private feed link, committed for the server's own connections."""
    with transaction():
        user = User(email="feed-owner@example.org", role="volunteer", password_hash=_PASSWORD_HASH)
        committed.session.add(user)
        committed.session.flush()
        _token, secret = create_feed_token(committed.session, user, "volunteer")
    return secret


def _read_when_written(path, expected_lines: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= expected_lines:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"the access log has {len(lines)} lines, not {expected_lines}")


def test_gunicorn_as_deployed_logs_private_feed_requests_without_the_secret(database_url, secret, tmp_path):
    log = tmp_path / "access.log"
    server = Server(database_url, workers=1, deploy_config=True, calendars=tmp_path / "calendars", access_log=log)
    try:
        url = f"{server.url}/calendars/private/{secret}.ics"
        assert requests.get(url, timeout=10).status_code == 200
        assert requests.get(url + "?download=1", headers={"Referer": url}, timeout=10).status_code == 200
        assert requests.get(f"{server.url}/calendars/all.ics", timeout=10).status_code == 200
        lines = [line for line in _read_when_written(log, 4) if "/api/v1/ping" not in line]
    finally:
        server.stop()
    assert len(lines) == 3
    assert not any(secret in line for line in lines), lines
    assert '"GET /calendars/private/[redacted] HTTP/1.1" 200' in lines[0]
    assert '"GET /calendars/private/[redacted]?download=1 HTTP/1.1" 200' in lines[1]
    assert '"http://127.0.0.1:' in lines[1] and '/calendars/private/[redacted]"' in lines[1]  # the referrer
    assert '"GET /calendars/all.ics HTTP/1.1" 200' in lines[2]  # other paths as they are


def test_the_development_server_logs_private_feed_requests_without_the_secret(app, caplog, monkeypatch):
    secret = "Zm9vYmFyLXNlY3JldC10b2tlbi1mb3ItdGVzdHM"
    # Alembic's logging set-up in the suite's migration disabled the loggers that existed then; a server
    # process never migrates in-process (`flask db upgrade` is a command of its own)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            answer = requests.get(f"http://127.0.0.1:{server.port}/calendars/private/{secret}.ics", timeout=10)
            assert answer.status_code == 404  # no such link; the request line is logged all the same
            deadline = time.monotonic() + 10
            while not any("/calendars/private/" in r.getMessage() for r in caplog.records) \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.shutdown()
        thread.join(10)
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /calendars/private/[redacted] HTTP/1.1" in line and " 404 " in line for line in logged), logged
    assert not any(secret in line for line in logged)


def test_flask_logs_an_exception_on_a_private_feed_without_the_secret(app, caplog, monkeypatch):
    """What Flask writes for a failed request ("Exception on <path> [GET]") goes to the error log."""
    monkeypatch.setattr(app.logger, "disabled", False)  # as the werkzeug logger above
    with app.test_request_context("/calendars/private/geheim.ics"), caplog.at_level(logging.ERROR):
        try:
            raise RuntimeError("kaputt")
        except RuntimeError:
            app.log_exception(sys.exc_info())
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.getMessage() == "Exception on /calendars/private/[redacted] [GET]"
    assert record.exc_info[1].args == ("kaputt",)
