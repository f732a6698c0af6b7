"""Last-Modified sees every change that alters a feed, so a client that revalidates with If-Modified-Since
alone (no If-None-Match) never keeps a stale copy: a renamed room, a new address, a renamed provider, an
offer given other providers, a deleted slot, a cancelled booking, a renamed booker, and the feed window's
move each month; and the migration that gave the last of those tables their stamps."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from roombook import clock, create_app
from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room, cancel_booking
from roombook.db import UTCDateTime, db
from roombook.feeds.catalogue import room_feed
from roombook.feeds.publish import current_feed, data_stamp, publish_calendars
from roombook.feeds.tokens import create_feed_token
from roombook.models import (
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
)
from tests.factories import BERLIN

pytestmark = pytest.mark.usefixtures("production_stamp_ttl")
UTC = dt.timezone.utc
STAMPED = (Accommodation, Room, Provider, User, Offer, OfferSession, Occurrence, Booking)


@pytest.fixture
def production_stamp_ttl(app, calendars, monkeypatch):
    """The data stamp reused for 2 s, as in production: a revalidation right after a change must see it."""
    monkeypatch.setitem(app.config, "ROOMBOOK_FEED_STAMP_TTL", 2)


def time_passes(session, by: dt.timedelta = dt.timedelta(hours=1)) -> None:
    """Every row was last changed `by` ago, so whatever the test changes next is certainly newer
    (Last-Modified counts whole seconds, and a test runs within one)."""
    past = clock.now() - by
    for model in STAMPED:
        session.execute(sa.update(model).values(updated_at=past))
    session.expire_all()


def revalidate(client, url: str, change) -> bytes:
    """Fetch the feed, make the change, ask again with only If-Modified-Since: the new body (unfolded)."""
    first = client.get(url)
    assert first.status_code == 200
    since = first.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    change()
    again = client.get(url, headers={"If-Modified-Since": since})
    assert again.status_code == 200, "a client sending only If-Modified-Since would keep its stale copy"
    assert again.last_modified > first.last_modified
    assert again.headers["ETag"] != first.headers["ETag"]
    return again.data.replace(b"\r\n ", b"")


@pytest.fixture
def offer(session, make_offer) -> Offer:
    """A weekly offer from this week on for four weeks (the views build for the real today), made an hour ago."""
    monday = clock.today() - dt.timedelta(days=clock.today().weekday())
    made = make_offer(valid_from=monday, valid_until=monday + dt.timedelta(weeks=4))
    materialise(session, made.sessions[0], monday + dt.timedelta(weeks=4))
    time_passes(session)
    return made


def private_url(session, user, scope: str) -> str:
    _token, secret = create_feed_token(session, user, scope)
    return f"/calendars/private/{secret}.ics"


def test_renaming_a_room_advances_its_feed(client, session, offer):
    room = offer.sessions[0].room

    def rename():
        room.name = "Leseraum Nord"
        session.flush()

    body = revalidate(client, f"/calendars/room/{room.key}.ics", rename)
    assert b"LOCATION:Leseraum Nord\\, " in body
    assert f"X-WR-CALNAME:roombook: {room.accommodation.name}\\, Leseraum Nord".encode() in body


def test_a_new_address_advances_the_accommodation_feed(client, session, offer):
    place = offer.accommodation

    def move():
        place.address = "Hafenstraße 1"
        session.flush()

    body = revalidate(client, f"/calendars/accommodation/{place.key}.ics", move)
    assert "Hafenstraße 1".encode() in body


@pytest.mark.parametrize("scope", ["department", "provider"])
def test_renaming_a_provider_advances_its_private_feeds(client, session, offer, make_user, scope):
    provider = offer.providers[0]
    url = private_url(session, make_user("department", provider=provider), scope)
    time_passes(session)

    def rename():
        provider.name = "Sozialamt, Team Nord"
        session.flush()

    body = revalidate(client, url, rename)
    assert b"Sozialamt\\, Team Nord" in body  # in the events and in the calendar's name


def test_giving_an_offer_other_providers_advances_the_old_providers_feed(client, session, offer, make_user):
    """The offer_provider rows have no stamp: the change must count as a change of the offer."""
    before, after = offer.providers[0], Provider(key="verein-x", name="Verein X", kind="association")
    for slot in offer.sessions:
        slot.provider = None  # the slot is the offer's providers' (it names them all)
    session.add(after)
    session.flush()
    url = private_url(session, make_user("department", provider=before), "provider")
    time_passes(session)
    assert offer.title.encode() in client.get(url).data

    def hand_over():
        offer.providers = [after]
        session.flush()

    body = revalidate(client, url, hand_over)
    assert offer.title.encode() not in body


def test_deleting_a_slot_advances_its_rooms_feed(client, session, offer):
    """As the planner deletes a slot that has not started: no row of it is left to carry a stamp."""
    slot = offer.sessions[0]

    def delete():
        session.delete(slot)  # and its occurrences with it
        session.flush()

    body = revalidate(client, f"/calendars/room/{slot.room.key}.ics", delete)
    assert b"BEGIN:VEVENT" not in body


def test_offers_trading_providers_change_the_data_stamp(session, make_offer):
    """The publisher rewrites public files when the stamp changes; offer_provider's count and sum do not."""
    first, second = make_offer(), make_offer()
    for slot in first.sessions + second.sessions:
        slot.provider = None
    session.flush()
    today = clock.today()
    before = data_stamp(session, today).digest
    first.providers, second.providers = list(second.providers), list(first.providers)
    session.flush()
    assert data_stamp(session, today).digest != before


