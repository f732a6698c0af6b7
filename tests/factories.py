"""Factories as fixtures returning callables: build only what a test needs, with sensible defaults."""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from roombook.access.accounts import create_user
from roombook.models import Accommodation, Offer, OfferSession, Provider, Room

BERLIN = ZoneInfo("Europe/Berlin")
ALL_WEEK = [{"day": d, "from": "08:00", "to": "20:00"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
_counter = itertools.count(1)
# the password of every user make_user makes, unless a test gives another
PASSWORD = "secret-pw"


def local(year, month, day, hour=0, minute=0) -> dt.datetime:
    """A Berlin wall-clock time as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def local_on(day: dt.date, hour=0, minute=0) -> dt.datetime:
    """A Berlin wall-clock time on a computed date (see tests/dates.py) as an aware datetime."""
    return local(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def make_accommodation(session):
    def make(**params) -> Accommodation:
        n = next(_counter)
        place = Accommodation(**{"key": f"acc-{n}", "name": f"Unterkunft {n}", "residents": 50, **params})
        session.add(place)
        session.flush()
        return place
    return make


@pytest.fixture
def make_room(session, make_accommodation):
    def make(accommodation: Accommodation | None = None, **params) -> Room:
        n = next(_counter)
        room = Room(**{"key": f"room-{n}", "name": f"Raum {n}", "capacity": 20, "features": ["whiteboard"],
                       "open": ALL_WEEK, "accommodation": accommodation or make_accommodation(), **params})
        session.add(room)
        session.flush()
        return room
    return make


@pytest.fixture
def make_user(session):
    def make(role: str = "volunteer", **params):
        n = next(_counter)
        return create_user(session, params.pop("email", f"user{n}@example.org"), role,
                           params.pop("password", PASSWORD), **params)
    return make


@pytest.fixture
def make_offer(session, make_room):
    """An offer with one weekly slot per (day, 'HH:MM') in `slots`, in `room`."""
    def make(room: Room | None = None, slots=(("mon", "10:00"),), valid_from=dt.date(2027, 3, 1),
             valid_until=dt.date(2027, 4, 30), **params) -> Offer:
        room = room or make_room()
        n = next(_counter)
        provider = Provider(key=f"prov-{n}", name=f"Anbieter {n}", kind="department", available=ALL_WEEK)
        offer = Offer(**{"key": f"offer-{n}", "title": f"Sprechstunde {n}", "category": "office_hours",
                         "accommodation": room.accommodation, "duration_minutes": 90, "participants": 2,
                         "guaranteed": True, "valid_from": valid_from, "valid_until": valid_until,
                         "sessions_per_week": len(slots), "providers": [provider], **params})
        session.add(offer)
        for index, (day, start) in enumerate(slots):
            h, m = map(int, start.split(":"))
            session.add(OfferSession(offer=offer, index=index, day=day, start=dt.time(h, m), room=room,
                                     provider=provider, valid_from=valid_from, valid_until=valid_until))
        session.flush()
        return offer
    return make
