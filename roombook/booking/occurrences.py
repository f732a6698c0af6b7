"""Dated occurrences of the weekly offer slots, materialised over a rolling horizon, and closures.

Nothing changes silently: an occurrence that a closure cancels, or that meets a booking already in
the room, opens a conflict for the facility manager. A conflict's alternatives start no earlier than
`now`; every function that may open one takes it (default: the current time), so an operation reads
the clock once and a test can pin it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import holidays
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking.availability import clashes, suggest_alternatives
from roombook.booking.errors import ClosureExists
from roombook.booking.occupancy import (
    lock_rooms,
    occupy_for_booking,
    occupy_for_occurrence,
    release_booking,
    release_occurrence,
)
from roombook.booking.recurrence import to_utc, weekly_local
from roombook.conflicts.opening import open_conflict
from roombook.i18n import N_
from roombook.models import (
    Booking,
    Closure,
    Occupancy,
    Occurrence,
    OfferSession,
    Room,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus, ClosurePurpose

HOLIDAY_SUBDIVISION = "NW"  # North Rhine-Westphalia

# A conflict still to be opened. Its alternatives are worked out only when it is opened: by then whatever
# pushed something out (the occurrence, the rest of its run, a reinstated booking) holds the room, and its
# time is not offered as free.
Report = Callable[[], object]


def materialise(session: Session, offer_session: OfferSession, until: dt.date,
                *, since: dt.date | None = None, now: dt.datetime | None = None) -> list[Occurrence]:
    """Create the missing occurrences of a weekly slot up to `until` (local date, inclusive)."""
    reports: list[Report] = []
    created = _materialise(session, offer_session, until, since, reports, now=now or clock.now())
    _file(session, reports)
    return created


def _materialise(session: Session, offer_session: OfferSession, until: dt.date, since: dt.date | None,
                 reports: list[Report], *, now: dt.datetime) -> list[Occurrence]:
    """Place the slot's missing occurrences; what needs a decision goes to `reports`, to be filed later."""
    offer = offer_session.offer
    tz = offer_session.room.tz
    first = max(filter(None, [offer_session.valid_from, offer.valid_from, since]))
    last = min(filter(None, [offer_session.valid_until, offer.valid_until, until]))
    existing = set(session.scalars(sa.select(Occurrence.original_start)
                                   .where(Occurrence.offer_session_id == offer_session.id)))
    length = dt.timedelta(minutes=offer.duration_minutes)
    created = []
    for local_start in weekly_local(offer_session.day, offer_session.start, first, last):
        start = to_utc(local_start, tz)
        if start in existing:
            continue
        # the offer's real length, as a calendar's DTEND does for every week (RFC 5545): a week at 02:30 on
        # the night the clocks skip that hour starts at 03:30 and still lasts its length
        end = start + length
        occurrence = Occurrence(offer_session=offer_session, room_id=offer_session.room_id,
                                original_start=start, starts_at=start, ends_at=end)
        session.add(occurrence)
        session.flush()
        _claim_room(session, occurrence, reports, now=now)
        created.append(occurrence)
    session.flush()
    return created


def _file(session: Session, reports: list[Report]) -> None:
    """Open the conflicts held back until the room holds whatever was being placed."""
    session.flush()
    for report in reports:
        report()
    session.flush()


def _claim_room(session: Session, occurrence: Occurrence, reports: list[Report], *, now: dt.datetime) -> None:
    """Occupy the room for a new occurrence, or explain and escalate what stands in the way."""
    room = occurrence.room
    title = occurrence.offer_session.offer.title
    found = clashes(session, room, occurrence.starts_at, occurrence.ends_at)
    closure = next((c for c in found if c.kind == "closure"), None)
    if closure is not None:
        occurrence.status, occurrence.reason = OccurrenceStatus.CANCELLED, closure.title
        if closure.closure_kind == "closure":  # holidays need no decision; other closures do
            reports.append(partial(_report_closure_hit, session, occurrence, closure.title, now=now))
        return
    in_the_way = _overlapping_bookings(session, room, occurrence.starts_at, occurrence.ends_at)
    fixed = next((b for b in in_the_way if not b.displaceable), None)
    if fixed is not None:
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.reason = N_("Raum belegt durch eine feste Buchung")
        reports.append(partial(_report_slot_lost_to_booking, session, occurrence, fixed, now=now))
        return
    if any(c.kind == "occurrence" for c in found):
        # checked before any booking gives way: an occurrence that cannot take place displaces nothing
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.reason = N_("Raum durch ein anderes Angebot belegt")
        reports.append(partial(open_conflict, session, "slot_lost", room, f"{title} am {_local(occurrence)} "
                               f"überschneidet sich mit einem anderen Angebot.", occurrence=occurrence))
        return
    reason = f"Platz für das feste Angebot „{title}“"
    for booking in in_the_way:
        _take_back(session, booking, reason)
        reports.append(partial(_report_displaced, session, None, booking, reason, now=now))
    occupy_for_occurrence(session, occurrence)
    session.flush()