@pytest.mark.parametrize("rename", ["room", "accommodation address", "provider"])
def test_renames_change_the_data_stamp(session, make_offer, rename):
    """Published public files name rooms, addresses and providers: a rename must make the publisher rewrite
    them (the stamp sees it through the renamed row's updated_at)."""
    offer = make_offer()
    slot = offer.sessions[0]
    session.flush()
    time_passes(session)
    today = clock.today()
    before = data_stamp(session, today).digest
    if rename == "room":
        slot.room.name = "Leseraum"
    elif rename == "accommodation address":
        slot.room.accommodation.address = "Neue Straße 1"
    else:
        (slot.provider or offer.providers[0]).name = "Sozialamt, Team Süd"
    session.flush()
    assert data_stamp(session, today).digest != before


@pytest.fixture
def booked(session, make_room, make_user):
    """A volunteer's two bookings in a managed room, the second one the newest row of every feed."""
    room = make_room()
    volunteer = make_user("volunteer", display_name="Frau Ehrenamt")
    manager = make_user("facility_manager", accommodations=[room.accommodation])
    day = clock.today() + dt.timedelta(days=2)
    bookings = [book_room(session, volunteer, room, dt.datetime.combine(day, dt.time(h), BERLIN),
                          dt.datetime.combine(day, dt.time(h + 1), BERLIN), f"Nähcafé {h} Uhr") for h in (10, 14)]
    time_passes(session)
    bookings[1].updated_at = clock.now() - dt.timedelta(minutes=30)
    session.flush()
    return {"volunteer": volunteer, "manager": manager, "bookings": bookings}


@pytest.mark.parametrize("scope", ["volunteer", "manager"])
def test_cancelling_the_newest_booking_advances_the_feed_it_leaves(client, session, booked, scope):
    """What remains is older than the Last-Modified the client holds: taken from the rows shown alone,
    Last-Modified would go backwards, taken from a stamp cached just before the cancellation it would
    stand still, and either way the client would keep the cancelled event."""
    user = booked["volunteer"] if scope == "volunteer" else booked["manager"]
    url = private_url(session, user, scope)
    older, newest = booked["bookings"]

    def cancel():
        cancel_booking(session, booked["volunteer"], newest, "doch nicht")

    body = revalidate(client, url, cancel)
    assert newest.title.encode() not in body and older.title.encode() in body


def test_renaming_the_booker_advances_the_managers_feed(client, session, booked):
    url = private_url(session, booked["manager"], "manager")

    def rename():
        booked["volunteer"].display_name = "Frau Ehrenamt-Neu"
        session.flush()

    assert b"Frau Ehrenamt-Neu" in revalidate(client, url, rename)


@pytest.mark.dates
def test_the_monthly_move_of_the_window_advances_a_built_feed(session, make_offer, calendars):
    """On the first of a month a feed's window moves on and its bytes change with no row changed."""
    first = clock.today().replace(day=1)
    course = make_offer(valid_from=first - dt.timedelta(days=150), valid_until=first + dt.timedelta(days=60))
    materialise(session, course.sessions[0], first + dt.timedelta(days=60))
    time_passes(session, dt.timedelta(days=70))  # before the first of last month, too
    feed = room_feed(course.sessions[0].room)

    def on(today):
        return current_feed(session, feed, calendars, today, "Europe/Berlin", "roombook")

    before, after = on(first - dt.timedelta(days=1)), on(first)
    assert after.read() != before.read()
    assert after.modified > before.modified
    assert after.modified == dt.datetime.combine(first, dt.time(0), BERLIN)


def _insert(conn, table: str, **values) -> None:
    """A row as it was before the migration (the models already have the new columns)."""
    columns = [sa.column(name, UTCDateTime if isinstance(v, dt.datetime) else None) for name, v in values.items()]
    conn.execute(sa.insert(sa.table(table, *columns)).values(**values))


