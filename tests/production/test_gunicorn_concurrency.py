"""Fifty simultaneous POSTs through the API under gunicorn with four workers (the production configuration),
on the suite's database (SQLite in the first pass, PostgreSQL in the second): one slot → exactly one 201;
different free slots → all 201."""
from __future__ import annotations

import threading
import time

import pytest
import requests
import sqlalchemy as sa

from roombook.models import Booking, Occupancy
from tests.production.conftest import Server, next_year_slot, seed_city

REQUESTS = 50


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    """One gunicorn with four workers for the module, configured as in production (deploy/gunicorn.conf.py:
    workers forked from a preloaded app); each test commits its own data (and wipes it)."""
    running = Server(database_url, workers=4, deploy_config=True, calendars=tmp_path_factory.mktemp("calendars"))
    yield running
    running.stop()


def _fire(url: str, bodies: list[dict], tokens: list[str]) -> tuple[list[int], float]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def post(i: int) -> None:
        with requests.Session() as http:
            barrier.wait(timeout=60)
            answer = http.post(url + "/api/v1/bookings", json=bodies[i], timeout=120,
                               headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            statuses[i] = answer.status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return statuses, time.monotonic() - started


def test_fifty_simultaneous_posts_for_one_slot_give_exactly_one_201(server, committed, dialect):
    room_ids, tokens = seed_city(committed, users=REQUESTS)
    start, end = next_year_slot()
    bodies = [{"room": room_ids[0], "start": start, "end": end, "title": f"Versuch {i}"} for i in range(REQUESTS)]
    statuses, seconds = _fire(server.url, bodies, tokens)
    print(f"\n{dialect}: one slot, {REQUESTS} POSTs in {seconds:.2f} s: "
          f"{statuses.count(201)}×201, {statuses.count(409)}×409")
    assert sorted(statuses) == [201] + [409] * (REQUESTS - 1)
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(Occupancy)) == 1


def test_fifty_simultaneous_posts_for_different_slots_all_201(server, committed, dialect):
    room_ids, tokens = seed_city(committed, rooms=5, users=10)
    bodies = []
    for i in range(REQUESTS):
        start, end = next_year_slot(day_offset=i // 10, hour=8 + i % 10)
        bodies.append({"room": room_ids[i % 5], "start": start, "end": end, "title": f"Slot {i}"})
    statuses, seconds = _fire(server.url, bodies, tokens)
    print(f"\n{dialect}: {REQUESTS} different slots in {seconds:.2f} s: {statuses.count(201)}×201")
    assert statuses == [201] * REQUESTS
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == REQUESTS


def test_one_idempotency_key_sent_fifty_times_at_once_books_once(server, committed):
    room_ids, tokens = seed_city(committed, users=1)
    start, end = next_year_slot()
    barrier = threading.Barrier(20)
    answers: list[requests.Response] = []

    def post() -> None:
        barrier.wait(timeout=60)
        answers.append(requests.post(server.url + "/api/v1/bookings", timeout=120, json={
            "room": room_ids[0], "start": start, "end": end, "title": "Einmal"},
            headers={"Authorization": f"Bearer {tokens[0]}", "Idempotency-Key": "once-only"}))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert [a.status_code for a in answers] == [201] * 20
    assert len({a.json()["id"] for a in answers}) == 1
    assert committed.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
