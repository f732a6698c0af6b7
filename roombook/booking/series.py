"""A weekly booking series as one thing: its dates with their states, and changing or cancelling this
date, this and following, or the whole series. Functions flush; the caller commits.

A scope change sets the given fields to the same values on every date in scope that has not begun yet
(an earlier single-date edit of the same field is overwritten; past dates never change). Every changed
date is checked like a new booking; if any is refused, nothing is written and the refusal lists each
date with its reason and alternatives. Times are local wall-clock times, so 18:00 stays 18:00 across DST.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.access.permissions import can_book
from roombook.booking.errors import BookingError, InvalidInterval
from roombook.booking.occupancy import lock_rooms, occupy_for_booking, release_booking
from roombook.booking.offer_details import FIELDS as OFFER_FIELDS
from roombook.booking.offer_details import OfferDetailsError, check_offer_details
from roombook.booking.policy import open_bookings_left, open_bookings_limit_reached
from roombook.booking.recurrence import UTC, to_utc
from roombook.booking.service import (
    MAX_LENGTH,
    MAX_WEEKS,
    cancel_booking,
    check_bookable,
    check_title,
)
from roombook.models import Booking, BookingSeries, Room, User
from roombook.models.reservations import BookingStatus

THIS, FOLLOWING, SERIES = "this", "following", "series"
SCOPES = (THIS, FOLLOWING, SERIES)


class SeriesChangeRefused(BookingError):
    """At least one date in scope cannot take the change; `refused` lists each (booking, start, error)."""

    def __init__(self, refused: list[tuple[Booking, dt.datetime, BookingError]]):
        first = refused[0][2]
        super().__init__(f"{len(refused)} Termin(e) können so nicht geändert werden; nichts wurde geändert. "
                         f"/ {len(refused)} date(s) cannot take the change; nothing was changed.",
                         field=first.field)
        self.refused = refused


# --- the editable fields ----------------------------------------------------------------------------------

def _start_time(value: Any) -> dt.time:
    """'HH:MM' local wall-clock time."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" \
            or not (value[:2] + value[3:]).isascii() or not (value[:2] + value[3:]).isdigit():
        raise BookingError(_l("Bitte eine Uhrzeit wie 18:00 angeben."), field="start_time")
    hours, minutes = int(value[:2]), int(value[3:])
    if hours > 23 or minutes > 59:
        raise BookingError(_l("Bitte eine Uhrzeit wie 18:00 angeben."), field="start_time")
    return dt.time(hours, minutes)


def _minutes(value: Any) -> int:
    longest = int(MAX_LENGTH.total_seconds() // 60)
    if isinstance(value, bool) or not isinstance(value, int | str) or \
            (isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 6)):
        raise BookingError(_l("Die Dauer in Minuten als ganze Zahl."), field="minutes")
    if not 1 <= int(value) <= longest:
        raise BookingError(_l("Die Dauer liegt zwischen 1 und %(max)s Minuten.", max=longest), field="minutes")
    return int(value)