def test_the_migration_stamps_the_rows_that_exist_and_keeps_what_refers_to_them(scratch_url):
    scratch = create_app({"TESTING": True, "ROOMBOOK_DATABASE_URL": scratch_url, "ROOMBOOK_SECRET_KEY": "x",
                          "ROOMBOOK_SCHEDULER": False})
    earlier = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with scratch.app_context():
        try:
            assert sa.inspect(db.engine).get_table_names() == []  # not the suite's database
            upgrade(revision="0004")
            with db.engine.begin() as conn:
                _insert(conn, "accommodation", id=1, key="alt", name="Altbau", timezone="Europe/Berlin")
                _insert(conn, "room", id=1, key="alt-gr", accommodation_id=1, name="Gemeinschaftsraum", capacity=10,
                        features="[]", open="[]", max_booking_minutes=60, max_days_ahead=30, max_open_bookings=3)
                _insert(conn, "provider", key="amt", name="Amt", kind="department", available="[]")
                _insert(conn, "user", email="a@example.org", display_name="", password_hash="x", role="admin",
                        active=True, created_at=earlier)
                _insert(conn, "booking", room_id=1, starts_at=earlier, ends_at=earlier + dt.timedelta(hours=1),
                        title="Treffen", displaceable=True, status="active", status_reason="", sequence=0,
                        created_at=earlier, updated_at=earlier)
            started = clock.now().replace(microsecond=0)
            upgrade()
            with db.engine.connect() as conn:
                for table in ("accommodation", "room", "provider", "user"):
                    [stamp] = conn.execute(sa.select(sa.column("updated_at", UTCDateTime))
                                           .select_from(sa.table(table))).scalars()
                    assert started <= stamp <= clock.now(), table
                # columns added in place: a copied table would have been dropped, its rows deleted, cascading
                assert conn.execute(sa.text("SELECT title FROM booking")).scalars().all() == ["Treffen"]
            downgrade(revision="0004")
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT title FROM booking")).scalars().all() == ["Treffen"]
                assert "updated_at" not in {c["name"] for c in sa.inspect(conn).get_columns("room")}
        finally:
            db.engine.dispose()


def test_a_booking_made_and_cancelled_between_publishing_runs_never_takes_last_modified_back(
        app, client, session, offer, make_user, calendars, monkeypatch):
    """Published at t0; a booking made at t1 shows in the built feed (Last-Modified t1); cancelled at t2,
    the feed's bytes are the published file's again. Its Last-Modified must not fall back to t0, neither
    before the next run nor after it, or a client that holds the t1 copy keeps the cancelled booking.
    (The data stamp is not reused here: the steps are seconds apart on the frozen clock, not in time.)"""
    monkeypatch.setitem(app.config, "ROOMBOOK_FEED_STAMP_TTL", 0)
    room = offer.sessions[0].room
    url = f"/calendars/room/{room.key}.ics"
    volunteer = make_user("volunteer")
    day = clock.today() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(15), BERLIN)
    t0 = clock.now().replace(microsecond=0)

    def publish():
        publish_calendars(session, calendars, clock.today(), "Europe/Berlin", "roombook")

    def fetch(**headers):
        return client.get(url, headers=headers)

    with clock.frozen(t0):
        publish()
        published = fetch()
    with clock.frozen(t0 + dt.timedelta(seconds=10)):
        booking = book_room(session, volunteer, room, start, start + dt.timedelta(hours=1), "Chor")
        session.flush()
        with_booking = fetch()
        assert b"SUMMARY:belegt" in with_booking.data
        assert with_booking.last_modified > published.last_modified
    with clock.frozen(t0 + dt.timedelta(seconds=20)):
        cancel_booking(session, volunteer, booking, "doch nicht")
        cancelled = fetch(**{"If-Modified-Since": with_booking.headers["Last-Modified"]})
        assert cancelled.status_code == 200 and b"SUMMARY:belegt" not in cancelled.data
        assert cancelled.headers["ETag"] == published.headers["ETag"]  # the published file's bytes again
        assert cancelled.last_modified > with_booking.last_modified
    with clock.frozen(t0 + dt.timedelta(seconds=30)):
        publish()
        after = fetch(**{"If-Modified-Since": with_booking.headers["Last-Modified"]})
        assert after.status_code == 200 and b"SUMMARY:belegt" not in after.data
        assert after.last_modified >= cancelled.last_modified
        assert fetch(**{"If-Modified-Since": after.headers["Last-Modified"]}).status_code == 304
        assert fetch(**{"If-Modified-Since": published.headers["Last-Modified"]}).status_code == 200


def test_publishing_without_a_change_keeps_every_files_last_modified(session, offer, calendars):
    """A run after a run keeps the times: only a change since the last run can advance them."""
    today = clock.today()
    publish_calendars(session, calendars, today, "Europe/Berlin", "roombook")
    first = json.loads((calendars / ".manifest.json").read_text())["files"]
    with clock.frozen(clock.now() + dt.timedelta(minutes=5)):
        publish_calendars(session, calendars, today, "Europe/Berlin", "roombook")
    assert json.loads((calendars / ".manifest.json").read_text())["files"] == first
