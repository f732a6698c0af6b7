"""A small world for hardening tests: two accommodations (A and B), a user of every role, bookings
in both, and a token for each user. Facility manager `manager_a` manages A only."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from werkzeug.security import generate_password_hash

from roombook import clock
from roombook.access.api_tokens import create_api_token
from roombook.booking import book_room
from roombook.db import db
from roombook.models import (
    Booking,
    ChangeItem,
    Conflict,
    FeedToken,
    PlanRun,
    Room,
    RoomChange,
    User,
)
from tests.factories import local

ROLES = ("admin", "coordinator", "manager_a", "manager_b", "department", "volunteer", "other_volunteer")
PASSWORD = "secret-pw"
_numbers = itertools.count(1)
NEXT_YEAR = clock.today().year + 1


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    room_a: Room | None = None
    room_b: Room | None = None
    booking_a: Booking | None = None  # volunteer's, in A
    booking_b: Booking | None = None  # other_volunteer's, in B
    conflict_a: Conflict | None = None  # open, in A
    run_a: PlanRun | None = None  # queued, scope A
    change_a: RoomChange | None = None  # proposed, in A: the volunteer's booking lost to a closure
    feed_token: FeedToken | None = None  # volunteer's


def slot(week: int = 0, hour: int = 10) -> tuple[dt.datetime, dt.datetime]:
    start = local(NEXT_YEAR, 3, 2, hour) + dt.timedelta(weeks=week)
    return start, start + dt.timedelta(hours=1)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashing is slow on purpose; the world's many users share one hash of PASSWORD."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def world(session, make_room, password_hash) -> World:
    w = World()
    w.room_a = make_room(max_days_ahead=800)
    w.room_b = make_room(max_days_ahead=800)
    roles = {"admin": ("admin", {}), "coordinator": ("coordinator", {}),
             "manager_a": ("facility_manager", {"accommodations": [w.room_a.accommodation]}),
             "manager_b": ("facility_manager", {"accommodations": [w.room_b.accommodation]}),
             "department": ("department", {}), "volunteer": ("volunteer", {}),
             "other_volunteer": ("volunteer", {})}
    for name, (role, params) in roles.items():
        n = next(_numbers)
        w.users[name] = User(email=f"{name}{n}@example.org", role=role, password_hash=password_hash, **params)
        session.add(w.users[name])
        session.flush()
        _token, secret = create_api_token(session, w.users[name], "test")
        w.headers[name] = {"Authorization": f"Bearer {secret}"}
    w.booking_a = book_room(session, w.users["volunteer"], w.room_a, *slot(0), "Hausaufgabenhilfe")
    w.booking_b = book_room(session, w.users["other_volunteer"], w.room_b, *slot(0), "Nähcafé")
    w.conflict_a = Conflict(kind="displaced_booking", accommodation=w.room_a.accommodation, room_id=w.room_a.id,
                            booking_id=w.booking_a.id, summary="Raum geschlossen", alternatives=[])
    session.add(w.conflict_a)
    # a run of A from a while ago (not blocking new ones), still without a plan
    w.run_a = PlanRun(created_by_id=w.users["manager_a"].id, scope=[w.room_a.accommodation.key], status="failed",
                      progress={})
    session.add(w.run_a)
    w.change_a = RoomChange(accommodation_id=w.room_a.accommodation_id, room_id=w.room_a.id, reason="Lager",
                            starts_at=slot(0)[0], ends_at=slot(0)[1], status="proposed")
    w.change_a.items.append(ChangeItem(kind="booking", booking_id=w.booking_a.id, owner_id=w.users["volunteer"].id,
                                       title=w.booking_a.title, hits=[{"booking": w.booking_a.id,
                                                                       "start": slot(0)[0].isoformat(),
                                                                       "end": slot(0)[1].isoformat()}]))
    session.add(w.change_a)
    from roombook.feeds.tokens import create_feed_token

    w.feed_token, _secret = create_feed_token(session, w.users["volunteer"], "volunteer")
    session.flush()
    return w


def a_training(w: World, sign_up: bool = True) -> tuple[int, int | None]:
    """A training at an outside place in six weeks, the volunteer signed up: (training id, their sign-up's id)."""
    from roombook.coordination import trainings

    start, end = slot(6)
    training = trainings.create_training(
        db.session, w.users["coordinator"], title="Erste Hilfe", description="", seats=2,
        deadline=start - dt.timedelta(days=1), sessions=[trainings.PlannedSession(start, end, place="DRK")],
        now=clock.now())
    signup = trainings.sign_up(db.session, w.users["volunteer"], training, now=clock.now()) if sign_up else None
    db.session.flush()
    return training.id, signup.id if signup else None