def _room(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise BookingError(_l("Bitte einen Raum wählen."), field="room")
    return value


def _title(value: Any) -> str:
    if not isinstance(value, str):
        raise BookingError(_l("Bitte einen Titel angeben."), field="title")
    check_title(value)
    return value.strip()


@dataclass(frozen=True)
class EditableField:
    """One field a scope change may set. `parse` turns the input into the value (or raises a BookingError
    naming the field); `attribute` is the Booking column it sets as it is (None: it moves the date, see
    `_new_slot`); `moves` says whether the date must be checked again for room and time."""

    parse: Callable[[Any], Any]
    attribute: str | None = None
    moves: bool = False


# The one allow-list of what a change of a date or a series may set. A plain column of Booking (and of a
# series' dates) joins with one line: "category": EditableField(parse_category, attribute="category").
EDITABLE_FIELDS: dict[str, EditableField] = {
    "start_time": EditableField(_start_time, moves=True),
    "minutes": EditableField(_minutes, moves=True),
    "room": EditableField(_room, attribute="room_id", moves=True),
    "title": EditableField(_title, attribute="title"),
    # a booking's offer details (roombook.booking.offer_details): checked together, for each date's room
    **{name: EditableField(lambda value: value, attribute=name) for name in OFFER_FIELDS},
}


def parse_changes(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields to change, each parsed; an unknown field or a bad value is a BookingError naming it."""
    if not raw:
        raise BookingError(_l("Nichts zu ändern: bitte mindestens ein Feld angeben."), field="body")
    changes = {}
    for name in sorted(raw):
        spec = EDITABLE_FIELDS.get(name)
        if spec is None:
            raise BookingError(_l("Das Feld „%(name)s“ kann nicht geändert werden.", name=name), field=name)
        changes[name] = spec.parse(raw[name])
    return changes


def parse_scope(value: str | None) -> str:
    if value in (None, ""):
        return THIS
    if value not in SCOPES:
        raise BookingError(_l("Umfang: dieser Termin, dieser und die folgenden oder die ganze Serie "
                           "(this, following, series)."), field="scope")
    return value


# --- which dates ------------------------------------------------------------------------------------------

def series_of(session: Session, booking: Booking) -> BookingSeries | None:
    return session.get(BookingSeries, booking.series_id) if booking.series_id is not None else None


def dates_of(session: Session, series: BookingSeries) -> list[Booking]:
    """Every booking of the series, whatever its state, in time order."""
    return list(session.scalars(sa.select(Booking).where(Booking.series_id == series.id)
                                .order_by(Booking.starts_at, Booking.id)))


def dates_in_scope(session: Session, booking: Booking, scope: str, now: dt.datetime) -> list[Booking]:
    """The active dates a change in `scope` applies to: never one that has begun. A one-off booking is its
    own whole series."""
    if scope == THIS or booking.series_id is None:
        candidates = [booking]
    else:
        candidates = [b for b in dates_of(session, series_of(session, booking))
                      if scope == SERIES or b.starts_at >= booking.starts_at or b.id == booking.id]
    return [b for b in candidates if b.active and b.starts_at > now]


# --- the series and its dates ---------------------------------------------------------------------------

@dataclass
class SeriesDate:
    """One week of a series: a booking (active, cancelled, displaced) or a gap (skipped, refused)."""

    start: dt.datetime
    end: dt.datetime
    state: str
    reason: str
    room: Room
    title: str
    booking: Booking | None = None


@dataclass
class SeriesView:
    series: BookingSeries
    dates: list[SeriesDate] = field(default_factory=list)

    @property
    def next_active(self) -> SeriesDate | None:
        now = clock.now()
        return next((d for d in self.dates if d.state == BookingStatus.ACTIVE and d.end > now), None)

    @property
    def active_count(self) -> int:
        return sum(d.state == BookingStatus.ACTIVE for d in self.dates)


def view_series(session: Session, series: BookingSeries) -> SeriesView:
    """The series with all its weeks in time order, each with its own state."""
    view = SeriesView(series)
    for booking in dates_of(session, series):
        view.dates.append(SeriesDate(booking.starts_at, booking.ends_at, booking.status, booking.status_reason,
                                     booking.room, booking.title, booking))
    for gap in series.gaps:
        view.dates.append(SeriesDate(gap.starts_at, gap.ends_at, gap.state, gap.reason, series.room, series.title))
    view.dates.sort(key=lambda d: d.start)
    return view


def weeks_until(first_day: dt.date, last_day: dt.date) -> int:
    """How many weekly dates from `first_day` up to and including `last_day` (the form's end date)."""
    if last_day < first_day:
        raise BookingError(_l("Das Enddatum liegt vor dem ersten Termin."), field="until")
    weeks = (last_day - first_day).days // 7 + 1
    if weeks > MAX_WEEKS:
        raise BookingError(_l("Höchstens %(max)s Wochen.", max=MAX_WEEKS), field="until")
    return weeks


# --- changing ---------------------------------------------------------------------------------------------

def _new_slot(booking: Booking, room: Room, changes: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The date's new start and end: its own day, the new (or its own) local start time and length."""
    tz = room.tz
    local_start = booking.starts_at.astimezone(booking.room.tz).replace(tzinfo=None)
    length = booking.ends_at.astimezone(booking.room.tz).replace(tzinfo=None) - local_start
    if "start_time" in changes:
        local_start = dt.datetime.combine(local_start.date(), changes["start_time"])
    if "minutes" in changes:
        length = dt.timedelta(minutes=changes["minutes"])
    start = to_utc(local_start, tz)
    if start.astimezone(tz).replace(tzinfo=None) != local_start:
        raise InvalidInterval(f"{local_start:%d.%m.%Y %H:%M} gibt es nicht: die Uhren springen vor. / "
                              f"{local_start:%d.%m.%Y %H:%M} does not exist: the clocks skip it.", field="start_time")
    return start, to_utc(local_start + length, tz)


def change_dates(session: Session, actor: User | None, booking: Booking, scope: str, changes: dict[str, Any],
                 *, now: dt.datetime | None = None) -> list[Booking]:
    """Set the parsed `changes` on every date in scope that has not begun; all or nothing.

    Raises SeriesChangeRefused (nothing written) when any date cannot take the change. Returns the dates
    changed. The series row follows a change of the whole series (its title and room name the series).
    """
    now = now or clock.now()
    dates = dates_in_scope(session, booking, scope, now)
    if not dates:
        raise BookingError(_l("In diesem Umfang gibt es keinen Termin, der noch nicht begonnen hat."), field="scope")
    target = None
    if "room" in changes:
        target = session.get(Room, changes["room"])
        if target is None or not can_book(actor, target):
            raise BookingError(_l("Diesen Raum können Sie nicht buchen."), field="room")
    lock_rooms(session, {b.room_id for b in dates} | ({target.id} if target else set()))
    moving = frozenset(b.id for b in dates)
    moves = any(EDITABLE_FIELDS[name].moves for name in changes)
    offer_changes = {name: value for name, value in changes.items() if name in OFFER_FIELDS}
    planned, refused = [], []
    for date in dates:
        room = target or date.room
        title = changes.get("title", date.title)
        if offer_changes:  # a bad value is the request's fault, not the date's: refused at its field
            try:
                checked = check_offer_details({**{name: getattr(date, name) for name in OFFER_FIELDS},
                                               **offer_changes}, room)
            except OfferDetailsError as exc:
                raise BookingError(exc.message, field=exc.field) from None
            changes = {**changes, **{name: checked[name] for name in offer_changes}}
        try:
            start, end = _new_slot(date, room, changes) if moves else (date.starts_at, date.ends_at)
            if moves:
                check_bookable(session, actor, room, start, end, title, now=now, new_bookings=0, moving=moving)
        except BookingError as exc:
            refused.append((date, date.starts_at, exc))
            continue
        planned.append((date, room, start, end))
    if not refused and target is not None and any(d.room_id != target.id for d in dates):
        # a date moved to another room makes the series (or booking) an open booking there
        owner = dates[0].user
        already = session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.room_id == target.id, Booking.status == BookingStatus.ACTIVE, Booking.ends_at > now,
            Booking.id.not_in(moving),
            Booking.series_id == booking.series_id if booking.series_id is not None else sa.false()))
        left = open_bookings_left(session, owner, target, now)
        if not already and left is not None and left < 1:
            refused = [(d, d.starts_at, open_bookings_limit_reached(target)) for d in dates]
    if refused:
        raise SeriesChangeRefused(refused)
    for date, room, start, end in planned:
        if moves:
            release_booking(session, date)
        date.starts_at, date.ends_at = start.astimezone(UTC), end.astimezone(UTC)
        for name, value in changes.items():
            attribute = EDITABLE_FIELDS[name].attribute
            if attribute is not None:
                setattr(date, attribute, value)
        date.room = room
        date.sequence += 1
    session.flush()
    if moves:
        for date, *_rest in planned:
            occupy_for_booking(session, date)
    series = series_of(session, booking)
    if series is not None and scope == SERIES:
        series.title = changes.get("title", series.title)
        if target is not None:
            series.room_id = target.id
    session.flush()
    audit.record(session, actor, "booking.changed", booking, scope=scope, fields=sorted(changes),
                 dates=len(planned))
    return [date for date, *_rest in planned]


def cancel_dates(session: Session, actor: User | None, booking: Booking, scope: str, reason: str,
                 *, now: dt.datetime | None = None) -> list[Booking]:
    """Cancel the date, the following ones, or the whole series, with one reason for all of them.

    THIS cancels the booking even when it has begun (as a cancellation always could); the wider scopes
    take the dates not yet begun and leave the past alone."""
    now = now or clock.now()
    if scope == THIS or booking.series_id is None:
        dates = [booking]
    else:
        dates = dates_in_scope(session, booking, scope, now)
        if not dates:
            raise BookingError(_l("In diesem Umfang gibt es keinen Termin, der noch nicht begonnen hat."),
                               field="scope")
    for date in dates:
        cancel_booking(session, actor, date, reason)
    return dates



# --- what pages need --------------------------------------------------------------------------------------

def series_of_user(session: Session, user: User, *, now: dt.datetime | None = None) -> list[SeriesView]:
    """The user's series with a booked date still to come, the soonest first, each with all its weeks."""
    now = now or clock.now()
    ids = session.scalars(sa.select(Booking.series_id).where(
        Booking.user_id == user.id, Booking.series_id.is_not(None), Booking.status == BookingStatus.ACTIVE,
        Booking.ends_at > now).group_by(Booking.series_id).order_by(sa.func.min(Booking.starts_at))).all()
    rows = {s.id: s for s in session.scalars(sa.select(BookingSeries).where(BookingSeries.id.in_(ids)))}
    return [view_series(session, rows[i]) for i in ids]


def _values(booking: Booking) -> dict[str, Any]:
    """A date's own values of the fields the change form shows."""
    tz = booking.room.tz
    start = booking.starts_at.astimezone(tz)
    length = booking.ends_at.astimezone(tz).replace(tzinfo=None) - start.replace(tzinfo=None)
    return {"start_time": start.time().replace(second=0, microsecond=0, tzinfo=None),
            "minutes": int(length.total_seconds() // 60), "room": booking.room_id, "title": booking.title}


def current_values(booking: Booking) -> dict[str, Any]:
    """What the change form starts with: the date's start time, length, room and title."""
    return _values(booking)


def differing(session: Session, booking: Booking, scope: str, wanted: dict[str, Any],
              *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The wanted values that some date in scope does not have yet: a form shows every field, and only
    those are a change (a field left as it is keeps each date's own value, single-date edits included)."""
    dates = dates_in_scope(session, booking, scope, now or clock.now()) or [booking]
    have = [_values(d) for d in dates]
    return {name: value for name, value in wanted.items() if any(h[name] != value for h in have)}
