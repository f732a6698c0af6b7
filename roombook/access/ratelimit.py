"""Rate limits kept in the database, so they hold across all worker processes."""
from __future__ import annotations

import datetime as dt

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
