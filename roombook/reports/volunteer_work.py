"""The volunteers' work over a period: who was active, their hours in the rooms, the offers they ran by kind.

The report goes to the council: it names nobody, and any per-accommodation count below SMALL is shown as
"< 3", with the hours of so few people. Trainings do not exist in the data yet: their figures are None
("nicht verfügbar"), never 0.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from roombook.booking.recurrence import to_utc
from roombook.coordination.volunteers import activities_between
from roombook.models import Accommodation

SMALL = 3


@dataclass
class PlaceWork:
    accommodation: Accommodation
    volunteers: int = 0
    minutes: int = 0


@dataclass
class VolunteerWork:
    active: int
    minutes: int  # summed over the people: two volunteers in a room for an hour are two hours
    offer_dates: dict[str, int] = field(default_factory=dict)  # by category: dates of offers run
    offer_minutes: dict[str, int] = field(default_factory=dict)
    booking_dates: int = 0
    booking_minutes: int = 0
    places: list[PlaceWork] = field(default_factory=list)
    trainings_held: int | None = None  # not in the data yet (issue 17)
    trainings_attended: int | None = None


def volunteer_work(session: Session, places: list[Accommodation], first: dt.date, end: dt.date) -> VolunteerWork:
    """The volunteers' work in `places` in the local dates [first, end)."""
    if not places:
        return VolunteerWork(0, 0)
    tz = places[0].tz
    start, stop = (to_utc(dt.datetime.combine(day, dt.time(0)), tz) for day in (first, end))
    in_scope = {p.id: p for p in places}
    people_at: dict[int, set[int]] = defaultdict(set)
    minutes_at: dict[int, int] = defaultdict(int)
    active, total = set(), 0
    dates: dict[str, set] = defaultdict(set)
    offer_minutes: dict[str, int] = defaultdict(int)
    bookings: dict[tuple, int] = {}
    for volunteer, activities in activities_between(session, start, stop).items():
        for activity in activities:
            place_id = activity.room.accommodation_id
            if place_id not in in_scope or not (start <= activity.start < stop):
                continue
            active.add(volunteer.id)
            people_at[place_id].add(volunteer.id)
            minutes_at[place_id] += activity.minutes
            total += activity.minutes
            key = (activity.room.id, activity.start, activity.title)
            if activity.kind == "offer":
                if key not in dates[activity.category]:  # an offer several volunteers ran is one date
                    dates[activity.category].add(key)
                    offer_minutes[activity.category] += activity.minutes
            else:
                bookings[key] = activity.minutes
    return VolunteerWork(
        len(active), total, {c: len(d) for c, d in dates.items()}, dict(offer_minutes), len(bookings),
        sum(bookings.values()),
        [PlaceWork(p, len(people_at[p.id]), minutes_at[p.id]) for p in places])


def small(count: int) -> int | str:
    """A count of people as the council's report shows it: "< 3" below SMALL, so that nobody is recognisable."""
    return count if count >= SMALL else f"< {SMALL}"
