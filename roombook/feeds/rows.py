"""The rows a feed is built from: what `roombook.feeds.data` reads from the database and
`roombook.feeds.build` turns into calendars, as plain values (no ORM objects, no session)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RoomRow:
    id: int
    key: str
    name: str
    accommodation: str
    address: str
    timezone: str


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    id: int
    slot_id: int
    room_id: int
    original_start: dt.datetime
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    reason: str
    sequence: int


@dataclass(slots=True)
class SlotRow:
    """One weekly slot (an OfferSession) with what its VEVENT needs from its offer and occurrences.

    Only the occurrences that deviate from the rule are carried (`exceptions`: cancelled, moved, in
    another room, another length); the weeks that follow the rule need no row in the feed. `missing`
    holds the rule's starts with no occurrence row up to `materialised` (the last row's start), and
    `orphans` rows the rule does not produce; both are empty unless the row count says otherwise.
    """

    id: int
    title: str
    description: str
    category: str
    providers: str
    day: str
    start: dt.time
    minutes: int
    first: dt.date
    last: dt.date | None
    room_id: int
    sequence: int
    updated_at: dt.datetime
    materialised: dt.datetime | None = None
    exceptions: list[OccurrenceRow] = field(default_factory=list)
    missing: list[dt.datetime] = field(default_factory=list)
    orphans: list[OccurrenceRow] = field(default_factory=list)

    def occurrence_rooms(self) -> set[int]:
        return {o.room_id for o in self.exceptions} | {o.room_id for o in self.orphans}


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: int
    room_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    sequence: int
    updated_at: dt.datetime
    booked_by: str
    category: str | None = None
    description: str = ""
    offer: bool = False  # shown as a public offer for residents (in any feed)


@dataclass(frozen=True, slots=True)
class SeriesDateRow:
    """One week of a booking series: a booking (`active` or not) or a gap (no booking id)."""

    booking_id: int | None
    room_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    active: bool
    title: str
    sequence: int
    updated_at: dt.datetime | None


@dataclass(slots=True)
class SeriesRow:
    """A weekly booking series with every week; `room_id` is the series' own room (dates elsewhere stand
    alone in a feed), `title` empty in public feeds."""

    id: int
    uid: str
    room_id: int
    title: str
    booked_by: str
    created_at: dt.datetime
    dates: list[SeriesDateRow] = field(default_factory=list)
    category: str | None = None  # a public offer's kind (then `title` is shown in every feed)
    description: str = ""


@dataclass
class FeedData:
    rooms: dict[int, RoomRow]
    slots: list[SlotRow]
    bookings: list[BookingRow]
    shown_rooms: frozenset[int] | None = None  # the selection's rooms; None: all
    series: list[SeriesRow] = field(default_factory=list)
