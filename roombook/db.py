"""Database wiring: the SQLAlchemy object, UTC timestamps, SQLite pragmas, and the one transaction helper."""
from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from roombook import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
MIGRATIONS = Path(__file__).parent / "migrations"


class UTCDateTime(sa.types.TypeDecorator):
    """An instant: aware UTC in Python, timestamptz on PostgreSQL, fixed-format naive UTC text on SQLite.

    SQLite compares the stored text, so every value must be written in the same UTC form; naive
    datetimes are refused rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC instant")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    """A column default: the city clock's now (tests set the clock, not the system)."""
    return clock.now()


def init_app(app: Flask) -> None:
    db.init_app(app)
    if app.config["ROOMBOOK_MIGRATIONS"]:
        # Flask-Migrate brings Alembic, Mako and Pygments: 12 MiB in a process that never migrates, as the
        # serving ones (wsgi.py turns it off; the web unit migrates with `flask db upgrade` before starting).
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS))
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session is removed.
    app.teardown_appcontext(_end_read_transaction)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
        _watch_writes(db.engine)
        _ping_after_idle(db.engine, float(app.config["ROOMBOOK_DB_PING_AFTER_IDLE_SECONDS"]))


_IDLE_SINCE = "roombook_idle_since"


def _ping_after_idle(engine: sa.Engine, seconds: float) -> None:
    """Ping a pooled connection before use if it sat idle for `seconds`; a dead one is replaced.

    SQLAlchemy's pool_pre_ping pings on every check-out: a round trip per request for a connection
    that was in use milliseconds before. A server restart or a dropped connection happens while a
    connection sits idle (overnight, between quiet hours), and that is when this ping runs. A
    connection lost in the middle of busy traffic fails its request, and SQLAlchemy then discards
    every pooled connection opened before the failure.
    """

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"pooled connection is gone: {exc}") from exc


_CONNECTION = "roombook_connection"
_WROTE = "roombook_wrote"


@sa.event.listens_for(sa.orm.Session, "after_begin")
def _remember_connection(session, _transaction, connection) -> None:
    session.info[_CONNECTION] = connection


def _watch_writes(engine: sa.Engine) -> None:
    """Mark a connection's transaction as writing once it sends anything but a SELECT (or the BEGIN that
    SQLite's transactions are started with)."""

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.info.pop(_WROTE, None)

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _on_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() not in ("SELECT", "BEGIN "):
            conn.info[_WROTE] = True


def _end_read_transaction(exception: BaseException | None) -> None:
    """End a request's transaction that only read with COMMIT instead of the ROLLBACK of removing the session.

    The two are the same for a transaction that wrote nothing, but psycopg forgets its prepared
    statements on every ROLLBACK: PostgreSQL would parse and plan every query of every request anew.
    A failed request, or a transaction that wrote (outside `transaction()`, which commits its own),
    is still rolled back.
    """
    registry = db.session.registry
    if exception is not None or not registry.has():
        return
    session = registry()
    if session.in_transaction() and _only_read(session):
        session.commit()


def _only_read(session: sa.orm.Session) -> bool:
    """Whether the session's transaction has sent nothing but SELECTs and holds no unflushed changes."""
    connection = session.info.get(_CONNECTION)
    return (connection is not None and not connection.closed and not connection.info.get(_WROTE)
            and not (session.new or session.dirty or session.deleted))


