"""Building an iCalendar feed from feed rows: a pure function of its input, so equal data gives equal bytes.

How the database maps to RFC 5545, and why:
- A weekly slot (OfferSession) is one VEVENT with a weekly RRULE, not one event per week. Its UID
  stays the slot's for its life; a time change mid-term ends the slot (UNTIL) and starts a new one,
  so the past weeks keep their time and no RANGE=THISANDFUTURE is needed.
- A cancelled occurrence is an EXDATE on the master: Google and Outlook drop STATUS:CANCELLED
  instances of a subscribed series, other clients only strike them through.
- A moved occurrence in its own room overrides its instance (RECURRENCE-ID = the rule's own start).
  One moved to another room is an EXDATE on the master plus a single event of its own, so that every
  feed (the old room's, the new room's, the city's) describes it the same way under the same UID.
- Weeks the rule produces but the database holds no occurrence for (up to the last one materialised)
  are EXDATEs too: a feed shows exactly what the database holds. Weeks after the materialised
  horizon are left to the rule; the nightly job materialises them.
- EXDATE and RECURRENCE-ID have the same form as DTSTART (local time with TZID); UNTIL is in UTC.
- SEQUENCE of a slot's events is the slot's sequence plus those of all its occurrences, so it grows
  when the slot ends early, a week is cancelled, moved or reinstated. DTSTAMP and LAST-MODIFIED come
  from updated_at, never from the clock, and components are sorted, so a feed is byte-identical
  until its data changes.
- A volunteer's weekly booking series is one VEVENT too, under its series UID: the rule runs from its first
  week to its last at the time most of its dates have; weeks cancelled, skipped or refused are EXDATEs, a
  date changed on its own (another time, length or title) overrides its instance, and a date in another
  room than the series' is an EXDATE plus a single event of its own (UID of the booking), as for offers.
- Expanding the rule is the client's job: we only find the first week shown (skipping excluded ones)
  and the last week (for UNTIL).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from roombook.booking.recurrence import DAYS, to_utc
from roombook.coordination.categories import LABELS_DE
from roombook.feeds.data import zone
from roombook.feeds.ical import fold, local_stamp, prop, render, text, utc_stamp
from roombook.feeds.rows import (
    BookingRow,
    FeedData,
    RoomRow,
    SeriesDateRow,
    SeriesRow,
    SlotRow,
)
from roombook.feeds.uids import booking_uid
from roombook.feeds.vtimezone import vtimezone
from roombook.models.offers import OccurrenceStatus

PRODID = "-//roombook//Raumbuchung Gemeinschaftsunterkuenfte//DE"
REFRESH = "PT1H"
PUBLIC_BOOKING = "belegt"
_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


@dataclass(frozen=True)
class FeedMeta:
    """Calendar-level facts: its name for the subscriber's list, a description, the UID domain, and the
    city's time zone (X-WR-TIMEZONE, and a VTIMEZONE even when no event needs one)."""

    name: str
    description: str = ""
    uid_domain: str = "roombook"
    timezone: str = ""


@dataclass
class _Component:
    sort_key: tuple
    text: str  # folded content lines, each ending in CRLF
    tzids: frozenset[str]


def build_calendar(data: FeedData, meta: FeedMeta, since: dt.date, cache: dict | None = None) -> bytes:
    """The feed as bytes: VCALENDAR with the VTIMEZONEs its events use, then its events in a stable order.

    `cache` (optional) keeps rendered components between calls, for building many feeds from one
    load of the data: a component's text depends only on its rows, except for a slot with weeks in
    other rooms, which is rendered per feed.
    """
    components: list[_Component] = []
    for slot in data.slots:
        key = ("slot", slot.id)
        same_everywhere = _shown(data, slot.room_id) and not slot.occurrence_rooms() - {slot.room_id}
        if cache is not None and same_everywhere and key in cache:
            components += cache[key]
            continue
        made = slot_components(slot, data, meta.uid_domain, since)
        if cache is not None and same_everywhere:
            cache[key] = made
        components += made
    for booking in data.bookings:
        key = ("booking", booking.id)
        if cache is not None and key in cache:
            components.append(cache[key])
            continue
        made = booking_component(booking, data.rooms[booking.room_id], meta.uid_domain)
        if cache is not None:
            cache[key] = made
        components.append(made)
    for series in data.series:
        components += series_components(series, data, meta.uid_domain, since)
    components.sort(key=lambda c: c.sort_key)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", prop("PRODID", PRODID), "CALSCALE:GREGORIAN",
             text("X-WR-CALNAME", meta.name), text("NAME", meta.name)]
    if meta.description:
        lines += [text("X-WR-CALDESC", meta.description), text("DESCRIPTION", meta.description)]
    if meta.timezone:
        lines.append(text("X-WR-TIMEZONE", meta.timezone))
    lines += [prop("REFRESH-INTERVAL", REFRESH, value="DURATION"), prop("X-PUBLISHED-TTL", REFRESH)]
    # RFC 5545 wants at least one component in a calendar: the city's VTIMEZONE is that in a feed
    # without events (a category nobody offers yet), so every client and validator accepts it.
    zones = frozenset({meta.timezone} if meta.timezone else ()).union(*(c.tzids for c in components))
    for tzid in sorted(zones):
        lines += vtimezone(tzid)
    head = render(lines).decode("utf-8")
    return (head + "".join(c.text for c in components) + "END:VCALENDAR\r\n").encode("utf-8")


