"""Booking and cancelling: the only write path for bookings. Functions flush; the caller commits."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from dateutil.rrule import WEEKLY, rrule
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking.availability import (
    clashes,
    opening_intervals,
    suggest_alternatives,
)
from roombook.booking.errors import (
    BookingConflict,
    BookingError,
    InThePast,
    InvalidInterval,
    OutsideOpeningHours,
    RoomClosed,
)
from roombook.booking.intervals import contains
from roombook.booking.occupancy import lock_rooms, occupy_for_booking, release_booking
from roombook.booking.policy import (
    check_room_rules,
    open_bookings_left,
    open_bookings_limit_reached,
)
from roombook.booking.recurrence import UTC, to_utc
from roombook.i18n import DEFAULT
from roombook.models import Booking, BookingSeries, Room, SeriesGap, User
from roombook.models.changes import GapState
from roombook.models.reservations import BookingStatus

MAX_TITLE = 200
# No booking, not even staff's, is longer than this: a room is booked for events, and a longer span is a closure.
# Checked before anything expands opening hours over the span (a 300-year booking took 3 s to refuse).
MAX_LENGTH = dt.timedelta(days=14)
# A year of weeks: a series counts once toward the open-booking limit, so this bounds a series' size.
MAX_WEEKS = 52


def _local(instant: dt.datetime, room: Room) -> str:
    return instant.astimezone(room.tz).strftime("%d.%m.%Y %H:%M")


def check_title(title: str) -> None:
    """Raise the BookingError for a title no booking may have."""
    if not title.strip():
        raise BookingError(_l("Bitte einen Titel angeben."), field="title")
    if len(title) > MAX_TITLE:
        raise BookingError(_l("Der Titel ist länger als %(max)s Zeichen.", max=MAX_TITLE), field="title")


def check_bookable(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                   title: str, *, now: dt.datetime, new_bookings: int = 1,
                   moving: frozenset[int] = frozenset()) -> None:
    """Raise the BookingError that explains why [start, end) cannot be booked, or return quietly.

    `moving` are bookings a change is about to move: the time they hold now is not in the way."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInterval(_l("Start und Ende brauchen eine Zeitzone."), field="start")
    # compared as instants: two datetimes of one zone compare and subtract by their wall-clock times
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    check_title(title)
    if end <= start:
        raise InvalidInterval(_l("Das Ende muss nach dem Beginn liegen."), field="end")
    if start < now:
        raise InThePast(_l("Der Beginn liegt in der Vergangenheit."), field="start")
    if end - start > MAX_LENGTH:
        raise InvalidInterval(_l("Eine Buchung dauert höchstens 14 Tage; für länger bitte eine Schließung eintragen."),
                              field="end")
    check_room_rules(session, user, room, start, end, now, new_bookings=new_bookings)
    if not contains(opening_intervals(room, start - dt.timedelta(days=1), end + dt.timedelta(days=1)), start, end):
        raise OutsideOpeningHours(
            _l("%(room)s ist von %(start)s bis %(end)s nicht durchgehend geöffnet.", room=room.name,
               start=_local(start, room), end=_local(end, room)), field="start",
            alternatives=suggest_alternatives(session, room, start, end, now=now, for_user=user))
    found = clashes(session, room, start, end, ignore_bookings=moving)
    closures = [c for c in found if c.kind == "closure"]
    if closures:
        raise RoomClosed(_l("%(room)s ist geschlossen: %(reason)s.", room=room.name, reason=closures[0].title),
                         field="start",
                         alternatives=suggest_alternatives(session, room, start, end, now=now, for_user=user))
    if found:
        first = found[0]
        what = first.title if first.kind == "occurrence" else _l("belegt")
        raise BookingConflict(
            _l("%(room)s ist von %(start)s bis %(end)s belegt (%(what)s).", room=room.name,
               start=_local(first.start, room), end=_local(first.end, room), what=what), clashes=found,
            alternatives=suggest_alternatives(session, room, start, end, now=now, for_user=user))


def book_room(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
              title: str, *, displaceable: bool = True, series: BookingSeries | None = None,
              now: dt.datetime | None = None, details: dict | None = None) -> Booking:
    """Book [start, end) of the room, or raise the BookingError that says why not. `details` are the offer
    details and translations as roombook.booking.offer_details checked them (none: a plain reservation).

    The checks explain; the database's overlap guard on the occupancy row is what makes a
    concurrent double booking impossible.
    """
    now = now or clock.now()
    lock_rooms(session, [room.id])
    check_bookable(session, user, room, start, end, title, now=now)
    return _insert_booking(session, user, room, start, end, title, displaceable=displaceable, series=series,
                           details=details)


# One INSERT … RETURNING the new Booking instead of a unit-of-work flush: on the API's hottest write path the
# flush's bookkeeping cost more than both INSERTs. Built once.
_INSERT_BOOKING = sa.insert(Booking).returning(Booking)


def _insert_booking(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                    title: str, *, displaceable: bool = True, series: BookingSeries | None = None,
                    details: dict | None = None) -> Booking:
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    booking = session.scalars(_INSERT_BOOKING, [{
        "room_id": room.id, "user_id": user.id if user is not None else None, "starts_at": start, "ends_at": end,
        "title": title.strip(), "displaceable": displaceable, "series": series.uid if series else None,
        "series_id": series.id if series else None, **_stored(details)}]).one()
    occupy_for_booking(session, booking)
    audit.record(session, user, "booking.created", booking, room=room.key, start=start.isoformat(),
                 end=end.isoformat())
    return booking


