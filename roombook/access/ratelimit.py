"""Rate limits kept in the database, so they hold across all worker processes: a plain limit per window
(`allow`), and a growing delay after failures (`Backoff`) for guessing that must slow down without
shutting anyone else out."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.models import RateLimitHit


def allow(session: Session, bucket: str, limit: int, window: dt.timedelta, *, now: dt.datetime | None = None) -> bool:
    """Count one attempt in `bucket`; False when `limit` attempts were already made within `window`.

    The caller commits (the attempt counts even when it fails, which is the point). Old hits of
    the bucket are pruned on the way.
    """
    now = now or clock.now()
    since = now - window
    session.execute(sa.delete(RateLimitHit).where(RateLimitHit.bucket == bucket, RateLimitHit.at < since))
    recent = session.scalar(sa.select(sa.func.count()).select_from(RateLimitHit)
                            .where(RateLimitHit.bucket == bucket, RateLimitHit.at >= since))
    if recent >= limit:
        return False
    session.add(RateLimitHit(bucket=bucket, at=now))
    session.flush()
    return True


@dataclass(frozen=True)
class Backoff:
    """A growing delay: `free` failures cost nothing, then each one doubles the wait before the next attempt,
    from `first` up to `longest`. Failures older than `memory` are forgotten."""

    free: int
    first: dt.timedelta
    longest: dt.timedelta
    memory: dt.timedelta

    def delay(self, failures: int) -> dt.timedelta:
        """How long after the last of `failures` failures the next attempt must wait."""
        if failures < self.free:
            return dt.timedelta(0)
        return min(self.first * 2 ** min(failures - self.free, 32), self.longest)


def wait(session: Session, bucket: str, backoff: Backoff, *, now: dt.datetime | None = None) -> dt.timedelta:
    """How long an attempt in `bucket` must still wait (zero: it may go now). Forgotten failures are pruned."""
    now = now or clock.now()
    session.execute(sa.delete(RateLimitHit).where(RateLimitHit.bucket == bucket,
                                                  RateLimitHit.at < now - backoff.memory))
    failures, last = session.execute(sa.select(sa.func.count(), sa.func.max(RateLimitHit.at))
                                     .where(RateLimitHit.bucket == bucket)).one()
    if not failures:
        return dt.timedelta(0)
    return max(last + backoff.delay(failures) - now, dt.timedelta(0))


def note_failure(session: Session, bucket: str, *, now: dt.datetime | None = None) -> None:
    """Count a failed attempt in `bucket` (the caller commits, also when the attempt failed)."""
    session.add(RateLimitHit(bucket=bucket, at=now or clock.now()))
    session.flush()


def forget(session: Session, bucket: str) -> None:
    """Clear the bucket's failures (the attempt succeeded)."""
    session.execute(sa.delete(RateLimitHit).where(RateLimitHit.bucket == bucket))


def serialize(session: Session, bucket: str) -> None:
    """Make attempts in one bucket wait for each other until the end of the transaction, so concurrent ones
    cannot all pass the same check. SQLite needs nothing: `transaction()` already holds its one write lock;
    PostgreSQL takes a lock on the bucket's name (an advisory lock: no row needs to exist)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(bucket, 0))))
