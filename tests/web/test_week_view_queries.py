"""The week view reads the same few times however full the week is: no query per entry (an N+1) may come back."""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from roombook import clock
from roombook.booking.occurrences import add_closure, cancel_occurrence, materialise
from roombook.booking.service import book_room
from roombook.db import db
from tests.conftest import login
from tests.factories import local_on
from tests.web.conftest import next_monday

ROOMS = 3
PASSWORD = "secret-pw"


@contextmanager
def counting_selects():
    """Count the SELECTs sent to the database inside the block."""
    selects: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield selects
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def house(session, make_accommodation, make_room, make_offer, make_user):
    """Three rooms: a quiet week (one offer, someone else's booking), then a full one (two offers a day in
    every room, one cancelled, a closed Saturday, every day bookings by the viewer and by two of eight others)."""
    place = make_accommodation()
    rooms = [make_room(place) for _ in range(ROOMS)]
    users = {role: make_user(role, email=f"{role}-{place.key}@example.org", password=PASSWORD,
                             **({"accommodations": [place]} if role == "facility_manager" else {}))
             for role in ("volunteer", "facility_manager", "admin")}
    others = [make_user("volunteer", display_name=f"Andere {n}") for n in range(8)]
    now = clock.now()
    quiet = next_monday() + dt.timedelta(weeks=1)
    full = quiet + dt.timedelta(weeks=1)

    def offer(room, slots, monday):
        made = make_offer(room, slots=slots, valid_from=monday, valid_until=monday + dt.timedelta(days=6))
        sunday = monday + dt.timedelta(days=6)
        return [occ for slot in made.sessions for occ in materialise(session, slot, sunday, now=now)]

    offer(rooms[0], [("tue", "10:00")], quiet)
    wednesday = quiet + dt.timedelta(days=2)
    book_room(session, others[0], rooms[1], local_on(wednesday, 17), local_on(wednesday, 18), "Treffen", now=now)
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    occurrences = [occ for room in rooms for time in ("09:00", "13:00")
                   for occ in offer(room, [(day, time) for day in every_day], full)]
    cancel_occurrence(session, occurrences[0], "krank")
    for offset in range(7):
        day = full + dt.timedelta(days=offset)
        bookers = ((16, users["volunteer"]), (17, others[offset]), (18, others[offset + 1]))
        for room, (hour, who) in zip(rooms, bookers):
            book_room(session, who, room, local_on(day, hour), local_on(day, hour, 45), f"Gruppe {offset}", now=now)
    saturday = full + dt.timedelta(days=5)
    add_closure(session, None, rooms[2], local_on(saturday), local_on(saturday + dt.timedelta(days=1)), "Renovierung",
                now=now)
    session.flush()
    return place, quiet, full


def _selects_for_week(client, key: str, monday: dt.date) -> tuple[int, str]:
    """The week's page as a server would answer it: in a thread of its own the request gets its own app
    context and so a fresh session, whose empty identity map hides no lazy load (the test's session has
    every row of the house loaded already)."""
    url, answers = f"/accommodations/{key}?week={monday.isoformat()}", []
    with counting_selects() as selects:
        worker = threading.Thread(target=lambda: answers.append(client.get(url)))
        worker.start()
        worker.join(timeout=60)
    assert answers and answers[0].status_code == 200
    return len(selects), answers[0].get_data(as_text=True)


@pytest.mark.parametrize("role", [None, "volunteer", "facility_manager", "admin"])
def test_week_view_reads_no_more_for_a_full_week_than_for_a_quiet_one(client, house, role):
    place, quiet, full = house
    if role:
        assert login(client, f"{role}-{place.key}@example.org", PASSWORD).status_code == 302
    quiet_selects, _page = _selects_for_week(client, place.key, quiet)
    full_selects, page = _selects_for_week(client, place.key, full)

    assert page.count('<li class="entry') > 60  # the full week really is full
    if role in ("facility_manager", "admin"):
        assert "(Andere 1)" in page  # bookers' names were read, yet not one by one
    assert full_selects <= quiet_selects
    # the page's own reads (house, rooms, offers with closures, bookings), the viewer and their houses,
    # and the free time of each room the viewer may book
    assert full_selects <= 4 + 2 + ROOMS
