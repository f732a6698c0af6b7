"""Pooled connections are pinged only after sitting idle: no round trip per request under load, and a
connection the server dropped during a quiet spell is replaced before a request uses it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from roombook import create_app
from roombook.db import db


@pytest.fixture
def make_app(app, database_url):
    """An app of its own (own engine and pool) on the test database, pinging after `idle` seconds."""
    made = []

    def make(idle: float):
        own = create_app({"TESTING": True, "ROOMBOOK_DATABASE_URL": database_url, "ROOMBOOK_SECRET_KEY": "t",
                          "ROOMBOOK_SCHEDULER": False, "ROOMBOOK_DB_PING_AFTER_IDLE_SECONDS": idle})
        made.append(own)
        return own

    yield make
    for own in made:
        with own.app_context():
            db.engine.dispose()


@pytest.fixture
def pings(monkeypatch):
    """Counts the pings of every engine's dialect class while the test runs."""
    seen = []

    def wrap(dialect_class):
        original = dialect_class.do_ping
        monkeypatch.setattr(dialect_class, "do_ping", lambda self, conn: seen.append(conn) or original(self, conn))

    return seen, wrap


def _use_the_database(app) -> None:
    """One request's worth of database use: check a connection out, query, give it back to the pool."""
    with app.app_context():
        try:
            assert db.session.scalar(sa.text("SELECT 1")) == 1
        finally:
            db.session.remove()


def _pooled(app):
    """The DBAPI connection waiting in the app's pool (the tests use one at a time)."""
    with app.app_context():
        (record,) = db.engine.pool._pool.queue
        return record.dbapi_connection


def _drop_pooled_connection(app, database_url: str) -> None:
    """What a server restart does to an idle connection: PostgreSQL ends its backend; SQLite's is closed."""
    connection = _pooled(app)
    if database_url.startswith("postgresql"):
        other = sa.create_engine(database_url)
        with other.begin() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": connection.info.backend_pid})
        other.dispose()
    else:
        connection.close()


def test_a_connection_used_a_moment_ago_is_not_pinged(make_app, pings):
    seen, wrap = pings
    busy = make_app(idle=60)
    with busy.app_context():
        wrap(type(db.engine.dialect))
    for _ in range(5):
        _use_the_database(busy)
    assert seen == []


def test_a_connection_idle_for_the_threshold_is_pinged_before_use(make_app, pings):
    seen, wrap = pings
    quiet = make_app(idle=0)
    with quiet.app_context():
        wrap(type(db.engine.dialect))
    _use_the_database(quiet)
    assert seen == []  # a new connection needs no ping
    _use_the_database(quiet)
    _use_the_database(quiet)
    assert len(seen) == 2


def test_a_connection_dropped_while_idle_is_replaced_before_use(make_app, database_url):
    quiet = make_app(idle=0)
    _use_the_database(quiet)
    dropped = _pooled(quiet)
    _drop_pooled_connection(quiet, database_url)
    _use_the_database(quiet)
    assert _pooled(quiet) is not dropped


def test_without_the_ping_a_dropped_connection_fails_its_request(make_app, database_url):
    """The counterpart: a connection used within the threshold is trusted, so the ping above is what saved it."""
    busy = make_app(idle=3600)
    _use_the_database(busy)
    dropped = _pooled(busy)
    _drop_pooled_connection(busy, database_url)
    with pytest.raises(sa.exc.DBAPIError):
        _use_the_database(busy)
    _use_the_database(busy)  # and the pool recovers on the next request
    assert _pooled(busy) is not dropped
