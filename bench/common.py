"""What the benchmarks share: an empty database to build their city in."""
from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa


def empty_database(url: str | None, name: str) -> tuple[str, Path]:
    """A database to fill, and a fresh working directory (for calendars, exports): a new SQLite file in that
    directory, or the PostgreSQL database at `url` with its public schema dropped and made anew. The caller
    migrates it (flask_migrate.upgrade) inside the app's context."""
    work = Path(tempfile.mkdtemp(prefix=f"roombook-bench-{name}-"))
    if url is None:
        return f"sqlite:///{work / 'bench.sqlite'}", work
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url, work
