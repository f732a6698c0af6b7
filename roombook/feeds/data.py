"""Reading what a feed shows from the database, as plain rows.

Queries select columns, not ORM objects: the city-wide feed covers tens of thousands of occurrences,
and loading them as tuples keeps it well under a second. Everything a builder needs is in these rows,
so `roombook.feeds.build` is a pure function of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.booking.recurrence import DAYS, to_utc, weekly_local
from roombook.coordination.naming import public_names
from roombook.feeds.rows import (
    BookingRow,
    FeedData,
    OccurrenceRow,
    RoomRow,
    SeriesDateRow,
    SeriesRow,
    SlotRow,
)
from roombook.models import (
    Accommodation,
    Booking,
    BookingSeries,
    Closure,
    Occurrence,
    Offer,
    OfferSession,
    Room,
    SeriesGap,
    User,
)
from roombook.models.offers import OccurrenceStatus, offer_provider
from roombook.models.reservations import BookingStatus

PAST_MONTHS = 3


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def window_start(today: dt.date) -> dt.date:
    """The first day a feed shows: the first of the month three months back.

    Moving in whole months keeps a feed byte-identical for weeks when nothing changes.
    """
    month_index = today.year * 12 + today.month - 1 - PAST_MONTHS
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


@dataclass(frozen=True)
class Selection:
    """What a feed shows. `room_ids` None means every room; bookings are 'none', 'public' (each 'belegt', a public
    offer with its title), 'offers' (only the public offers) or 'detailed'."""

    room_ids: frozenset[int] | None = None
    category: str | None = None
    provider_id: int | None = None
    offers: bool = True
    bookings: str = "none"
    booking_user_id: int | None = None


def _slot_ids(selection: Selection, since: dt.date, since_utc: dt.datetime) -> sa.Select:
    """Ids of the weekly slots a selection shows (in one of its rooms, or moved into one)."""
    last = sa.func.coalesce(OfferSession.valid_until, Offer.valid_until)
    query = (sa.select(OfferSession.id).join(Offer, Offer.id == OfferSession.offer_id)
             .where(sa.or_(last.is_(None), last >= since)))
    if selection.room_ids is not None:
        moved_in = (sa.select(Occurrence.offer_session_id)
                    .where(Occurrence.room_id.in_(selection.room_ids), Occurrence.original_start >= since_utc))
        query = query.where(sa.or_(OfferSession.room_id.in_(selection.room_ids), OfferSession.id.in_(moved_in)))
    if selection.category is not None:
        query = query.where(Offer.category == selection.category)
    if selection.provider_id is not None:
        among = sa.select(offer_provider.c.offer_id).where(offer_provider.c.provider_id == selection.provider_id)
        query = query.where(sa.or_(OfferSession.provider_id == selection.provider_id,
                                   sa.and_(OfferSession.provider_id.is_(None), Offer.id.in_(among))))
    return query


def load_rooms(session: Session, room_ids=None) -> dict[int, RoomRow]:
    query = (sa.select(Room.id, Room.key, Room.name, Accommodation.name, Accommodation.address,
                       Accommodation.timezone).join(Accommodation, Accommodation.id == Room.accommodation_id))
    if room_ids is not None:
        query = query.where(Room.id.in_(room_ids))
    return {r[0]: RoomRow(r[0], r[1], r[2], r[3], r[4] or "", r[5]) for r in session.execute(query)}


def load_feed_data(session: Session, selection: Selection, since: dt.date, timezone: str) -> FeedData:
    """Everything the selection shows from local date `since` on (whole series from their first week in it)."""
    since_utc = to_utc(dt.datetime.combine(since, dt.time(0)), zone(timezone))
    slots: list[SlotRow] = []
    rooms: dict[int, RoomRow] = {}
    if selection.offers:
        slots, rooms = _load_slots(session, selection, since, since_utc)
    bookings = _load_bookings(session, selection, since_utc) if selection.bookings != "none" else []
    series = _load_series(session, selection, since_utc) if selection.bookings != "none" else []
    wanted = ({b.room_id for b in bookings} | {s.room_id for s in series}
              | {d.room_id for s in series for d in s.dates}) - set(rooms)
    if wanted:
        rooms.update(load_rooms(session, wanted))
    return FeedData(rooms, slots, bookings, selection.room_ids, series)


def _seconds(session: Session, start, end):
    """end - start in seconds, in SQL (the two databases spell it differently)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start)
    return sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86400)


