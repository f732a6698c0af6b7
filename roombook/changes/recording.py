"""Recording a closure as a room change: the closure takes out what it covers, and what it took is grouped
per series (an offer's weekly slot, a volunteer's booking series, a one-off booking) with a proposed repair.

Nothing is decided here and no one is told yet: the person applying the change decides with the facts in
front of them (`deciding.apply_change`), and everyone concerned is told once then.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking.errors import ClosureExists
from roombook.booking.occupancy import lock_rooms
from roombook.booking.occurrences import ClosureHits, close_room, take_out
from roombook.booking.rooms import RoomInputError, check_closure, update_room
from roombook.changes.repair import hits_of_bookings, hits_of_occurrences, propose
from roombook.conflicts.decisions import IN_CHANGE
from roombook.models import (
    Booking,
    BookingSeries,
    ChangeItem,
    Closure,
    Conflict,
    Occurrence,
    Room,
    RoomChange,
    User,
)
from roombook.models.changes import ChangeStatus
from roombook.models.reservations import OPEN_END, ClosurePurpose, is_open_end


@dataclass
class Recorded:
    closure: Closure
    change: RoomChange | None  # None when the closure hit nothing: nothing to decide


def record_closure(session: Session, actor: User | None, room: Room, start: dt.datetime, end: dt.datetime | None,
                   reason: str, purpose: str = ClosurePurpose.OTHER, *, now: dt.datetime | None = None) -> Recorded:
    """Close the room for [start, end) and open one change for everything it hits, with proposals.

    With no end the room is taken "until further notice": every date materialised from `start` on is hit,
    the closure keeps the room closed for whatever is made later, and the change proposes to move each
    series for good (`deciding` moves the weekly slot itself)."""
    now = now or clock.now()
    end = OPEN_END if end is None else end
    check_closure(room, start, end, reason, now=now)
    if purpose not in ClosurePurpose.ALL:
        raise RoomInputError(_l("Unbekannte Art der Schließung."), "kind")
    try:
        hits = close_room(session, room, start, end, reason.strip(), purpose=purpose)
    except ClosureExists:  # refused before anything was written
        raise RoomInputError(_l("Eine Schließung mit diesem Beginn gibt es schon."), "start") from None
    audit.record(session, actor, "closure.applied", hits.closure, room=room.key, accommodation=room.accommodation.key,
                 reason=hits.closure.reason, purpose=purpose, start=start.isoformat(),
                 end=None if is_open_end(end) else end.isoformat())
    if not hits.occurrences and not hits.bookings:
        return Recorded(hits.closure, None)
    change = _open_change(session, actor, room, hits, cause="closure", reason=hits.closure.reason, start=start,
                          end=end, now=now)
    return Recorded(hits.closure, change)


def record_room_update(session: Session, actor: User, room: Room, *, now: dt.datetime | None = None,
                       **fields) -> RoomChange | None:
    """Change a room's facts and rules (`booking.rooms.update_room`); what shorter opening hours leave outside
    is taken out of the room and opens one change, like a closure, so nothing stays silently out of hours."""
    now = now or clock.now()
    outside = update_room(session, actor, room, **fields)
    if not outside:
        return None
    lock_rooms(session, [room.id])
    hits = take_out(session, [i for i in outside if isinstance(i, Occurrence)],
                    [i for i in outside if isinstance(i, Booking)], "Öffnungszeiten geändert")
    return _open_change(session, actor, room, hits, cause="opening_hours", reason="Öffnungszeiten geändert",
                        start=min(i.starts_at for i in outside), end=max(i.ends_at for i in outside), now=now)


def _open_change(session: Session, actor: User | None, room: Room, hits: ClosureHits, *, cause: str, reason: str,
                 start: dt.datetime, end: dt.datetime, now: dt.datetime) -> RoomChange:
    """One change for what was taken out of the room, an item per series, each with its proposed repair."""
    change = RoomChange(accommodation_id=room.accommodation_id, room_id=room.id,
                        closure_id=hits.closure.id if hits.closure is not None else None, cause=cause, reason=reason,
                        starts_at=start, ends_at=end, created_by_id=actor.id if actor is not None else None)
    session.add(change)
    session.flush()
    by_slot = defaultdict(list)
    for occurrence in hits.occurrences:
        by_slot[occurrence.offer_session_id].append(occurrence)
    for occurrences in by_slot.values():
        offer = occurrences[0].offer_session.offer
        change.items.append(ChangeItem(kind="offer", offer_session_id=occurrences[0].offer_session_id,
                                       title=offer.title, participants=offer.participants,
                                       hits=hits_of_occurrences(occurrences)))
    by_series, one_offs = defaultdict(list), []
    for booking in hits.bookings:
        (by_series[booking.series_id] if booking.series_id is not None else one_offs).append(booking)
    series_rows = {s.id: s for s in session.scalars(sa.select(BookingSeries).where(BookingSeries.id.in_(by_series)))}
    for series_id, bookings in by_series.items():
        change.items.append(ChangeItem(kind="booking_series", booking_series_id=series_id,
                                       owner_id=bookings[0].user_id, title=series_rows[series_id].title,
                                       hits=hits_of_bookings(bookings)))
    for booking in one_offs:
        change.items.append(ChangeItem(kind="booking", booking_id=booking.id, owner_id=booking.user_id,
                                       title=booking.title, hits=hits_of_bookings([booking])))
    session.flush()
    propose(session, change, now)
    session.flush()
    audit.record(session, actor, "change.recorded", change, room=room.key, accommodation=room.accommodation.key,
                 closure=change.closure_id, cause=cause, items=len(change.items),
                 dates=sum(len(item.hits) for item in change.items))
    return change


def absorb_new_dates(session: Session, *, now: dt.datetime | None = None) -> int:
    """Dates the horizon added to a slot in a room an undecided change closed join that change's item, with
    the repair proposed again for all of them, instead of each waiting in the inbox as a conflict of its own
    (a room taken until further notice would otherwise add one every week). Returns how many joined."""
    now = now or clock.now()
    rows = session.execute(
        sa.select(Conflict, RoomChange, Occurrence)
        .join(Occurrence, Occurrence.id == Conflict.occurrence_id)
        .join(Closure, sa.and_(Closure.room_id == Occurrence.room_id, Closure.starts_at < Occurrence.ends_at,
                               Closure.ends_at > Occurrence.starts_at))
        .join(RoomChange, RoomChange.closure_id == Closure.id)
        .where(Conflict.status == "open", Conflict.kind == "closure_hit",
               RoomChange.status == ChangeStatus.PROPOSED)
        .order_by(Occurrence.starts_at)).all()
    touched: dict[int, RoomChange] = {}
    joined = 0
    for conflict, change, occurrence in rows:
        item = next((i for i in change.items
                     if i.kind == "offer" and i.offer_session_id == occurrence.offer_session_id), None)
        if item is None:
            continue  # a slot the change did not hit: its conflict stays the manager's to decide
        if all(hit.get("occurrence") != occurrence.id for hit in item.hits):
            item.hits = sorted([*item.hits, *hits_of_occurrences([occurrence])], key=lambda h: h["start"])
        conflict.status, conflict.resolution = "resolved", IN_CHANGE
        conflict.resolution_note, conflict.resolved_at = f"Teil der Raumänderung {change.id}", now
        touched[change.id] = change
        joined += 1
    for change in touched.values():
        propose(session, change, now)
        audit.record(session, None, "change.dates_added", change, accommodation=change.accommodation.key,
                     dates=sum(len(item.hits) for item in change.items))
    session.flush()
    return joined
