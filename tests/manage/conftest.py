"""Fixtures for the management pages: the demo city in the rolled-back session, logins, an SMTP sink."""
from __future__ import annotations

import datetime as dt
import functools
import socket
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from roombook import clock
from roombook.booking import book_room
from roombook.booking.recurrence import to_utc
from roombook.clock import week_of
from roombook.db import db
from roombook.models import Accommodation, Booking, Provider, Room, User
from roombook.scenario.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_scenario,
    workshop_fridays,
)
from roombook.scenario.importer import import_scenario
from tests.conftest import csrf_token

TODAY = clock.today()
# Two weeks in a row without a holiday or the painters (tests/dates.py) lie up to 13 weeks ahead in spring.
TERM_WEEKS = 14


@functools.cache
def _demo_hash() -> str:
    return generate_password_hash(DEMO_PASSWORD)


def build_demo(session) -> None:
    """The demo city (its term cut to TERM_WEEKS, so occurrences are quick to make) with the demo logins and
    the volunteer's Fahrradwerkstatt on the first two workshop Fridays at 16:00 in nord-gr, as in
    roombook.scenario.demo."""
    scenario = demo_scenario(TODAY)
    monday = week_of(TODAY)
    scenario["period"]["end"] = (monday + dt.timedelta(weeks=TERM_WEEKS, days=-1)).isoformat()
    import_scenario(session, scenario)
    places = {a.key: a for a in session.scalars(sa.select(Accommodation))}
    users = {}
    for email, role, name in DEMO_USERS:
        users[role] = User(email=email, role=role, display_name=name, password_hash=_demo_hash(),
                           accommodations=[places["nord"], places["mitte"]] if role == "facility_manager" else [],
                           provider=session.scalar(sa.select(Provider).where(Provider.key == "fb-soziales"))
                           if role == "department" else None)
        session.add(users[role])
    session.flush()
    room = session.scalar(sa.select(Room).where(Room.key == "nord-gr"))
    for friday in workshop_fridays(TODAY)[:2]:
        start = to_utc(dt.datetime.combine(friday, dt.time(16)), room.tz)
        book_room(session, users["volunteer"], room, start, start + dt.timedelta(hours=2), "Fahrradwerkstatt")
    session.flush()


@pytest.fixture(scope="session")
def demo_rows(app) -> list[tuple[sa.Table, list[dict]]]:
    """The demo city built once, read back as rows, and rolled back: each test inserts the rows again,
    which takes milliseconds where building it takes seconds."""
    with app.app_context():
        with db.engine.connect() as connection:
            outer = connection.begin()
            session = sa.orm.Session(bind=connection)
            build_demo(session)
            rows = [(table, [dict(r) for r in connection.execute(table.select()).mappings()])
                    for table in db.metadata.sorted_tables]
            session.close()
            outer.rollback()
    return [(table, data) for table, data in rows if data]


@pytest.fixture
def demo(session, demo_rows):
    connection = session.connection()
    for table, data in demo_rows:
        connection.execute(table.insert(), data)
    if connection.dialect.name == "postgresql":  # new rows must not take the ids given explicitly above
        for table, data in demo_rows:
            if "id" in table.c and table.c.id.autoincrement:
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                           f"{max(r['id'] for r in data)})"))
    session.expire_all()
    return session


@pytest.fixture
def volunteer_booking(demo) -> Booking:
    user = demo.scalar(sa.select(User).where(User.email == "volunteer@example.org"))
    return demo.scalars(sa.select(Booking).where(Booking.user_id == user.id).order_by(Booking.starts_at)).first()


def token_from(client, url="/manage/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


@dataclass
class Sink:
    """An SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    port: int
    messages: list = field(default_factory=list)
    controller: object = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        sink = self

        class Keep(Message):
            def handle_message(self, message):
                sink.messages.append(message)

        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """A running sink, with ROOMBOOK_SMTP_* pointing at it."""
    sink = Sink(free_port())
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_PORT", sink.port)
    monkeypatch.setitem(app.config, "ROOMBOOK_SMTP_FROM", "roombook@example.org")
    sink.start()
    yield sink
    sink.stop()