def _occurrence_columns():
    return (Occurrence.id, Occurrence.offer_session_id, Occurrence.room_id, Occurrence.original_start,
            Occurrence.starts_at, Occurrence.ends_at, Occurrence.status, Occurrence.reason, Occurrence.sequence)


def weeks_between(day: str, first: dt.date, last: dt.date) -> int:
    """How many of weekday `day` lie in [first, last]: the number of starts a weekly rule makes there."""
    offset = (DAYS.index(day) - first.weekday()) % 7
    span = (last - first).days - offset
    return 0 if span < 0 else span // 7 + 1


def _load_slots(session: Session, selection: Selection, since: dt.date,
                since_utc: dt.datetime) -> tuple[list[SlotRow], dict[int, RoomRow]]:
    # the ids once, as a list: four queries use them, and a round trip costs more than the list
    ids = list(session.scalars(_slot_ids(selection, since, since_utc)))
    if not ids:
        return [], {}
    offer_providers: dict[int, list[int]] = {}
    for offer_id, provider_id in session.execute(
            sa.select(offer_provider.c.offer_id, offer_provider.c.provider_id)
            .join(OfferSession, OfferSession.offer_id == offer_provider.c.offer_id).where(OfferSession.id.in_(ids))
            .distinct()
            .order_by(offer_provider.c.offer_id, offer_provider.c.provider_id)):
        offer_providers.setdefault(offer_id, []).append(provider_id)
    rows = session.execute(
        sa.select(OfferSession.id, Offer.id, Offer.title, Offer.description, Offer.category, OfferSession.provider_id,
                  OfferSession.day, OfferSession.start, Offer.duration_minutes, OfferSession.valid_from,
                  Offer.valid_from, OfferSession.valid_until, Offer.valid_until, OfferSession.room_id,
                  OfferSession.sequence, OfferSession.updated_at, Offer.updated_at)
        .join(Offer, Offer.id == OfferSession.offer_id)
        .where(OfferSession.id.in_(ids)).order_by(OfferSession.id)).all()
    # every feed names providers as the public may read them (a volunteer never by a full name)
    names = public_names(session, [pid for pids in offer_providers.values() for pid in pids]
                         + [row[5] for row in rows if row[5] is not None])
    slots: dict[int, SlotRow] = {}
    for (sid, offer_id, title, description, category, provider, day, start, minutes, s_from, o_from, s_until,
         o_until, room_id, sequence, s_stamp, o_stamp) in rows:
        providers = names.get(provider, "") if provider is not None else \
            ", ".join(names[pid] for pid in offer_providers.get(offer_id, []) if pid in names)
        lasts = [d for d in (s_until, o_until) if d is not None]
        slots[sid] = SlotRow(sid, title, description or "", category, providers, day, start, minutes,
                             max(s_from, o_from), min(lasts) if lasts else None, room_id, sequence,
                             max(s_stamp, o_stamp))
    if not slots:
        return [], {}
    # SEQUENCE and DTSTAMP count every occurrence ever, not just the window: they must only grow.
    counted = {}
    in_window = sa.case((Occurrence.original_start >= since_utc, 1), else_=0)
    for sid, sequence, stamp, count, materialised in session.execute(
            sa.select(Occurrence.offer_session_id, sa.func.sum(Occurrence.sequence), sa.func.max(Occurrence.updated_at),
                      sa.func.sum(in_window), sa.func.max(Occurrence.original_start))
            .where(Occurrence.offer_session_id.in_(ids)).group_by(Occurrence.offer_session_id)):
        slot = slots[sid]
        slot.sequence += int(sequence or 0)
        slot.updated_at = max(slot.updated_at, stamp)
        slot.materialised = materialised if materialised >= since_utc else None
        counted[sid] = int(count or 0)
    deviating = sa.or_(Occurrence.status != OccurrenceStatus.SCHEDULED,
                       Occurrence.starts_at != Occurrence.original_start,
                       Occurrence.room_id != OfferSession.room_id,
                       _seconds(session, Occurrence.starts_at, Occurrence.ends_at) != Offer.duration_minutes * 60)
    for row in session.execute(
            sa.select(*_occurrence_columns()).join(OfferSession, OfferSession.id == Occurrence.offer_session_id)
            .join(Offer, Offer.id == OfferSession.offer_id)
            .where(Occurrence.offer_session_id.in_(ids), Occurrence.original_start >= since_utc, deviating)
            .order_by(Occurrence.offer_session_id, Occurrence.original_start)):
        slots[row[1]].exceptions.append(OccurrenceRow(*row))
    room_ids = {s.room_id for s in slots.values()} | {o.room_id for s in slots.values() for o in s.exceptions}
    rooms = load_rooms(session, room_ids)
    for slot in slots.values():
        if slot.materialised is None:
            continue
        tz = zone(rooms[slot.room_id].timezone)
        first = max(slot.first, since)
        expected = weeks_between(slot.day, first, slot.materialised.astimezone(tz).date())
        if counted.get(slot.id, 0) != expected:
            _find_gaps(session, slot, first, tz, since_utc)
    _closed_beyond_horizon(session, list(slots.values()), rooms, since, since_utc)
    extra = {o.room_id for s in slots.values() for o in s.orphans} - set(rooms)
    if extra:
        rooms.update(load_rooms(session, extra))
    return list(slots.values()), rooms


