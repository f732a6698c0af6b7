"""A facility manager's rooms: capacity, features, weekly opening hours, booking rules, and closures.

A closure is first previewed (what it would cancel and displace, computed without writing), then
applied through the booking engine, which opens a conflict for each thing it hits.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel.dates import get_day_names
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking.errors import ClosureExists
from roombook.booking.intervals import contains
from roombook.booking.occurrences import add_closure
from roombook.booking.recurrence import DAYS, parse_hhmm, windows_between
from roombook.models import (
    Booking,
    Closure,
    Conflict,
    Occupancy,
    Occurrence,
    Room,
    RoomOpeningHours,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import OPEN_END, is_open_end
from roombook.notifications import outbox

DAY_LABELS = {"mon": "Mo", "tue": "Di", "wed": "Mi", "thu": "Do", "fri": "Fr", "sat": "Sa", "sun": "So"}
_WINDOW = re.compile(r"^\s*([^\W\d_]+\.?)\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
MAX_CLOSURE = dt.timedelta(days=366)
# The start of a room's opening-hours history when the hours before it are not known (as in migration 0014).
SINCE_EVER = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)


class RoomInputError(ValueError):
    """Input a person must correct; `field` names the form input. The message is lazy: it is read in the
    language of the page (or API answer) that shows it."""

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


# The weekday words people write, in German and English, abbreviated ("Mo", "Mo.", "Mon") or not.
_DAY_WORDS = {word.lower(): code for language in ("de", "en") for width in ("abbreviated", "wide")
              for context in ("format", "stand-alone")
              for index, word in get_day_names(width, context=context, locale=language).items()
              for code in [DAYS[index]]} | {code: code for code in DAYS}
# Fixed words for a room's equipment: what offers may need and the free-slot search may ask for. The code is
# stored (and is the scenario format's); pages show the word.
FEATURES = {"step_free": _l("stufenlos erreichbar"), "private": _l("ungestört (für Beratung)"),
            "whiteboard": _l("Whiteboard"), "projector": _l("Beamer"), "kitchen": _l("Küche"),
            "childcare_corner": _l("Kinderecke"), "computers": _l("Computerplätze"), "wifi": _l("WLAN")}


def format_windows(windows: list[dict], language: str = "de") -> str:
    """Opening windows as editable text, one "Mo 08:00-20:00" per line in weekday order, with the weekdays
    abbreviated in the reader's language (parse_windows reads German and English)."""
    names = get_day_names("abbreviated", context="stand-alone", locale=language)
    ordered = sorted(windows, key=lambda w: (DAYS.index(w["day"]), w["from"]))
    return "\n".join(f"{names[DAYS.index(w['day'])]} {w['from']}-{w['to']}" for w in ordered)


def parse_windows(text: str) -> list[dict]:
    """"Mo 08:00-20:00" lines (German or English weekdays) into opening windows; each bad line is named."""
    windows = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        match = _WINDOW.match(line)
        day = _DAY_WORDS.get(match.group(1).lower()) if match else None
        if day is None:
            raise RoomInputError(_l("Zeile %(number)d: „%(line)s“ – erwartet z. B. „Mo 08:00-20:00“.",
                                    number=number, line=line.strip()), "open")
        start, end = match.group(2).zfill(5), match.group(3).zfill(5)
        try:
            opens, closes = parse_hhmm(start), parse_hhmm(end)
        except ValueError:
            raise RoomInputError(_l("Zeile %(number)d: ungültige Uhrzeit.", number=number), "open") from None
        if closes <= opens:
            raise RoomInputError(_l("Zeile %(number)d: das Ende muss nach dem Beginn liegen.", number=number),
                                 "open")
        windows.append({"day": day, "from": start, "to": end})
    return sorted(windows, key=lambda w: (DAYS.index(w["day"]), w["from"]))


def check_features(codes: list[str] | tuple[str, ...], field: str = "features") -> list[str]:
    """The chosen equipment, each once; a code outside the vocabulary is refused at the field."""
    unknown = sorted(set(codes or ()) - set(FEATURES))
    if unknown:
        raise RoomInputError(_l("Unbekannte Ausstattung: %(codes)s.", codes=", ".join(unknown)), field)
    return list(dict.fromkeys(codes or ()))


