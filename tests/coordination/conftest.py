"""The world of the training tests: a coordinator, volunteers, a room, and the clock at a fixed Monday."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from werkzeug.security import generate_password_hash

from roombook import clock
from roombook.coordination import trainings
from roombook.models import User
from tests.factories import local

NOW = local(2027, 3, 1, 9)  # a Monday; the training's sessions are in the week after
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def shared_hash() -> str:
    """Hashing is slow on purpose: the many volunteers share one hash."""
    return generate_password_hash("secret-pw")


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as now:
        yield now


def new_user(session, role: str, password_hash: str, language: str = "de") -> User:
    n = next(_numbers)
    user = User(email=f"t{role}{n}@example.org", display_name=f"{role.title()} {n}", role=role,
                password_hash=password_hash, language=language)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def coordinator(session, shared_hash) -> User:
    return new_user(session, "coordinator", shared_hash)


@pytest.fixture
def volunteers(session, shared_hash):
    def make(count: int, language: str = "de") -> list[User]:
        return [new_user(session, "volunteer", shared_hash, language) for _ in range(count)]
    return make


@pytest.fixture
def make_training(session, coordinator, make_room, frozen):
    """make_training(seats, sessions=2, qualification=None) → a training in a room, deadline the Friday before."""
    def make(seats: int = 2, sessions: int = 2, qualification: str | None = None, room=None):
        room = room or make_room()
        planned = [trainings.PlannedSession(start=local(2027, 3, 8 + i, 10), end=local(2027, 3, 8 + i, 12),
                                            room=room) for i in range(sessions)]
        return trainings.create_training(session, coordinator, title="Erste Hilfe am Kind", description="",
                                         seats=seats, deadline=local(2027, 3, 5, 18), sessions=planned,
                                         qualification=qualification, now=NOW)
    return make


def after(days: float) -> dt.datetime:
    return NOW + dt.timedelta(days=days)
