"""A room taken "until further notice" moves its series for good, not date by date.

For a dated closure only the lost dates move, each keeping its series (`deciding`). When the room is taken
from a date on with no end, that would leave the weekly slot in a room that stays closed: every week the
horizon adds would be cancelled by the closure and ask again. So the series itself moves: an offer's weekly
slot ends the day before its first moved date and a new slot (the next version, as a published plan makes
one) holds the chosen room, weekday and time from then on, with the moved dates as its own; a volunteer's
booking series names its new room. Dates made later as the horizon extends follow the new slot.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from roombook.booking.occupancy import occupy_for_occurrence, release_occurrence
from roombook.booking.recurrence import DAYS
from roombook.models import BookingSeries, ChangeItem, Occurrence, OfferSession, Room
from roombook.models.offers import OccurrenceStatus


def _first_moved_day(item: ChangeItem, moved: list[tuple[dict, tuple[dt.datetime, dt.datetime]]], tz) -> dt.date:
    return min(dt.datetime.fromisoformat(hit["start"]) for hit, _span in moved).astimezone(tz).date()


def move_offer_for_good(session: Session, item: ChangeItem, room: Room,
                        moved: list[tuple[dict, tuple[dt.datetime, dt.datetime]]], reason: str) -> OfferSession | None:
    """The offer's weekly slot takes `room` at the moved dates' weekday and time from the first moved date on;
    the moved occurrences become the new slot's own dates. Returns the slot now in force."""
    old = session.get(OfferSession, item.offer_session_id) if item.offer_session_id else None
    if old is None or not moved:
        return None
    tz = room.tz
    first_new = min(start for _hit, (start, _end) in moved).astimezone(tz)
    cutoff = _first_moved_day(item, moved, tz)
    if old.valid_from >= cutoff:
        # the slot had no week of its own before the closure: it simply holds the new place
        slot = old
        slot.valid_from = min(slot.valid_from, first_new.date())
        slot.sequence += 1
    else:
        slot = OfferSession(offer=old.offer, index=old.index, provider=old.provider, valid_from=first_new.date(),
                            valid_until=old.valid_until, sequence=old.sequence + 1)
        old.valid_until = cutoff - dt.timedelta(days=1)
        old.sequence += 1
        session.add(slot)
    slot.room, slot.room_id = room, room.id
    slot.day, slot.start = DAYS[first_new.weekday()], first_new.time().replace(tzinfo=None)
    session.flush()
    for hit, (start, end) in moved:
        occurrence = session.get(Occurrence, hit["occurrence"])
        release_occurrence(session, occurrence)
        occurrence.offer_session_id, occurrence.offer_session = slot.id, slot
        occurrence.room_id, occurrence.room = room.id, room
        occurrence.original_start, occurrence.starts_at, occurrence.ends_at = start, start, end
        occurrence.status, occurrence.reason = OccurrenceStatus.SCHEDULED, reason[:300]
        occurrence.sequence += 1
        session.flush()
        occupy_for_occurrence(session, occurrence)
    session.flush()
    if slot is not old:
        item.offer_session_id = slot.id
    return slot


def end_offer_for_good(session: Session, item: ChangeItem) -> None:
    """The offer gives the slot up: it ends before its first lost date, so the closed room asks nothing more
    as the horizon extends (a slot that never took place keeps only that first, cancelled date)."""
    old = session.get(OfferSession, item.offer_session_id) if item.offer_session_id else None
    if old is None or not item.hits:
        return
    first = dt.datetime.fromisoformat(item.hits[0]["start"]).astimezone(old.room.tz).date()
    old.valid_until = max(old.valid_from, first - dt.timedelta(days=1))
    old.sequence += 1
    session.flush()


def move_booking_series_for_good(session: Session, item: ChangeItem, room: Room) -> None:
    """A volunteer's series names its new room (its dates were moved one by one)."""
    series = session.get(BookingSeries, item.booking_series_id) if item.booking_series_id else None
    if series is not None:
        series.room_id, series.room = room.id, room
        session.flush()