def outside_opening_hours(session: Session, room: Room, *, now: dt.datetime | None = None,
                          weeks: int = 26) -> list[Booking | Occurrence]:
    """Active bookings and occurrences of the coming weeks that the room's opening hours no longer cover."""
    now = now or clock.now()
    until = now + dt.timedelta(weeks=weeks)
    windows = windows_between(room.open, room.tz, now - dt.timedelta(days=1), until + dt.timedelta(days=1))
    items: list[Booking | Occurrence] = list(session.scalars(
        sa.select(Booking).join(Occupancy, Occupancy.booking_id == Booking.id)
        .where(Occupancy.room_id == room.id, Occupancy.ends_at > now, Occupancy.starts_at < until)))
    items += list(session.scalars(
        sa.select(Occurrence).join(Occupancy, Occupancy.occurrence_id == Occurrence.id)
        .where(Occupancy.room_id == room.id, Occupancy.ends_at > now, Occupancy.starts_at < until)))
    return sorted((i for i in items if not contains(windows, i.starts_at, i.ends_at)), key=lambda i: i.starts_at)


def update_room(session: Session, actor: User, room: Room, *, name: str, capacity: int, features: list[str],
                open_hours: str, max_booking_minutes: int, max_days_ahead: int,
                max_open_bookings: int) -> list[Booking | Occurrence]:
    """Change a room's facts and rules, audited with before and after. Returns what now lies outside the
    opening hours: it stays booked, and the manager is shown it to decide (nothing is cancelled silently)."""
    windows = parse_windows(open_hours)
    before = {"name": room.name, "capacity": room.capacity, "features": list(room.features), "open": list(room.open),
              "max_booking_minutes": room.max_booking_minutes, "max_days_ahead": room.max_days_ahead,
              "max_open_bookings": room.max_open_bookings}
    after = {"name": name.strip(), "capacity": capacity, "features": check_features(features), "open": windows,
             "max_booking_minutes": max_booking_minutes, "max_days_ahead": max_days_ahead,
             "max_open_bookings": max_open_bookings}
    changed = {k: {"before": before[k], "after": v} for k, v in after.items() if before[k] != v}
    if "open" in changed:
        record_opening_hours(session, room, before["open"], windows, now=clock.now())
    for key, value in after.items():
        setattr(room, key, value)
    session.flush()
    if changed:
        audit.record(session, actor, "room.updated", room, room=room.key, accommodation=room.accommodation.key,
                     changes=changed)
    return outside_opening_hours(session, room) if "open" in changed else []


def record_opening_hours(session: Session, room: Room, before: list[dict], after: list[dict],
                         *, now: dt.datetime) -> None:
    """Keep the history a report on past periods reads (RoomOpeningHours): the new hours from now on, and
    for a room without history yet the hours they replace, as having held since ever."""
    has_history = session.scalar(sa.select(RoomOpeningHours.id).where(RoomOpeningHours.room_id == room.id)
                                 .limit(1)) is not None
    if not has_history:
        session.add(RoomOpeningHours(room_id=room.id, valid_from=SINCE_EVER, open=list(before)))
    same_instant = session.scalar(sa.select(RoomOpeningHours).where(RoomOpeningHours.room_id == room.id,
                                                                     RoomOpeningHours.valid_from == now))
    if same_instant is not None:  # two saves within one instant (a frozen clock): the last one holds
        same_instant.open = list(after)
    else:
        session.add(RoomOpeningHours(room_id=room.id, valid_from=now, open=list(after)))
    session.flush()


@dataclass
class ClosurePreview:
    """What closing a room would do, before anything is written."""

    room: Room
    start: dt.datetime
    end: dt.datetime
    reason: str
    occurrences: list[Occurrence] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    overlapping: list[Closure] = field(default_factory=list)

    @property
    def harmless(self) -> bool:
        return not self.occurrences and not self.bookings

    @property
    def open_ended(self) -> bool:
        return is_open_end(self.end)