def _report_slot_lost_to_booking(session: Session, occurrence: Occurrence, booking: Booking,
                                 *, now: dt.datetime) -> None:
    room = occurrence.room
    open_conflict(session, "slot_lost", room,
                  f"{occurrence.offer_session.offer.title} am {_local(occurrence)} fällt aus: der Raum ist fest "
                  f"gebucht („{booking.title}“).", booking=booking, occurrence=occurrence,
                  alternatives=suggest_alternatives(session, room, occurrence.starts_at, occurrence.ends_at, now=now))


def _overlapping_bookings(session: Session, room: Room, start: dt.datetime, end: dt.datetime) -> list[Booking]:
    return list(session.scalars(
        sa.select(Booking).join(Occupancy, Occupancy.booking_id == Booking.id)
        .where(Occupancy.room_id == room.id, Occupancy.starts_at < end, Occupancy.ends_at > start)))


def _local(occurrence: Occurrence) -> str:
    return occurrence.starts_at.astimezone(occurrence.room.tz).strftime("%d.%m.%Y %H:%M")


def _report_closure_hit(session: Session, occurrence: Occurrence, reason: str, *, now: dt.datetime) -> None:
    """An occurrence lost to a closure: the manager decides whether and where it takes place instead."""
    room = occurrence.room
    open_conflict(session, "closure_hit", room,
                  f"„{occurrence.offer_session.offer.title}“ am {_local(occurrence)} fällt durch die "
                  f"Schließung aus: {reason}.", occurrence=occurrence,
                  alternatives=suggest_alternatives(session, room, occurrence.starts_at, occurrence.ends_at,
                                                    now=now))


def displace_booking(session: Session, actor: User | None, booking: Booking, reason: str,
                     *, now: dt.datetime | None = None) -> None:
    """Take the room back from a displaceable booking and open a conflict with alternatives for it."""
    with displacing(session, actor, now=now) as displace:
        displace(booking, reason)


@contextmanager
def displacing(session: Session, actor: User | None,
               *, now: dt.datetime | None = None) -> Iterator[Callable[[Booking, str], None]]:
    """Displace bookings within the block; their conflicts open as it ends, once whatever is to take their
    place holds the room (so the alternatives offered never include it)."""
    now = now or clock.now()
    displaced: list[tuple[Booking, str]] = []

    def displace(booking: Booking, reason: str) -> None:
        _take_back(session, booking, reason)
        displaced.append((booking, reason))

    yield displace
    _file(session, [partial(_report_displaced, session, actor, booking, reason, now=now)
                    for booking, reason in displaced])


def _take_back(session: Session, booking: Booking, reason: str) -> None:
    booking.status = BookingStatus.DISPLACED
    booking.status_reason = reason[:300]
    booking.sequence += 1
    release_booking(session, booking)
    session.flush()


def reinstate_booking(session: Session, booking: Booking) -> None:
    """A displaced booking holds its room again (the caller has made way for it); the undoing of `_take_back`."""
    booking.status = BookingStatus.ACTIVE
    booking.status_reason = ""
    booking.sequence += 1
    session.flush()
    occupy_for_booking(session, booking)


def _report_displaced(session: Session, actor: User | None, booking: Booking, reason: str,
                      *, now: dt.datetime) -> None:
    room = booking.room
    open_conflict(session, "displaced_booking", room,
                  f"Die Buchung „{booking.title}“ ({booking.starts_at.astimezone(room.tz):%d.%m.%Y %H:%M}) "
                  f"musste weichen: {reason}.", booking=booking,
                  alternatives=suggest_alternatives(session, room, booking.starts_at, booking.ends_at, now=now))
    audit.record(session, actor, "booking.displaced", booking, reason=reason)


def move_occurrence(session: Session, occurrence: Occurrence, room: Room, start: dt.datetime, end: dt.datetime,
                    reason: str) -> None:
    """One dated occurrence takes another room or time; its weekly slot (and its iCal UID) stays."""
    release_occurrence(session, occurrence)
    occurrence.room_id, occurrence.room = room.id, room
    occurrence.starts_at, occurrence.ends_at = start, end
    occurrence.status = OccurrenceStatus.MOVED
    occurrence.reason = reason[:300]
    occurrence.sequence += 1
    session.flush()
    occupy_for_occurrence(session, occurrence)
    session.flush()


def move_booking(session: Session, booking: Booking, room: Room, start: dt.datetime, end: dt.datetime) -> None:
    """A booking (displaced or active) holds another room or time; it keeps its id, series and owner."""
    release_booking(session, booking)
    booking.room_id, booking.room = room.id, room
    booking.starts_at, booking.ends_at = start, end
    booking.status = BookingStatus.ACTIVE
    booking.status_reason = ""
    booking.sequence += 1
    session.flush()
    occupy_for_booking(session, booking)
    session.flush()


def cancel_occurrence(session: Session, occurrence: Occurrence, reason: str) -> None:
    """Cancel one dated occurrence (the weekly slot stays) and free the room."""
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.reason = reason[:300]
    occurrence.sequence += 1
    release_occurrence(session, occurrence)
    session.flush()


