"""The reminder job sends each reminder exactly once: two schedulers running it at the same moment (threads with
connections of their own, on SQLite and PostgreSQL), and a run that crashed half-way followed by the next one."""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from roombook import jobs
from roombook.booking.service import book_room
from roombook.db import transaction
from roombook.models import Accommodation, OutboxMessage, ReminderSent, Room, User
from roombook.notifications import reminders
from tests.factories import ALL_WEEK, local

PEOPLE = 6
EVENING = local(2027, 3, 1, 18, 5)  # Monday evening: Tuesday's reminders are due


def _seed(db) -> None:
    with transaction():
        place = Accommodation(key="race-acc", name="Unterkunft Race", residents=50)
        room = Room(key="race-room", name="Raum", capacity=20, features=[], open=ALL_WEEK, accommodation=place)
        db.session.add_all([place, room])
        db.session.flush()
        for n in range(PEOPLE):
            person = User(email=f"person{n}@example.org", role="volunteer", password_hash="-")  # never logs in
            db.session.add(person)
            db.session.flush()
            start = local(2027, 3, 2, 8 + n)
            book_room(db.session, person, room, start, start + dt.timedelta(minutes=50), f"Gruppe {n}",
                      now=local(2027, 2, 1))
    db.session.remove()


def _reminders_per_person(db) -> Counter:
    with transaction(write=False):
        sent = Counter(db.session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "reminder")))
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSent))
    db.session.remove()
    assert rows == sum(sent.values())
    return sent


def test_two_schedulers_at_once_send_each_reminder_exactly_once(app, committed, monkeypatch):
    db = committed
    _seed(db)
    barrier = threading.Barrier(2)
    found = reminders.candidates

    def candidates_then_meet(*args, **kwargs):
        due = found(*args, **kwargs)
        barrier.wait(timeout=30)  # both runs have read the same due list before either writes
        return due

    monkeypatch.setattr(reminders, "candidates", candidates_then_meet)
    queued, errors = [], []

    def run() -> None:
        try:
            queued.append(jobs.send_reminders(app, EVENING))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(queued, reverse=True)[0] >= 1
    assert sum(queued) == PEOPLE
    with app.app_context():
        assert _reminders_per_person(db) == Counter({f"person{n}@example.org": 1 for n in range(PEOPLE)})


def test_a_run_that_crashed_half_way_is_completed_by_the_next_without_repeats(app, committed, monkeypatch):
    db = committed
    _seed(db)
    remind = reminders.remind
    calls = []

    def crash_on_the_third(*args, **kwargs):
        calls.append(1)
        queued = remind(*args, **kwargs)
        if len(calls) == 3:  # the third's message and row are written, not committed: both roll back together
            raise SystemExit("the process died")
        return queued

    monkeypatch.setattr(reminders, "remind", crash_on_the_third)
    with pytest.raises(SystemExit):
        jobs.send_reminders(app, EVENING)
    with app.app_context():
        assert sum(_reminders_per_person(db).values()) == 2
    monkeypatch.setattr(reminders, "remind", remind)
    assert jobs.send_reminders(app, EVENING + dt.timedelta(minutes=5)) == PEOPLE - 2
    with app.app_context():
        assert _reminders_per_person(db) == Counter({f"person{n}@example.org": 1 for n in range(PEOPLE)})
