"""Rate limits are counted in the database, per bucket and window."""
from __future__ import annotations

import datetime as dt

from roombook.access.ratelimit import allow
from tests.factories import local


def test_limit_refuses_the_attempt_after_the_limit_until_the_window_passes(session):
    start = local(2027, 3, 1, 10).astimezone(dt.timezone.utc)
    window = dt.timedelta(minutes=5)
    assert [allow(session, "login:1.2.3.4", 3, window, now=start + dt.timedelta(seconds=i)) for i in range(4)] \
        == [True, True, True, False]
    assert allow(session, "login:5.6.7.8", 3, window, now=start)  # other buckets are independent
    assert allow(session, "login:1.2.3.4", 3, window, now=start + dt.timedelta(minutes=6))


def test_backoff_counts_failures_until_forgotten_and_waits_from_the_last(session):
    from roombook.access.ratelimit import Backoff, forget, note_failure, wait

    start = local(2027, 3, 1, 10).astimezone(dt.timezone.utc)
    backoff = Backoff(free=2, first=dt.timedelta(seconds=10), longest=dt.timedelta(seconds=25),
                      memory=dt.timedelta(hours=1))
    waits = []
    for n in range(4):
        note_failure(session, "pair", now=start + dt.timedelta(seconds=n))
        waits.append(wait(session, "pair", backoff, now=start + dt.timedelta(seconds=n)).total_seconds())
    assert waits == [0, 10, 20, 25]  # free, free, then doubling up to the longest wait
    assert wait(session, "other", backoff, now=start) == dt.timedelta(0)
    assert wait(session, "pair", backoff, now=start + dt.timedelta(seconds=20)) == dt.timedelta(seconds=8)
    assert wait(session, "pair", backoff, now=start + dt.timedelta(hours=1, seconds=2)) == dt.timedelta(0)
    note_failure(session, "pair", now=start)
    forget(session, "pair")
    assert wait(session, "pair", backoff, now=start) == dt.timedelta(0)