def materialise_all(session: Session, slots: Iterable[OfferSession], until: dt.date,
                    *, since: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Materialise several weekly slots as one change; returns how many occurrences were added.

    Every slot is placed before any conflict opens, so no alternative offered is time another of
    them takes.
    """
    reports: list[Report] = []
    added = sum(len(_materialise(session, slot, until, since, reports, now=now or clock.now())) for slot in slots)
    _file(session, reports)
    return added


# Public holidays are known this many years ahead (this year and the next two): rooms stay closed on them and the
# feeds exclude them from every series, however far the occurrences are materialised.
HOLIDAY_YEARS = 3


def extend_horizon(session: Session, today: dt.date, weeks: int, *, now: dt.datetime | None = None) -> int:
    """Materialise every current weekly slot up to `weeks` weeks after today; returns how many were added.
    First the public holidays of the coming years close every room (those already known are kept)."""
    add_public_holidays(session, list(session.scalars(sa.select(Room))),
                        list(range(today.year, today.year + HOLIDAY_YEARS)), now=now)
    slots = session.scalars(sa.select(OfferSession).where(
        sa.or_(OfferSession.valid_until.is_(None), OfferSession.valid_until >= today))).all()
    return materialise_all(session, slots, today + dt.timedelta(weeks=weeks), since=today, now=now)


@dataclass
class ClosureHits:
    """A closure just written (or None: opening hours cut) and what it took out of the room."""

    closure: Closure | None
    occurrences: list[Occurrence] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)


def close_room(session: Session, room: Room, start: dt.datetime, end: dt.datetime, reason: str,
               *, kind: str = "closure", purpose: str = ClosurePurpose.OTHER) -> ClosureHits:
    """Write the closure and take out of the room what it covers: occurrences are cancelled, bookings
    displaced. Opens nothing: the caller decides how the people concerned hear of it (a room change, or a
    conflict per date)."""
    lock_rooms(session, [room.id])
    if session.scalar(sa.select(Closure.id).where(Closure.room_id == room.id, Closure.starts_at == start,
                                                  Closure.kind == kind)) is not None:
        raise ClosureExists(_l("%(room)s hat schon eine Schließung ab diesem Zeitpunkt.", room=room.name))
    closure = Closure(room=room, starts_at=start, ends_at=end, reason=reason, kind=kind, purpose=purpose)
    session.add(closure)
    session.flush()
    occurrences = session.scalars(
        sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.starts_at < end,
                                    Occurrence.ends_at > start, Occurrence.status != OccurrenceStatus.CANCELLED)
        .order_by(Occurrence.starts_at)).all()
    hits = take_out(session, occurrences, _overlapping_bookings(session, room, start, end), reason,
                    booking_reason=f"Raum geschlossen: {reason}")
    hits.closure = closure
    return hits


def take_out(session: Session, occurrences: Iterable[Occurrence], bookings: Iterable[Booking], reason: str,
             *, booking_reason: str | None = None) -> ClosureHits:
    """Take occurrences (cancelled) and bookings (displaced) out of their room, in time order."""
    hits = ClosureHits(None)
    for occurrence in sorted(occurrences, key=lambda o: o.starts_at):
        cancel_occurrence(session, occurrence, reason)
        hits.occurrences.append(occurrence)
    for booking in sorted(bookings, key=lambda b: b.starts_at):
        _take_back(session, booking, booking_reason or reason)
        hits.bookings.append(booking)
    return hits


def add_closure(session: Session, actor: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                reason: str, *, kind: str = "closure", now: dt.datetime | None = None) -> Closure:
    """Close the room for a span, with a conflict per date for what it hits (the engine's own path: imports,
    holidays; a manager's closure goes through `roombook.changes` and is decided per series instead)."""
    now = now or clock.now()
    hits = close_room(session, room, start, end, reason, kind=kind)
    # filed once everything the closure hits has left the room: what reaches past the closure frees time
    # any of them may be offered
    reports: list[Report] = []
    if kind == "closure":
        reports += [partial(_report_closure_hit, session, occurrence, reason, now=now)
                    for occurrence in hits.occurrences]
    reports += [partial(_report_displaced, session, actor, booking, f"Raum geschlossen: {reason}", now=now)
                for booking in hits.bookings]
    _file(session, reports)
    if kind == "closure":
        audit.record(session, actor, "closure.added", hits.closure, room=room.key, reason=reason)
    return hits.closure


def add_public_holidays(session: Session, rooms: list[Room], years: list[int],
                        *, now: dt.datetime | None = None) -> int:
    """Close every room on the public holidays of North Rhine-Westphalia; returns closures added."""
    now = now or clock.now()
    added = 0
    for room in rooms:
        tz = room.tz
        existing = set(session.scalars(sa.select(Closure.starts_at).where(
            Closure.room_id == room.id, Closure.kind == "holiday")))
        for day, name in sorted(holidays.country_holidays("DE", subdiv=HOLIDAY_SUBDIVISION, years=years, language="de").items()):
            start = to_utc(dt.datetime.combine(day, dt.time(0)), tz)
            if start in existing:
                continue
            end = to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)), tz)
            add_closure(session, None, room, start, end, f"Feiertag: {name}", kind="holiday", now=now)
            added += 1
    return added
