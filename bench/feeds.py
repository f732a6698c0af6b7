"""Feed benchmark: a city of 100 accommodations with a year of weekly offers and bookings.

Run from the repository root: `python bench/feeds.py [--houses 100] [--database-url URL]`.
Measures building the city-wide feed and a room feed, publishing every public feed, and the HTTP
paths: a room feed built live, served from a published file, and a 304 for a matching ETag.
Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.common import empty_database  # noqa: E402

from roombook import (
    clock,
    create_app,  # noqa: E402
)
from roombook.booking.recurrence import to_utc, weekly_local  # noqa: E402
from roombook.db import db  # noqa: E402
from roombook.feeds.catalogue import build_feed, city_feed, room_feed  # noqa: E402
from roombook.feeds.publish import publish_calendars  # noqa: E402
from roombook.models import (  # noqa: E402
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
)

DAYS = ("mon", "tue", "wed", "thu", "fri")
CATEGORIES = ("language_course", "daily_life_course", "office_hours", "counselling", "procedural_counselling",
              "volunteer_activity")
TZ = "Europe/Berlin"


def make_city(session, houses: int, first: dt.date, weeks: int, seed: int = 7) -> dict:
    """Rows straight into the tables (bulk), as materialised occurrences: fast to set up, same shape as real."""
    from zoneinfo import ZoneInfo

    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    last = first + dt.timedelta(weeks=weeks, days=-1)
    now = clock.now()
    providers = [Provider(key=f"p{j}", name=f"Anbieter {j}", kind="association") for j in range(houses * 2)]
    session.add_all(providers)
    user = User(email="bench@example.org", display_name="Bench", password_hash="x", role="volunteer")
    session.add(user)
    session.flush()
    counts = {"slots": 0, "occurrences": 0, "bookings": 0}
    for i in range(houses):
        place = Accommodation(key=f"h{i}", name=f"Unterkunft {i}", address=f"Straße {i}", residents=100)
        rooms = [Room(key=f"h{i}-gr", name="Gemeinschaftsraum", capacity=20, accommodation=place),
                 Room(key=f"h{i}-br", name="Beratungsraum", capacity=4, accommodation=place)]
        session.add(place)
        session.flush()
        taken: set[tuple[int, str, int]] = set()
        occurrence_rows, booking_rows = [], []
        for k in range(8):
            offer = Offer(key=f"h{i}-o{k}", title=f"Angebot {k}, Haus {i}",
                          description="Offen für alle; bitte pünktlich.", category=rng.choice(CATEGORIES),
                          accommodation=place, duration_minutes=rng.choice((90, 120)), valid_from=first,
                          valid_until=last, providers=[rng.choice(providers)])
            session.add(offer)
            for index in range(rng.choice((1, 1, 2))):
                while True:
                    room, day, hour = rng.randrange(2), rng.choice(DAYS), rng.choice((9, 12, 15))
                    if (room, day, hour) not in taken:
                        taken.add((room, day, hour))
                        break
                slot = OfferSession(offer=offer, index=index, day=day, start=dt.time(hour, 0), room=rooms[room],
                                    provider=offer.providers[0], valid_from=first, valid_until=last)
                session.add(slot)
                session.flush()
                counts["slots"] += 1
                length = dt.timedelta(minutes=offer.duration_minutes)
                for local in weekly_local(day, dt.time(hour, 0), first, last):
                    start = to_utc(local, tz)
                    status, moved = "scheduled", start
                    roll = rng.random()
                    if roll < 0.03:
                        status = "cancelled"
                    elif roll < 0.04:
                        status, moved = "moved", start + dt.timedelta(hours=1, minutes=30)
                    occurrence_rows.append({"offer_session_id": slot.id, "room_id": rooms[room].id,
                                            "original_start": start, "starts_at": moved, "ends_at": moved + length,
                                            "status": status, "reason": "", "sequence": int(status != "scheduled"),
                                            "updated_at": now})
        for room in rooms:
            for week in range(weeks):
                day = first + dt.timedelta(weeks=week, days=rng.randrange(5))
                start = to_utc(dt.datetime.combine(day, dt.time(18, 0)), tz)
                booking_rows.append({"room_id": room.id, "user_id": user.id, "starts_at": start,
                                     "ends_at": start + dt.timedelta(hours=1), "title": "Treffen", "status": "active",
                                     "sequence": 0, "created_at": now, "updated_at": now})
        session.execute(sa.insert(Occurrence), occurrence_rows)
        session.execute(sa.insert(Booking), booking_rows)
        counts["occurrences"] += len(occurrence_rows)
        counts["bookings"] += len(booking_rows)
    session.commit()
    return counts


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """Median and best wall time, and median CPU time of this process, in ms (CPU time shows the cost
    even on a machine busy with other work; the database's own time is in wall time only for PostgreSQL)."""
    runs, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(runs), min(runs), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    url, work = empty_database(args.database_url, "feeds")
    app = create_app({"ROOMBOOK_DATABASE_URL": url, "ROOMBOOK_SECRET_KEY": "bench", "ROOMBOOK_SCHEDULER": False,
                      "ROOMBOOK_CALENDARS_DIR": str(work / "calendars")})
    today = clock.today()
    first = today - dt.timedelta(days=today.weekday(), weeks=12)  # inside the three months a feed looks back
    rows = []
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        counts = make_city(db.session, args.houses, first, args.weeks)
        print(f"city: {args.houses} accommodations, {counts['slots']} weekly slots, {counts['occurrences']} "
              f"occurrences, {counts['bookings']} bookings over {args.weeks} weeks ({db.engine.dialect.name}, "
              f"set up in {time.perf_counter() - t:.1f} s)\n", file=sys.stderr)
        room_key = f"h{min(42, args.houses - 1)}-gr"  # a house in the middle of the city, if it is that big
        room = db.session.scalar(sa.select(Room).where(Room.key == room_key))
        sizes = {}

        def city():
            sizes["city"] = len(build_feed(db.session, city_feed(), today, TZ, "roombook"))
            db.session.rollback()

        def one_room():
            sizes["room"] = len(build_feed(db.session, room_feed(room), today, TZ, "roombook"))

        rows.append(("build city feed (all.ics)", *timed(city, 5), "< 1000", f"{sizes.get('city', 0) // 1024} KiB"))
        city()
        rows.append(("build room feed", *timed(one_room, 30), "< 20", f"{sizes['room'] // 1024} KiB"))
        result = []
        rows.append(("publish every public feed", *timed(lambda: result.append(publish_calendars(
            db.session, work / "calendars", today, TZ, "roombook")), 2), "–",
            f"{len(result[0].written)} files"))
        db.session.rollback()
    client = app.test_client()
    url_room = f"/calendars/room/{room_key}.ics"
    (work / "calendars" / ".manifest.json").rename(work / "manifest.away")
    rows.append(("GET room feed, built live (200)", *timed(lambda: client.get(url_room), 30), "–", ""))
    (work / "manifest.away").rename(work / "calendars" / ".manifest.json")
    etag = client.get(url_room).headers["ETag"]
    rows.append(("GET room feed, published file (200)", *timed(lambda: client.get(url_room), 30), "–", ""))
    app.config["ROOMBOOK_FEED_STAMP_TTL"] = 0

    def not_modified():
        assert client.get(url_room, headers={"If-None-Match": etag}).status_code == 304

    rows.append(("GET room feed, If-None-Match → 304, stamp checked every time", *timed(not_modified, 50), "–", ""))
    app.config["ROOMBOOK_FEED_STAMP_TTL"] = 2
    rows.append(("GET room feed, If-None-Match → 304 (stamp reused ≤ 2 s)", *timed(not_modified, 200), "< 5", ""))
    city_etag = client.get("/calendars/all.ics").headers["ETag"]
    rows.append(("GET city feed, If-None-Match → 304 (stamp reused ≤ 2 s)",
                 *timed(lambda: client.get("/calendars/all.ics", headers={"If-None-Match": city_etag}), 200), "< 5",
                 ""))
    print("| what | median ms | best ms | CPU ms (median) | target ms | size |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for what, median, best, cpu, target, size in rows:
        print(f"| {what} | {median:.1f} | {best:.1f} | {cpu:.1f} | {target} | {size} |")


if __name__ == "__main__":
    main()
