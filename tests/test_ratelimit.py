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