def _location(room: RoomRow) -> str:
    return ", ".join(part for part in (room.name, room.accommodation, room.address) if part)


def _de(instant: dt.datetime, tzid: str) -> str:
    return instant.astimezone(zone(tzid)).strftime("%d.%m.%Y %H:%M")


@lru_cache(maxsize=8192)
def _text_line(name: str, value: str) -> str:
    """A folded TEXT line; titles, places and categories repeat across thousands of events."""
    return fold(text(name, value))


@lru_cache(maxsize=4096)
def _location_line(room: RoomRow) -> str:
    return fold(text("LOCATION", _location(room)))


_TAIL = "STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\nCLASS:PUBLIC\r\nEND:VEVENT\r\n"


def _event(uid: str, sequence: int, stamp: dt.datetime, summary: str, description: str, room: RoomRow,
           category: str, start: dt.datetime, end: dt.datetime, extra: list[str]) -> str:
    """One VEVENT, rendered (folded, CRLF after each line); `extra` holds RRULE, EXDATE or RECURRENCE-ID lines."""
    tzid = room.timezone
    tz = zone(tzid)
    stamp_text = utc_stamp(stamp)
    # Only text and very long zone names or domains can exceed 75 octets; the rest needs no folding.
    lines = ["BEGIN:VEVENT", fold("UID:" + uid), "DTSTAMP:" + stamp_text, "LAST-MODIFIED:" + stamp_text,
             f"SEQUENCE:{sequence}", f"DTSTART;TZID={tzid}:{local_stamp(start.astimezone(tz))}",
             f"DTEND;TZID={tzid}:{local_stamp(end.astimezone(tz))}"]
    if len(tzid) > 40:
        lines[5:7] = map(fold, lines[5:7])
    lines += extra if len(tzid) <= 40 else map(fold, extra)
    lines.append(_text_line("SUMMARY", summary))
    if description:
        lines.append(_text_line("DESCRIPTION", description))
    lines += [_location_line(room), _text_line("CATEGORIES", category), _TAIL]
    return "\r\n".join(lines)


def _weekday_on_or_after(day: str, date: dt.date) -> dt.date:
    return date + dt.timedelta(days=(DAYS.index(day) - date.weekday()) % 7)


def _weekday_on_or_before(day: str, date: dt.date) -> dt.date:
    return date - dt.timedelta(days=(date.weekday() - DAYS.index(day)) % 7)


def _slot_text(slot: SlotRow) -> list[str]:
    label = LABELS_DE.get(slot.category, slot.category)
    lines = [f"{label}" + (f" – {slot.providers}" if slot.providers else "")]
    if slot.description.strip():
        lines.append(slot.description.strip())
    return lines


