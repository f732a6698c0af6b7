"""A closure and bookings inside it, fired at once through the API under gunicorn with four workers, on the
suite's database: every booking is either refused (the closure named) or taken along as an item of the closure's
change. Never an active booking inside a closure, never a displaced one nobody decides about. A few bounded
rounds. (The hardening review saw 6 of 9 rounds leave bookings behind on PostgreSQL before rooms were locked.)"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests
import sqlalchemy as sa

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.db import transaction
from roombook.models import Accommodation, Booking, ChangeItem, Closure, User
from roombook.models.reservations import BookingStatus
from tests.production.conftest import _PASSWORD_HASH, Server, seed_city

ROUNDS = 3
BOOKINGS = 7


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    running = Server(database_url, workers=4, deploy_config=True, calendars=tmp_path_factory.mktemp("calendars"))
    yield running
    running.stop()


def _manager_token(db) -> str:
    with transaction():
        place = db.session.scalar(sa.select(Accommodation).where(Accommodation.key == "prod"))
        manager = User(email="prod-manager@example.org", role="facility_manager", password_hash=_PASSWORD_HASH,
                       accommodations=[place])
        db.session.add(manager)
        db.session.flush()
        return create_api_token(db.session, manager, "prod")[1]


def _fire(url: str, requests_: list[tuple[str, dict, str]]) -> list[int]:
    barrier = threading.Barrier(len(requests_))
    statuses = [0] * len(requests_)

    def post(i: int) -> None:
        path, body, token = requests_[i]
        with requests.Session() as http:
            barrier.wait(timeout=60)
            statuses[i] = http.post(url + path, json=body, timeout=120,
                                    headers={"Authorization": f"Bearer {token}"}).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(requests_))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return statuses


def test_a_closure_raced_by_bookings_inside_it_leaves_none_behind(server, committed, dialect):
    room_ids, tokens = seed_city(committed, users=BOOKINGS)
    manager = _manager_token(committed)
    for round_ in range(ROUNDS):
        day = dt.date(clock.today().year + 1, 3, 1) + dt.timedelta(days=round_)
        closure = ("/api/v1/closures", {"room": room_ids[0], "start": f"{day}T08:00", "end": f"{day}T20:00",
                                        "kind": "other_use", "reason": f"Lager {round_}"}, manager)
        bookings = [("/api/v1/bookings", {"room": room_ids[0], "start": f"{day}T{9 + i:02}:00",
                                          "end": f"{day}T{9 + i:02}:45", "title": f"Gruppe {i}"}, tokens[i])
                    for i in range(BOOKINGS)]
        statuses = _fire(server.url, [closure, *bookings])
        assert statuses[0] == 201, statuses
        assert set(statuses[1:]) <= {201, 409, 422}, statuses
        committed.session.remove()
        row = committed.session.scalar(sa.select(Closure).where(Closure.reason == f"Lager {round_}"))
        inside = committed.session.scalars(sa.select(Booking).where(
            Booking.room_id == room_ids[0], Booking.starts_at < row.ends_at, Booking.ends_at > row.starts_at)).all()
        assert not [b for b in inside if b.status == BookingStatus.ACTIVE], f"round {round_}: active in a closure"
        items = committed.session.scalars(sa.select(ChangeItem)).all()
        in_items = {hit["booking"] for item in items for hit in item.hits if "booking" in hit}
        displaced = {b.id for b in inside if b.status == BookingStatus.DISPLACED}
        assert displaced <= in_items, f"round {round_}: displaced without a change item"
        assert len(inside) == statuses[1:].count(201)
        print(f"\n{dialect} round {round_}: {statuses[1:].count(201)} booked before the closure and taken along, "
              f"{len(statuses) - 1 - statuses[1:].count(201)} refused after it")


@pytest.mark.parametrize("limit", [5, 12])
def test_the_open_booking_limit_holds_under_simultaneous_bookings(server, committed, limit):
    """Twelve simultaneous bookings by one volunteer in one room: exactly the room's limit is held (the count
    runs under the room's lock; the review saw 6 held for a limit of 5 and 14 for 12 on PostgreSQL)."""
    from roombook.models import Room

    room_ids, tokens = seed_city(committed, users=1)
    with transaction():
        committed.session.get(Room, room_ids[0]).max_open_bookings = limit
    day = dt.date(clock.today().year + 1, 4, 1)
    bookings = [("/api/v1/bookings", {"room": room_ids[0], "start": f"{day + dt.timedelta(days=i)}T10:00",
                                      "end": f"{day + dt.timedelta(days=i)}T11:00", "title": f"Termin {i}"}, tokens[0])
                for i in range(12)]
    statuses = _fire(server.url, bookings)
    assert statuses.count(201) == min(limit, 12), statuses
    assert set(statuses) <= {201, 422, 409}
    committed.session.remove()
    held = committed.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
        Booking.room_id == room_ids[0], Booking.status == BookingStatus.ACTIVE))
    assert held == min(limit, 12)