def _tune_sqlite(engine: sa.Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, and transactions we begin ourselves.

    pysqlite's own transaction handling would begin DEFERRED transactions lazily; the write path
    needs BEGIN IMMEDIATE so that the overlap re-check and the insert happen under the write lock.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def transaction(*, write: bool = True) -> Iterator[sa.orm.Session]:
    """Commit what the block did, or roll all of it back; domain code inside only flushes.

    With write=True on SQLite the block starts a transaction of its own that takes the write lock at
    once (BEGIN IMMEDIATE): concurrent writers queue instead of failing, and checks made inside see
    the latest data.
    Overlap refusals by the database surface as `roombook.booking.errors.BookingConflict`.
    """
    from roombook.booking.errors import conflict_from_integrity_error

    session = db.session()  # the request's Session behind the scoped proxy
    sqlite = db.engine.dialect.name == "sqlite"
    if session.in_transaction() and (sqlite or not _only_read(session)):
        # End the transaction that loading the request's objects began: on SQLite the block needs a
        # fresh one (a read transaction can't take the write lock later without risking SQLITE_BUSY),
        # and whatever was written before the block is not the block's to roll back. The objects stay
        # loaded: the checks inside query what can change under a concurrent writer afresh.
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    # Otherwise (PostgreSQL, only read so far) the block goes on in that transaction: under READ
    # COMMITTED each statement sees what was committed before it, as in a new transaction, and a
    # COMMIT, a BEGIN and a connection check-out per request are saved.
    if write and sqlite:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict_from_integrity_error(exc) from exc
    except BaseException:
        session.rollback()
        raise


# A claim nobody finished within this time belongs to a process that died: another may take it over.
CLAIM_EXPIRES = dt.timedelta(minutes=30)


def claim_run(job: str, run_key: str) -> bool:
    """Claim the run of `job` for `run_key` (e.g. the date); True for exactly one caller.

    A claim that was never finished and is older than CLAIM_EXPIRES is taken over (its process crashed
    mid-run), so a crash delays a run instead of losing it for good.
    """
    from roombook.models import JobRun

    try:
        with transaction():
            db.session.add(JobRun(job=job, run_key=run_key))
            db.session.flush()
        return True
    except sa.exc.IntegrityError:
        pass
    now = clock.now()
    with transaction():
        taken = db.session.execute(
            sa.update(JobRun).where(JobRun.job == job, JobRun.run_key == run_key, JobRun.finished_at.is_(None),
                                    JobRun.started_at < now - CLAIM_EXPIRES)
            .values(started_at=now)).rowcount
    return taken == 1


def finish_run(job: str, run_key: str) -> None:
    """Record that the claimed run completed, so it is never taken over."""
    from roombook.models import JobRun

    with transaction():
        db.session.execute(sa.update(JobRun).where(JobRun.job == job, JobRun.run_key == run_key)
                           .values(finished_at=clock.now()))


# Text a database can store: PostgreSQL refuses the NUL character, and UTF-8 has no unpaired surrogates
# (JSON's "\ud800" escape makes one). Input is checked against this where it enters (forms, API bodies),
# so such text is a clear refusal naming its field instead of a database error.
def storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class TextFault(StrEnum):
    """Why text a person typed is refused (see `text_fault`); each surface words it in its language."""

    UNSTORABLE = "unstorable"
    CONTROL = "control"
    BIDI = "bidi"
    INVISIBLE = "invisible"


# Bidi embeddings, overrides (U+202A-202E) and isolates (U+2066-2069) make text display other than it
# reads ("Trojan Source"), in pages, mails and calendars alike. The marks right-to-left text needs stay
# allowed: LRM and RLM (U+200E/200F), ZWNJ and ZWJ (U+200C/200D, Persian and Arabic words).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line breaks allowed in text of several lines (a note, a reason); one-line text (titles, names, keys)
# takes none: they would break a mail subject or a calendar line. A tab is whitespace anywhere.
LINE_BREAKS = frozenset("\n\r\u2028\u2029")
# What shows nothing on its own: whitespace, format and control characters, combining marks with
# nothing to combine with, and the letters that are blank by design (Hangul fillers, the empty
# Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def text_fault(value: str, *, multiline: bool = False) -> TextFault | None:
    """What is wrong with text a person typed, or None: the one rule for forms, API fields and URL keys.

    Refused are text no database can store, control characters (RFC 5545 forbids them in calendars,
    mail headers break on line breaks; `multiline` text may hold line breaks), bidi controls, and
    text that has characters but none a reader could see. Blank text is left to the field's own
    "required" check.
    """
    if not storable(value):
        return TextFault.UNSTORABLE
    if value.isascii() and value.isprintable():
        return None  # the common case, in one pass
    allowed = LINE_BREAKS | {"\t"} if multiline else frozenset("\t")
    seen_visible = False
    for char in value:
        if char in BIDI_CONTROLS:
            return TextFault.BIDI
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") and char not in allowed:
            return TextFault.CONTROL
        seen_visible = seen_visible or (category not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS)
    if not seen_visible and value.strip():
        return TextFault.INVISIBLE
    return None
