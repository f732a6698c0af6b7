"""Crash safety: the server is killed (-9, master and workers) while it creates a weekly series of 52
bookings. After a restart the series is there completely or not at all, and the database still
refuses overlapping occupancy."""
from __future__ import annotations

import threading
import time

import requests
import sqlalchemy as sa

from roombook.booking.errors import BookingConflict
from roombook.db import transaction
from roombook.models import Booking, Occupancy
from roombook.models.reservations import BookingStatus
from tests.production.conftest import next_year_slot, seed_city

WEEKS = 52


def _post_series(url: str, token: str, room_id: int, hour: int, outcome: dict) -> None:
    start, end = next_year_slot(hour=hour)
    try:
        answer = requests.post(url + "/api/v1/booking-series", timeout=120,
                               headers={"Authorization": f"Bearer {token}"},
                               json={"room": room_id, "start": start, "end": end, "title": f"Serie {hour}",
                                     "weeks": WEEKS})
        outcome["status"] = answer.status_code
    except requests.RequestException as exc:
        outcome["error"] = type(exc).__name__


def _count(db, hour: int) -> int:
    db.session.remove()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(Booking.title == f"Serie {hour}"))


def test_kill_during_weekly_series_leaves_all_or_nothing(serve, committed, dialect):
    room_ids, tokens = seed_city(committed, users=1)
    server = serve(workers=1)
    requests.get(server.url + "/api/v1/rooms", headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=60)
    began = time.monotonic()  # a warm worker: after each restart the kills below hit a cold, slower one
    whole: dict = {}
    _post_series(server.url, tokens[0], room_ids[0], 8, whole)
    duration = time.monotonic() - began
    assert whole == {"status": 201} and _count(committed, 8) == WEEKS

    interrupted = 0
    for hour, fraction in zip((10, 12, 14, 16), (0.05, 0.2, 0.4, 0.7)):
        outcome: dict = {}
        thread = threading.Thread(target=_post_series, args=(server.url, tokens[0], room_ids[0], hour, outcome))
        thread.start()
        time.sleep(duration * fraction)
        server.kill()
        thread.join(timeout=60)
        interrupted += "status" not in outcome
        server = serve(workers=1)  # restart on the same database
        found = _count(committed, hour)
        assert found in (0, WEEKS), f"{found} of {WEEKS} weeks after a crash ({dialect})"
        if outcome.get("status") == 201:
            assert found == WEEKS
    print(f"\n{dialect}: series of {WEEKS} took {duration:.2f} s; {interrupted} of 4 kills hit mid-request")
    assert interrupted >= 1, "no kill landed while the series was being written"

    # The occupancy guard is intact: every active booking holds exactly one row, and overlaps are refused.
    committed.session.remove()
    active = committed.session.scalar(sa.select(sa.func.count()).select_from(Booking)
                                      .where(Booking.status == BookingStatus.ACTIVE))
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(Occupancy)) == active
    first = committed.session.scalars(sa.select(Occupancy).limit(1)).one()
    try:
        with transaction() as session:
            session.add(Occupancy(room_id=first.room_id, starts_at=first.starts_at, ends_at=first.ends_at,
                                  booking_id=None, occurrence_id=None))
        raise AssertionError("an overlapping occupancy row was accepted")
    except (BookingConflict, sa.exc.IntegrityError):
        pass
    answer = requests.post(server.url + "/api/v1/bookings", headers={"Authorization": f"Bearer {tokens[0]}"},
                           json={"room": room_ids[0], "start": next_year_slot(hour=8)[0],
                                 "end": next_year_slot(hour=8)[1], "title": "nochmal"}, timeout=60)
    assert answer.status_code == 409
