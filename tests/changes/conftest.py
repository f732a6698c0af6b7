"""A small Unterkunft Nord in the future, with the city clock stopped before it: the room-change tests' world."""
from __future__ import annotations

import datetime as dt

import pytest

from roombook import clock
from roombook.booking.occurrences import materialise
from roombook.booking.service import book_room, book_weekly
from tests.api.conftest import bearer  # noqa: F401  (the API tests' token fixture)
from tests.factories import local

NOW = local(2027, 2, 20, 10)           # a Saturday; the term below lies ahead
CLOSED_FROM = local(2027, 3, 8)        # Monday: three weeks closed
CLOSED_TO = local(2027, 3, 29)
WEEKDAYS_8_20 = [{"day": d, "from": "08:00", "to": "20:00"} for d in ("mon", "tue", "wed", "thu", "fri")]


@pytest.fixture(autouse=True)
def city_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def house(session, make_accommodation, make_room, make_offer, make_user):
    """Unterkunft Nord in small: a big room with a whiteboard, a 4-seat office, a 16-seat room without one."""
    place = make_accommodation(key="nord", name="Unterkunft Nord")
    big = make_room(place, key="nord-gr", name="Gemeinschaftsraum", capacity=24, features=["whiteboard"],
                    open=WEEKDAYS_8_20)
    small = make_room(place, key="nord-br", name="Beratungsraum", capacity=4, features=[], open=WEEKDAYS_8_20)
    medium = make_room(place, key="nord-mz", name="Mehrzweckraum", capacity=16, features=[], open=WEEKDAYS_8_20)
    course = make_offer(big, slots=(("mon", "09:00"),), title="Deutschkurs A1", category="language_course",
                        participants=15, needs_features=["whiteboard"])
    hours = make_offer(big, slots=(("thu", "10:00"),), title="Sprechstunde", participants=2)
    for offer in (course, hours):
        offer.providers[0].contact_email = f"{offer.providers[0].key}@example.org"
        materialise(session, offer.sessions[0], dt.date(2027, 4, 30), now=NOW)
    volunteer = make_user("volunteer", email="vol@example.org")
    volunteer.language = "en"
    manager = make_user("facility_manager", email="manager@example.org", accommodations=[place])
    coordinator = make_user("coordinator", email="coord@example.org")
    make_user("facility_manager", email="other-manager@example.org")  # runs no house here
    series = book_weekly(session, volunteer, big, local(2027, 3, 2, 17), local(2027, 3, 2, 18, 30), "Gesprächsgruppe",
                         5, book_rest=False, now=NOW)
    one_off = book_room(session, volunteer, big, local(2027, 3, 10, 14), local(2027, 3, 10, 15), "Elterncafé",
                        now=NOW)
    session.flush()
    return {"place": place, "big": big, "small": small, "medium": medium, "course": course, "hours": hours,
            "volunteer": volunteer, "manager": manager, "coordinator": coordinator, "series": series.booked,
            "one_off": one_off}