# Beyond the materialised occurrences a series is its rule alone: the weeks a known closure or public holiday
# covers are excluded up to the series' end, or this far ahead for an open-ended one.
CLOSED_AHEAD = dt.timedelta(days=2 * 366)


def _closed_beyond_horizon(session: Session, slots: list[SlotRow], rooms: dict[int, RoomRow], since: dt.date,
                           since_utc: dt.datetime) -> None:
    """Add to each slot's missing weeks those after its last occurrence row that a closure of its room covers."""
    if not slots:
        return
    until_utc = since_utc + CLOSED_AHEAD
    closures: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for room_id, starts_at, ends_at in session.execute(
            sa.select(Closure.room_id, Closure.starts_at, Closure.ends_at)
            .where(Closure.room_id.in_({s.room_id for s in slots}), Closure.ends_at > since_utc,
                   Closure.starts_at < until_utc)):
        closures.setdefault(room_id, []).append((starts_at, ends_at))
    for slot in slots:
        closed = closures.get(slot.room_id)
        if not closed:
            continue
        tz = zone(rooms[slot.room_id].timezone)
        after = slot.materialised or since_utc - dt.timedelta(seconds=1)
        first = max(slot.first, since, after.astimezone(tz).date())
        last = min([d for d in (slot.last, (until_utc.astimezone(tz)).date()) if d is not None])
        length = dt.timedelta(minutes=slot.minutes)
        extra = [start for start in (to_utc(local, tz) for local in weekly_local(slot.day, slot.start, first, last))
                 if start > after and any(s < start + length and start < e for s, e in closed)]
        if extra:
            slot.missing = sorted(set(slot.missing) | set(extra))


def _find_gaps(session: Session, slot: SlotRow, first: dt.date, tz: ZoneInfo, since_utc: dt.datetime) -> None:
    """The rule's weeks without a row, and rows the rule does not make (rare: a slot edited in place)."""
    rule = {to_utc(local, tz) for local in weekly_local(slot.day, slot.start, first,
                                                         slot.materialised.astimezone(tz).date())}
    rows = {r[3]: r for r in session.execute(
        sa.select(*_occurrence_columns()).where(Occurrence.offer_session_id == slot.id,
                                                Occurrence.original_start >= since_utc))}
    slot.missing = sorted(rule - set(rows))
    orphans = [OccurrenceRow(*rows[start]) for start in sorted(set(rows) - rule)]
    slot.orphans = [o for o in orphans if o.status != OccurrenceStatus.CANCELLED]
    slot.exceptions = [o for o in slot.exceptions if o.original_start in rule]


def _public_text(description: str | None, contact: str | None) -> str:
    """What a public offer tells residents beyond its title: its description and the contact its owner gave."""
    return "\n".join(part for part in (description or "", f"Kontakt: {contact}" if contact else "") if part)