def check_closure(room: Room, start: dt.datetime, end: dt.datetime, reason: str, *, now: dt.datetime) -> None:
    """Raise RoomInputError when the closure's span or reason cannot be used."""
    if not reason.strip():
        raise RoomInputError(_l("Bitte einen Grund angeben."), "reason")
    if end <= start:
        raise RoomInputError(_l("Das Ende muss nach dem Beginn liegen."), "end")
    if end <= now:
        raise RoomInputError(_l("Die Schließung liegt ganz in der Vergangenheit."), "end")
    if end - start > MAX_CLOSURE and not is_open_end(end):  # "bis auf Weiteres" is said with no end at all
        raise RoomInputError(_l("Höchstens ein Jahr am Stück."), "end")


def preview_closure(session: Session, room: Room, start: dt.datetime, end: dt.datetime | None, reason: str,
                    *, now: dt.datetime | None = None) -> ClosurePreview:
    """What a closure of [start, end) would cancel and displace (end None: until further notice, so every date
    materialised from start on); writes nothing."""
    now = now or clock.now()
    end = OPEN_END if end is None else end
    check_closure(room, start, end, reason, now=now)
    preview = ClosurePreview(room, start, end, reason.strip())
    preview.occurrences = list(session.scalars(
        sa.select(Occurrence).where(Occurrence.room_id == room.id, Occurrence.starts_at < end,
                                    Occurrence.ends_at > start, Occurrence.status != OccurrenceStatus.CANCELLED)
        .order_by(Occurrence.starts_at)))
    preview.bookings = list(session.scalars(
        sa.select(Booking).join(Occupancy, Occupancy.booking_id == Booking.id)
        .where(Occupancy.room_id == room.id, Occupancy.starts_at < end, Occupancy.ends_at > start)
        .order_by(Booking.starts_at)))
    preview.overlapping = list(session.scalars(
        sa.select(Closure).where(Closure.room_id == room.id, Closure.starts_at < end, Closure.ends_at > start)))
    return preview


def apply_closure(session: Session, actor: User, room: Room, start: dt.datetime, end: dt.datetime, reason: str,
                  *, base_url: str = "", now: dt.datetime | None = None) -> tuple[Closure, list[Conflict]]:
    """Close the room: cancel and displace what is in the way, open the conflicts, tell those affected."""
    now = now or clock.now()
    check_closure(room, start, end, reason, now=now)
    try:
        with outbox.collecting_conflicts(session) as opened:
            closure = add_closure(session, actor, room, start, end, reason.strip(), now=now)
    except ClosureExists:  # refused before anything was written
        raise RoomInputError(_l("Eine Schließung mit diesem Beginn gibt es schon."), "start") from None
    session.flush()
    audit.record(session, actor, "closure.applied", closure, room=room.key, accommodation=room.accommodation.key,
                 reason=closure.reason, start=start.isoformat(), end=end.isoformat(), conflicts=len(opened))
    outbox.notify_new_conflicts(session, list(opened), base_url, why=_l("Schließung von %(room)s", room=room.name))
    return closure, list(opened)


def remove_closure(session: Session, actor: User, closure: Closure) -> None:
    """Remove a closure. What it cancelled stays decided in the conflict inbox; nothing reappears silently."""
    if closure.kind != "closure":
        raise RoomInputError(_l("Feiertage lassen sich nicht entfernen."), "closure")
    room = closure.room
    audit.record(session, actor, "closure.removed", closure, room=room.key, accommodation=room.accommodation.key,
                 reason=closure.reason, start=closure.starts_at.isoformat(), end=closure.ends_at.isoformat())
    session.delete(closure)
    session.flush()


def upcoming_closures(session: Session, room: Room, *, now: dt.datetime | None = None) -> list[Closure]:
    """The room's closures that have not ended, soonest first."""
    now = now or clock.now()
    return list(session.scalars(sa.select(Closure).where(Closure.room_id == room.id, Closure.ends_at > now)
                                .order_by(Closure.starts_at).limit(100)))
