"""Backups of the whole database and restoring them.

SQLite: the online backup API copies a consistent snapshot while the app keeps serving, and
restores the same way into the live file. PostgreSQL: `pg_dump` writes a plain SQL file that
drops and recreates every object; `psql` replays it in one transaction, so a failed restore
leaves the database as it was.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

REQUIRED_TABLES = ("alembic_version", "accommodation", "room", "booking", "occupancy")


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why."""


def _sqlite_path(url: sa.engine.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _pg_env(url: sa.engine.URL) -> dict[str, str]:
    """libpq's environment for the URL, so that no password appears on a command line."""
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to `target` (replaced if it exists)."""
    url = sa.engine.make_url(database_url)
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(partial)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        done = subprocess.run([_tool("pg_dump"), "--format=plain", "--clean", "--if-exists", "--no-owner",
                               "--no-privileges", "--file", str(partial)],
                              env=_pg_env(url), capture_output=True, text=True)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")
    partial.replace(target)  # a crash mid-way never leaves a half-written file under the real name


def _check_sqlite_backup(source: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source}: the file is damaged")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: not a roombook SQLite backup ({exc})") from None
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{source}: not a roombook backup (no {', '.join(missing)} table)")


def restore(database_url: str, source: Path) -> None:
    """Replace the database's whole content with the backup in `source`."""
    url = sa.engine.make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        backup_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            with live:
                backup_conn.backup(live)
        finally:
            live.close()
            backup_conn.close()
    elif url.get_backend_name() == "postgresql":
        head = source.read_text(encoding="utf-8", errors="replace")[:4000]
        if "PostgreSQL database dump" not in head:
            raise BackupError(f"{source}: not a pg_dump file written by `flask backup`")
        done = subprocess.run([_tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction",
                               "--set", "ON_ERROR_STOP=1", "--file", str(source)],
                              env=_pg_env(url), capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"psql failed, nothing was changed: {done.stderr.strip()[-2000:]}")
    else:
        raise BackupError(f"restoring {url.get_backend_name()} databases is not supported")
