"""Calendar invitations sent with mails (iTIP, RFC 5546): METHOD:REQUEST to add or update an event, CANCEL to
take it away, under the same UID the feeds use (roombook.feeds.uids), so a person who also subscribes to a feed
sees one event.

Every invitation sent is recorded per address and UID with its SEQUENCE (`CalendarInvitation`): a later
cancellation or room change sends the same UID with a higher SEQUENCE, which calendar programs apply to the
event they already hold. A weekly series is one event with a weekly RRULE; a single date of it is addressed by
RECURRENCE-ID (its original start).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import icalendar
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from roombook import clock
from roombook.feeds import uid_domain
from roombook.feeds.uids import booking_uid, series_uid
from roombook.feeds.vtimezone import vtimezone
from roombook.models import Booking, BookingSeries, CalendarInvitation, Room

REQUEST, CANCEL = "REQUEST", "CANCEL"
UTC = dt.timezone.utc


@dataclass
class Event:
    """One VEVENT of an invitation: a date, a whole weekly series (`weekly_until`), or one date of a series
    (`recurrence_id`)."""

    uid: str
    title: str
    room: Room
    start: dt.datetime
    end: dt.datetime
    weekly_until: dt.datetime | None = None
    exdates: tuple[dt.datetime, ...] = ()
    recurrence_id: dt.datetime | None = None
    cancelled: bool = False
    sequence: int = 0


def organizer() -> str:
    """The address invitations come from: the outbox's sender (ROOMBOOK_SMTP_FROM, config or environment)."""
    return current_app.config.get("ROOMBOOK_SMTP_FROM", os.environ.get("ROOMBOOK_SMTP_FROM", "")) \
        or "roombook@localhost"