def slot_components(slot: SlotRow, data: FeedData, domain: str, since: dt.date) -> list[_Component]:
    """The master VEVENT of a weekly slot with its EXDATEs and overrides, and single events for
    occurrences moved to another room (see the module docstring)."""
    room = data.rooms[slot.room_id]
    tzid = room.timezone
    tz = zone(tzid)
    uid = f"slot-{slot.id}@{domain}"
    length = dt.timedelta(minutes=slot.minutes)
    first = max(slot.first, since)
    excluded: set[dt.datetime] = set(slot.missing)  # UTC starts of rule weeks that do not happen here
    cancelled, overrides, singles = [], [], list(slot.orphans)
    for row in slot.exceptions:
        if row.status == OccurrenceStatus.CANCELLED:
            excluded.add(row.original_start)
            cancelled.append(row)
        elif row.room_id != slot.room_id:
            excluded.add(row.original_start)
            singles.append(row)
        else:
            overrides.append(row)
    head = _slot_text(slot)
    category = LABELS_DE.get(slot.category, slot.category)
    tzids = frozenset({tzid})
    result = []
    dtstart = None
    if _shown(data, slot.room_id):
        # the first week the rule shows; the rule's weeks are RRULE's, these few steps only skip exclusions
        day = _weekday_on_or_after(slot.day, first)
        while slot.last is None or day <= slot.last:
            local_start = dt.datetime.combine(day, slot.start)
            if to_utc(local_start, tz) not in excluded:
                dtstart = local_start
                break
            day += dt.timedelta(days=7)
    if dtstart is not None:
        start = to_utc(dtstart, tz)
        notes = [f"Fällt aus: {_de(r.original_start, tzid)}" + (f" ({r.reason})" if r.reason else "")
                 for r in cancelled if r.original_start > start]
        rule = f"FREQ=WEEKLY;BYDAY={_BYDAY[slot.day]}"
        if slot.last is not None:
            last = dt.datetime.combine(_weekday_on_or_before(slot.day, slot.last), slot.start)
            rule = f"FREQ=WEEKLY;UNTIL={utc_stamp(to_utc(last, tz))};BYDAY={_BYDAY[slot.day]}"
        extra = [prop("RRULE", rule)] + [f"EXDATE;TZID={tzid}:{local_stamp(d.astimezone(tz))}"
                                         for d in sorted(excluded) if d > start]
        master = _event(uid, slot.sequence, slot.updated_at, slot.title, "\n".join(head + notes), room, category,
                        start, to_utc(dtstart + length, tz), extra)
        result.append(_Component((uid, ""), master, tzids))
        for row in overrides:
            if row.original_start < start:
                continue
            moved = f"Verlegt: {_de(row.original_start, tzid)} → {_de(row.starts_at, tzid)}"
            if row.reason:
                moved += f" ({row.reason})"
            recurrence = local_stamp(row.original_start.astimezone(tz))
            result.append(_Component((uid, recurrence), _event(
                uid, slot.sequence, slot.updated_at, slot.title, "\n".join(head + [moved]), room, category,
                row.starts_at, row.ends_at, [f"RECURRENCE-ID;TZID={tzid}:{recurrence}"]), tzids))
    for row in singles:
        target = data.rooms.get(row.room_id)
        if target is None or not _shown(data, row.room_id):
            continue
        single_uid = f"occurrence-{row.id}@{domain}"
        moved = f"Verlegt: {_de(row.original_start, tzid)}, {_location(room)}"
        if row.reason:
            moved += f" ({row.reason})"
        result.append(_Component((single_uid, ""), _event(
            single_uid, slot.sequence, slot.updated_at, slot.title, "\n".join(head + [moved]), target, category,
            row.starts_at, row.ends_at, []), frozenset({target.timezone})))
    return result


def _shown(data: FeedData, room_id: int) -> bool:
    return data.shown_rooms is None or room_id in data.shown_rooms


def booking_component(booking: BookingRow, room: RoomRow, domain: str) -> _Component:
    """A one-off booking: 'belegt' in public feeds, its title and who booked it in detailed ones; a public offer
    like an offer's session, with its kind and description (and no owner) in every feed."""
    uid = booking_uid(booking.id, domain)
    category = "Buchung"
    if booking.title:
        summary = booking.title
        lines = [LABELS_DE.get(booking.category, booking.category)] if booking.category else []
        lines += [booking.description] if booking.description else []
        lines += [f"Gebucht von: {booking.booked_by}"] if booking.booked_by else []
        description = "\n".join(lines)
        if booking.offer:
            category = LABELS_DE.get(booking.category, booking.category)
    else:
        summary, description = PUBLIC_BOOKING, "Der Raum ist gebucht."
    text_ = _event(uid, booking.sequence, booking.updated_at, summary, description, room, category,
                   booking.starts_at, booking.ends_at, [])
    return _Component((uid, ""), text_, frozenset({room.timezone}))