def _stored(details: dict | None) -> dict:
    """The offer columns of a new booking: every one given, so one INSERT statement serves all rows."""
    details = dict(details or {})
    return {"category": details.get("category"), "languages": details.get("languages") or [],
            "audience": details.get("audience"), "description": details.get("description") or "",
            "participants": details.get("participants"), "public": bool(details.get("public")),
            "public_contact": details.get("public_contact") or "",
            "translations": details.get("translations") or None}


@dataclass
class WeeklyResult:
    booked: list[Booking] = field(default_factory=list)
    refused: list[tuple[dt.datetime, BookingError]] = field(default_factory=list)


def weekly_dates(start: dt.datetime, end: dt.datetime, weeks: int, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slot asked for, then the same local wall-clock slot for the following weeks, as UTC instants.

    The first week keeps its instants: in the hour the clocks repeat, the wall-clock time alone would
    name the earlier of the two.
    """
    local_start = start.astimezone(tz).replace(tzinfo=None)
    length = end.astimezone(tz).replace(tzinfo=None) - local_start
    later = [(to_utc(s, tz), to_utc(s + length, tz)) for s in rrule(WEEKLY, dtstart=local_start, count=weeks)][1:]
    return [(start.astimezone(UTC), end.astimezone(UTC))] + later


def book_weekly(session: Session, user: User | None, room: Room, start: dt.datetime, end: dt.datetime,
                title: str, weeks: int, *, book_rest: bool, now: dt.datetime | None = None,
                details: dict | None = None) -> WeeklyResult:
    """Book the slot every week for `weeks` weeks; each week is checked on its own.

    Weeks that cannot be booked are reported, in week order. The series counts once toward the room's
    open-booking limit, however many weeks it has: a person at the limit is refused every free week for
    it. With book_rest=False nothing is booked if any week is refused (the volunteer decides); with
    book_rest=True the bookable weeks are booked, and the series keeps the others as gaps (skipped for a
    closure, refused otherwise) so it still shows them.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise BookingError(_l("Zwischen 1 und %(max)s Wochen.", max=MAX_WEEKS), field="weeks")
    now = now or clock.now()
    result = WeeklyResult()
    lock_rooms(session, [room.id])
    slots = weekly_dates(start, end, weeks, room.tz)
    if len(slots) < weeks:  # the calendar ends (year 9999) before the series would: all or nothing
        raise BookingError(_l("So viele Wochen reichen über das Ende des Kalenders hinaus."), field="weeks")
    left = open_bookings_left(session, user, room, now)
    free = []
    for slot_start, slot_end in slots:
        try:
            check_bookable(session, user, room, slot_start, slot_end, title, now=now, new_bookings=0)
        except BookingError as exc:
            result.refused.append((slot_start, exc))
            continue
        if left is not None and left < 1:
            result.refused.append((slot_start, open_bookings_limit_reached(room)))
        else:
            free.append((slot_start, slot_end))
    result.refused.sort(key=lambda week: week[0])
    if result.refused and not book_rest:
        return result
    series = None
    if weeks > 1 and free:
        series = BookingSeries(uid=str(uuid.uuid4()), user_id=user.id if user is not None else None,
                               room_id=room.id, title=title.strip())
        session.add(series)
        record_gaps(series, result.refused, dict(slots))
        session.flush()
    for slot_start, slot_end in free:
        # each week was checked above; a slot so long that it reaches into its next week is refused by the
        # database's overlap guard (a BookingConflict from transaction())
        result.booked.append(_insert_booking(session, user, room, slot_start, slot_end, title, series=series,
                                             details=details))
    # a refused week was offered what was free before the other weeks were booked: the weeks just booked among it
    if result.booked:
        ends = dict(slots)
        for slot_start, exc in result.refused:
            if exc.alternatives:
                exc.alternatives = suggest_alternatives(session, room, slot_start, ends[slot_start], now=now,
                                                        for_user=user)
    return result


def record_gaps(series: BookingSeries, refused: list[tuple[dt.datetime, BookingError]],
                ends: dict[dt.datetime, dt.datetime]) -> None:
    """Keep the weeks left out of a new series: skipped for a closure or holiday, refused for anything else."""
    for slot_start, exc in refused:
        state = GapState.SKIPPED if isinstance(exc, RoomClosed) else GapState.REFUSED
        with force_locale(DEFAULT):  # rows keep German (roombook.i18n); what the week's refusal said then
            reason = exc.message[:300]
        series.gaps.append(SeriesGap(starts_at=slot_start, ends_at=ends[slot_start], state=state, reason=reason))


def cancel_booking(session: Session, actor: User | None, booking: Booking, reason: str,
                   *, status: str = BookingStatus.CANCELLED) -> None:
    """Cancel (or mark displaced) a booking and free its time; the reason is kept for the owner."""
    if not booking.active:
        raise BookingError(_l("Diese Buchung ist nicht mehr aktiv."), field="booking")
    booking.status = status
    booking.status_reason = reason.strip()[:300]
    booking.sequence += 1
    release_booking(session, booking)
    session.flush()
    audit.record(session, actor, f"booking.{status}", booking, reason=booking.status_reason)