def calendar_text(method: str, events: list[Event], *, attendee: str) -> str:
    """The iCalendar text of one iTIP message (all its events share the method)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//roombook//Raumbuchung//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    stamp = clock.now().astimezone(UTC)
    for item in events:
        tz = item.room.tz
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("sequence", item.sequence)
        event.add("summary", item.title)
        event.add("location", f"{item.room.name}, {item.room.accommodation.name}")
        event.add("dtstart", item.start.astimezone(tz))
        event.add("dtend", item.end.astimezone(tz))
        if item.weekly_until is not None:
            event.add("rrule", {"freq": "weekly", "until": item.weekly_until.astimezone(UTC)})
            if item.exdates:
                event.add("exdate", [d.astimezone(tz) for d in item.exdates])
        if item.recurrence_id is not None:
            event.add("recurrence-id", item.recurrence_id.astimezone(tz))
        event.add("organizer", f"mailto:{organizer()}")
        event.add("attendee", f"mailto:{attendee}", parameters={"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED"})
        event.add("status", "CANCELLED" if item.cancelled or method == CANCEL else "CONFIRMED")
        cal.add_component(event)
    # the feeds' VTIMEZONEs (yearly RRULEs, which every client reads right), spliced in as text before the
    # first event: parsing them into components and writing them out again cost a third of a confirmation
    text = cal.to_ical().decode()
    zones = "".join("\r\n".join(vtimezone(tzid)) + "\r\n" for tzid in sorted({e.room.tz.key for e in events}))
    at = text.index("BEGIN:VEVENT")
    return text[:at] + zones + text[at:]


def domain() -> str:
    return uid_domain(current_app)


def booking_event(booking: Booking) -> Event:
    return Event(booking_uid(booking.id, domain()), booking.title, booking.room, booking.starts_at, booking.ends_at)


def series_event(series: BookingSeries, dates: list[Booking]) -> Event:
    """The series as one weekly event from its first to its last active date; weeks without a date between
    them are EXDATEs (the same wall-clock time each week, across clock changes)."""
    dates = sorted(dates, key=lambda b: b.starts_at)
    first, last = dates[0], dates[-1]
    tz = first.room.tz
    local_first = first.starts_at.astimezone(tz).replace(tzinfo=None)
    held = {b.starts_at.astimezone(tz).replace(tzinfo=None) for b in dates}
    exdates, week = [], local_first
    last_local = last.starts_at.astimezone(tz).replace(tzinfo=None)
    while week <= last_local:
        if week not in held:
            exdates.append(week.replace(tzinfo=tz))
        week += dt.timedelta(days=7)
    return Event(series_uid(series.uid, domain()), series.title, first.room, first.starts_at, first.ends_at,
                 weekly_until=last.starts_at, exdates=tuple(exdates))


def record(session: Session, recipient: str, uid: str, method: str, *, booking_id: int | None = None,
           series_id: int | None = None) -> int:
    """Note what goes out to `recipient` under `uid`; returns the SEQUENCE to send (0 first, then one higher
    with each message, so calendars take every update)."""
    key = recipient.strip().lower()
    row = session.scalar(sa.select(CalendarInvitation).where(CalendarInvitation.recipient == key,
                                                             CalendarInvitation.uid == uid))
    if row is None:
        row = CalendarInvitation(recipient=key, uid=uid, sequence=0, method=method, booking_id=booking_id,
                                 series_id=series_id, sent_at=clock.now())
        session.add(row)
    else:
        row.sequence, row.method, row.sent_at = row.sequence + 1, method, clock.now()
    session.flush()
    return row.sequence


def invited(session: Session, recipient: str, uid: str) -> CalendarInvitation | None:
    """The invitation `recipient` holds for `uid`, if one was sent."""
    return session.scalar(sa.select(CalendarInvitation).where(
        CalendarInvitation.recipient == recipient.strip().lower(), CalendarInvitation.uid == uid))


def uid_of(session: Session, booking: Booking) -> tuple[str, BookingSeries | None]:
    """The UID a booking's date is known by in invitations: its series' (with RECURRENCE-ID) or its own."""
    series = session.get(BookingSeries, booking.series_id) if booking.series_id else None
    if series is not None:
        return series_uid(series.uid, domain()), series
    return booking_uid(booking.id, domain()), None


def date_event(session: Session, booking: Booking, *, original_start: dt.datetime | None = None,
               cancelled: bool = False) -> Event:
    """One date as an update: the booking itself, or the override of its series' date that began at
    `original_start` (the date's start before it moved)."""
    uid, series = uid_of(session, booking)
    return Event(uid, booking.title, booking.room, booking.starts_at, booking.ends_at,
                 recurrence_id=(original_start or booking.starts_at) if series is not None else None,
                 cancelled=cancelled)


def change_updates(session: Session, recipient: str, hits: list[tuple[Booking, dt.datetime]]) -> list[dict]:
    """The iTIP parts that bring `recipient`'s invitations up to date after a room change: for each date
    (booking, its start before the change) under a UID they were invited to, REQUEST with a higher SEQUENCE
    where it moved (it keeps its row, now at the new time and room), CANCEL where it is lost. One SEQUENCE step
    per UID and message; nothing for dates they hold no invitation for (their feeds change by themselves)."""
    requests, cancels, sequences = [], [], {}
    for booking, original_start in hits:
        uid, series = uid_of(session, booking)
        if invited(session, recipient, uid) is None:
            continue
        if uid not in sequences:
            method = REQUEST if booking.active else CANCEL
            sequences[uid] = record(session, recipient, uid, method, booking_id=None if series else booking.id,
                                    series_id=series.id if series else None)
        event = date_event(session, booking, original_start=original_start, cancelled=not booking.active)
        event.sequence = sequences[uid]
        (requests if booking.active else cancels).append(event)
    parts = []
    if requests:
        parts.append({"method": REQUEST, "ics": calendar_text(REQUEST, requests, attendee=recipient)})
    if cancels:
        parts.append({"method": CANCEL, "ics": calendar_text(CANCEL, cancels, attendee=recipient)})
    return parts
