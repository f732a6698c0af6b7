"""Page tests run against the demo city, committed once for the package (loading it takes seconds) and
wiped afterwards; each test still runs in the rolled-back `session`, so what a test books is undone.

Besides the demo users there is a second volunteer with bookings in Nord and Süd, so that every page
can be checked for leaking one person's bookings to another.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.access.accounts import create_user
from roombook.booking.recurrence import to_utc
from roombook.booking.service import book_room
from roombook.db import db, transaction
from roombook.models import Room
from roombook.scenario.demo import load_demo
from tests.conftest import csrf_token
from tests.dates import quiet_monday

OTHER = {"email": "other-volunteer@example.org", "name": "Zweite Ehrenamtliche",
         "nord": "Nähcafé der Zweiten", "sued": "Geheimtreffen Süd"}


def _wipe() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def next_monday(today: dt.date | None = None) -> dt.date:
    """Next week's Monday, or a later one when a public holiday falls into next week."""
    return quiet_monday(today or clock.today())


@pytest.fixture(scope="package")
def city(app):
    """The demo city plus a second volunteer's bookings (Wednesdays 17:00 next week in nord-gr and sued-gr)."""
    with app.app_context():
        _wipe()
        with transaction():
            load_demo(db.session, clock.today())
            other = create_user(db.session, OTHER["email"], "volunteer", "demo", display_name=OTHER["name"])
            wednesday = next_monday() + dt.timedelta(days=2)
            for key, title in (("nord-gr", OTHER["nord"]), ("sued-gr", OTHER["sued"])):
                room = db.session.scalar(sa.select(Room).where(Room.key == key))
                start = to_utc(dt.datetime.combine(wednesday, dt.time(17, 0)), room.tz)
                book_room(db.session, other, room, start, start + dt.timedelta(hours=1), title)
        db.session.remove()
    yield
    with app.app_context():
        _wipe()


@pytest.fixture
def web(city, client):
    """A test client on the demo city."""
    return client


def post(client, url: str, data: dict, page: str | None = None):
    """POST a form with the CSRF token of the page it sits on (default: the URL itself)."""
    token = csrf_token(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})