def _load_bookings(session: Session, selection: Selection, since_utc: dt.datetime) -> list[BookingRow]:
    """The bookings a selection shows. A public offer that its managers have not hidden carries its title, kind
    and description into every feed (never its owner); any other booking is 'belegt' unless the feed is
    detailed."""
    shown_as_offer = Booking.shown_to_residents
    query = (sa.select(Booking.id, Booking.room_id, Booking.starts_at, Booking.ends_at, Booking.title,
                       Booking.sequence, Booking.updated_at, User.display_name, User.email, Booking.category,
                       Booking.description, Booking.public_contact, shown_as_offer)
             .outerjoin(User, User.id == Booking.user_id)
             .where(Booking.status == BookingStatus.ACTIVE, Booking.ends_at > since_utc, Booking.series_id.is_(None))
             .order_by(Booking.id))
    if selection.room_ids is not None:
        query = query.where(Booking.room_id.in_(selection.room_ids))
    if selection.booking_user_id is not None:
        query = query.where(Booking.user_id == selection.booking_user_id)
    if selection.bookings == "offers":
        query = query.where(shown_as_offer)
    if selection.category is not None:
        query = query.where(Booking.category == selection.category)
    detailed = selection.bookings == "detailed"
    result = []
    for (bid, room_id, start, end, title, sequence, stamp, name, email, category, description, contact,
         offer) in session.execute(query):
        who = (f"{name} <{email}>" if name else email or "") if detailed else ""
        offer = bool(offer)
        text = _public_text(description, contact)
        result.append(BookingRow(bid, room_id, start, end, title if detailed or offer else "", sequence, stamp, who,
                                 category if offer or detailed else None, text if offer or detailed else "", offer))
    return result


def _load_series(session: Session, selection: Selection, since_utc: dt.datetime) -> list[SeriesRow]:
    """The booking series with an active date in the selection from `since_utc` on, each with every week
    (of any state, in any room: the feed's rule needs them all), in time order. As for one-off bookings, a
    series of public offers carries its title, kind and description into every feed; a date its managers hid,
    or one outside an offers-only or category feed, is left out of the rule like a cancelled one."""
    shown_as_offer = Booking.shown_to_residents
    ids = sa.select(Booking.series_id).where(Booking.series_id.is_not(None), Booking.status == BookingStatus.ACTIVE,
                                             Booking.ends_at > since_utc)
    if selection.room_ids is not None:
        ids = ids.where(Booking.room_id.in_(selection.room_ids))
    if selection.booking_user_id is not None:
        ids = ids.where(Booking.user_id == selection.booking_user_id)
    if selection.bookings == "offers":
        ids = ids.where(shown_as_offer)
    if selection.category is not None:
        ids = ids.where(Booking.category == selection.category)
    detailed = selection.bookings == "detailed"
    found: dict[int, SeriesRow] = {}
    titles: dict[int, str] = {}
    for sid, uid, room_id, title, created, name, email in session.execute(
            sa.select(BookingSeries.id, BookingSeries.uid, BookingSeries.room_id, BookingSeries.title,
                      BookingSeries.created_at, User.display_name, User.email)
            .outerjoin(User, User.id == BookingSeries.user_id).where(BookingSeries.id.in_(ids))
            .order_by(BookingSeries.id)):
        who = (f"{name} <{email}>" if name else email or "") if detailed else ""
        found[sid] = SeriesRow(sid, uid, room_id, title if detailed else "", who, created)
        titles[sid] = title
    if not found:
        return []
    for (bid, sid, room_id, start, end, status, title, sequence, stamp, category, description, contact,
         offer) in session.execute(
            sa.select(Booking.id, Booking.series_id, Booking.room_id, Booking.starts_at, Booking.ends_at,
                      Booking.status, Booking.title, Booking.sequence, Booking.updated_at, Booking.category,
                      Booking.description, Booking.public_contact, shown_as_offer)
            .where(Booking.series_id.in_(found)).order_by(Booking.starts_at)):
        series, offer = found[sid], bool(offer)
        shown = (selection.bookings != "offers" or offer) and (selection.category in (None, category))
        if offer and status == BookingStatus.ACTIVE and series.category is None:
            series.category, series.title = category, titles[sid]
            series.description = _public_text(description, contact)
        series.dates.append(SeriesDateRow(bid, room_id, start, end, status == BookingStatus.ACTIVE and shown,
                                          title if detailed or offer else "", sequence, stamp))
    for sid, start, end in session.execute(sa.select(SeriesGap.series_id, SeriesGap.starts_at, SeriesGap.ends_at)
                                           .where(SeriesGap.series_id.in_(found))):
        found[sid].dates.append(SeriesDateRow(None, found[sid].room_id, start, end, False, "", 0, None))
    for row in found.values():
        row.dates.sort(key=lambda d: (d.starts_at, d.booking_id or 0))
    return list(found.values())