def _series_text(series: SeriesRow) -> str:
    """A public offer's kind and description (never its owner); otherwise who booked it, in detailed feeds."""
    if series.category:
        return "\n".join([LABELS_DE.get(series.category, series.category)]
                         + ([series.description] if series.description else []))
    return f"Gebucht von: {series.booked_by}" if series.booked_by else ""


def series_components(series: SeriesRow, data: FeedData, domain: str, since: dt.date) -> list[_Component]:
    """A booking series as one master VEVENT with EXDATEs and overrides, and single events for its dates in
    other rooms (see the module docstring). Weeks that end before `since` are left out like the past of a slot."""
    home = data.rooms[series.room_id]
    tz = zone(home.timezone)
    since_utc = to_utc(dt.datetime.combine(since, dt.time(0)), tz)
    first_day = min(d.starts_at.astimezone(tz).date() for d in series.dates)

    def wall(row: SeriesDateRow) -> tuple[dt.time, dt.timedelta]:
        start = row.starts_at.astimezone(tz).replace(tzinfo=None)
        return start.time(), row.ends_at.astimezone(tz).replace(tzinfo=None) - start

    # the rule's time and length: what most of the active dates in its room have (the earliest on a tie)
    home_rows = [d for d in series.dates if d.active and d.room_id == series.room_id] or series.dates
    counts = Counter(wall(d) for d in home_rows)
    at, length = max(counts, key=counts.__getitem__)  # max keeps the first of equals: the earliest
    weeks: dict[int, SeriesDateRow] = {}
    singles = []
    for row in series.dates:
        if not row.active or row.ends_at <= since_utc:
            continue
        week = round((row.starts_at.astimezone(tz).date() - first_day).days / 7)
        if row.room_id == series.room_id and week not in weeks:
            weeks[week] = row
        else:
            singles.append(row)

    def rule_start(week: int) -> dt.datetime:
        return to_utc(dt.datetime.combine(first_day + dt.timedelta(weeks=week), at), tz)

    sequence = sum(d.sequence for d in series.dates)
    stamp = max([d.updated_at for d in series.dates if d.updated_at is not None] + [series.created_at])
    uid = f"series-{series.uid}@{domain}"
    tzids = frozenset({home.timezone})
    kind = LABELS_DE.get(series.category, series.category) if series.category else "Buchung"
    result = []
    if weeks and _shown(data, series.room_id):
        first, last = min(weeks), max(weeks)
        start = rule_start(first)
        local_first = dt.datetime.combine(first_day + dt.timedelta(weeks=first), at)
        extra = [prop("RRULE", f"FREQ=WEEKLY;UNTIL={utc_stamp(rule_start(last))}")]
        extra += [f"EXDATE;TZID={home.timezone}:{local_stamp(rule_start(k).astimezone(tz))}"
                  for k in range(first + 1, last) if k not in weeks]
        summary = series.title or PUBLIC_BOOKING
        description = _series_text(series) if series.title else "Der Raum ist gebucht."
        result.append(_Component((uid, ""), _event(uid, sequence, stamp, summary, description, home, kind,
                                                   start, to_utc(local_first + length, tz), extra), tzids))
        for week, row in sorted(weeks.items()):
            own_start = rule_start(week)
            own_end = to_utc(dt.datetime.combine(first_day + dt.timedelta(weeks=week), at) + length, tz)
            if (row.starts_at, row.ends_at, row.title) == (own_start, own_end, series.title):
                continue
            recurrence = local_stamp(own_start.astimezone(tz))
            result.append(_Component((uid, recurrence), _event(
                uid, sequence, stamp, row.title or PUBLIC_BOOKING, description, home, kind, row.starts_at,
                row.ends_at, [f"RECURRENCE-ID;TZID={home.timezone}:{recurrence}"]), tzids))
    for row in singles:
        room = data.rooms.get(row.room_id)
        if room is None or not _shown(data, row.room_id):
            continue
        single_uid = f"booking-{row.booking_id}@{domain}"
        result.append(_Component((single_uid, ""), _event(
            single_uid, row.sequence, row.updated_at or stamp, row.title or PUBLIC_BOOKING, _series_text(series),
            room, kind, row.starts_at, row.ends_at, []), frozenset({room.timezone})))
    return result
