"""Read models for the pages of a room change: the manager's page that decides it, the lists that lead there,
a volunteer's question and "my bookings". Plain functions over a session, no Flask, nothing written.

A page shows places and times in the accommodation's local time and rooms as rooms (with their seats and,
for an alternative venue, how to get there), never the stored codes; the words for statuses and kinds are
the pages' own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.changes import telling
from roombook.changes.deciding import asks_a_volunteer, open_questions
from roombook.changes.repair import rooms_by_id
from roombook.clock import week_of
from roombook.models import (
    Accommodation,
    ChangeItem,
    Closure,
    OfferSession,
    Room,
    RoomChange,
    User,
)
from roombook.models.changes import ChangeStatus, ItemStatus

# A three-week closure concerns three or four posters; a closure of months asks for the next few only.
POSTER_WEEKS = 6
# How long after a change's end a moved date is still shown as moved in "my bookings" (a date moves at most
# a few days within its week).
MOVED_SHOWN_FOR = dt.timedelta(days=7)


@dataclass
class Slot:
    """A series' dates in one place, as a page shows them: local starts, the room, how it was found."""

    room: Room
    starts: list[dt.datetime]  # local
    minutes: int
    tier: str | None = None    # room, time, venue or elsewhere: how a proposal differs from the lost slot
    index: int | None = None   # the option's number (None: the proposal or the lost dates)
    travel: int | None = None  # another accommodation's: minutes of the way there

    @property
    def first(self) -> dt.datetime:
        return self.starts[0]

    @property
    def ends(self) -> dt.datetime:
        return self.first + dt.timedelta(minutes=self.minutes)

    @property
    def venue(self) -> str | None:
        """How to get to an alternative venue (None for the accommodation's own rooms)."""
        return self.room.venue_note


@dataclass
class Series:
    """One series a change hits, with who it concerns and where it could go."""

    item: ChangeItem
    who: list[str]            # the providers, or the volunteer (never residents)
    askable: bool             # a volunteer's series: its owner may decide
    before: Slot              # the lost dates, in the closed room
    proposal: Slot | None
    options: list[Slot]
    chosen: Slot | None       # where the dates went (or are held for a volunteer)
    stay_lost: list[dt.datetime] = field(default_factory=list)  # begun before the proposal: nothing moves them


@dataclass
class ChangeView:
    change: RoomChange
    purpose: str | None       # the closure's kind (None when the closure has been removed since)
    series: list[Series]
    told: list[dict]          # telling.told: recipient, state, sent_at
    weeks: list[dt.date]      # Mondays whose residents' poster the change altered, from this week on

    @property
    def decided(self) -> bool:
        return self.change.status != ChangeStatus.PROPOSED


@dataclass
class ChangeSummary:
    """A change as one entry of a list: where, when, why, and the titles of its series."""

    change: RoomChange
    purpose: str | None
    titles: list[str]
    dates: int


def _local(value: str, tz) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(tz)


def _minutes(item: ChangeItem) -> int:
    hit = item.hits[0]
    return int((dt.datetime.fromisoformat(hit["end"]) - dt.datetime.fromisoformat(hit["start"])).total_seconds()
               // 60)


def _slot(data: dict | None, rooms: dict[int, Room], tz, minutes: int, index: int | None = None) -> Slot | None:
    if data is None or data["room_id"] not in rooms:
        return None
    return Slot(rooms[data["room_id"]], [_local(s, tz) for s in data["starts"]], minutes, data.get("tier"), index,
                data.get("travel_minutes"))


def _who(session: Session, item: ChangeItem) -> list[str]:
    if item.kind == "offer" and item.offer_session_id is not None:
        slot = session.get(OfferSession, item.offer_session_id)
        return [provider.name for provider in slot.offer.providers] if slot is not None else []
    if item.owner is not None:
        return [item.owner.display_name or item.owner.email]
    return []


def _rooms_of(session: Session, items: list[ChangeItem]) -> dict[int, Room]:
    ids = {data["room_id"] for item in items for data in [item.proposal, item.chosen, *item.options] if data}
    return rooms_by_id(session, ids) if ids else {}


def _series(session: Session, change: RoomChange, item: ChangeItem, rooms: dict[int, Room]) -> Series:
    tz = change.accommodation.tz
    minutes = _minutes(item)
    before = Slot(change.room, [_local(hit["start"], tz) for hit in item.hits], minutes)
    proposal = _slot(item.proposal, rooms, tz, minutes)
    options = [slot for index, data in enumerate(item.options)
               if (slot := _slot(data, rooms, tz, minutes, index)) is not None]
    chosen = _slot(item.chosen, rooms, tz, minutes)
    movable = len((item.chosen or item.proposal or {"starts": before.starts})["starts"])
    return Series(item, _who(session, item), asks_a_volunteer(item), before, proposal, options, chosen,
                  before.starts[:len(before.starts) - movable])


def _weeks(change: RoomChange, series: list[Series], today: dt.date) -> list[dt.date]:
    """The weeks the residents' poster shows differently now: the closure's, and those of moved dates."""
    tz = change.accommodation.tz
    first = change.starts_at.astimezone(tz).date()
    last = (change.ends_at - dt.timedelta(microseconds=1)).astimezone(tz).date()
    # an open-ended closure has no last week: the next few posters are the ones to reprint
    last = min(last, max(first, today) + dt.timedelta(weeks=POSTER_WEEKS))
    weeks = {week_of(first) + dt.timedelta(weeks=n) for n in range((week_of(last) - week_of(first)).days // 7 + 1)}
    weeks |= {week_of(start.date()) for s in series if s.chosen for start in s.chosen.starts}
    return sorted(week for week in weeks if week >= week_of(today))[:POSTER_WEEKS]


def change_view(session: Session, change: RoomChange, *, now: dt.datetime | None = None) -> ChangeView:
    """Everything the page of one change shows: each series with its proposal and options (or, once
    decided, where its dates went), who was told, and which weeks' posters changed."""
    now = now or clock.now()
    rooms = _rooms_of(session, list(change.items))
    series = [_series(session, change, item, rooms) for item in change.items]
    closure = session.get(Closure, change.closure_id) if change.closure_id is not None else None
    told = telling.told(session, change) if change.status != ChangeStatus.PROPOSED else []
    weeks = _weeks(change, series, now.astimezone(change.accommodation.tz).date()) \
        if change.status == ChangeStatus.APPLIED else []
    return ChangeView(change, closure.purpose if closure is not None else None, series, told, weeks)


def changes_of(session: Session, accommodations: list[Accommodation], *, only_open: bool = False,
               limit: int = 50) -> list[ChangeSummary]:
    """The changes of these accommodations: the undecided ones first (soonest closure first), then the
    decided ones, newest first."""
    ids = [a.id for a in accommodations]
    if not ids:
        return []
    query = (sa.select(RoomChange).options(selectinload(RoomChange.items))
             .where(RoomChange.accommodation_id.in_(ids))
             .order_by(sa.case((RoomChange.status == ChangeStatus.PROPOSED, 0), else_=1),
                       sa.case((RoomChange.status == ChangeStatus.PROPOSED, RoomChange.starts_at), else_=None),
                       RoomChange.id.desc()).limit(limit))
    if only_open:
        query = query.where(RoomChange.status == ChangeStatus.PROPOSED)
    changes = list(session.scalars(query))
    purposes = dict(session.execute(sa.select(Closure.id, Closure.purpose).where(
        Closure.id.in_({c.closure_id for c in changes if c.closure_id is not None}))).all()) if changes else {}
    return [ChangeSummary(c, purposes.get(c.closure_id), [item.title for item in c.items],
                          sum(len(item.hits) for item in c.items)) for c in changes]


# --- a volunteer's say -------------------------------------------------------------------------------------

@dataclass
class Question:
    """A volunteer's series after a room change: the slot held for them, the other options, until when."""

    series: Series
    change: RoomChange
    deadline: dt.datetime | None  # local
    open: bool                    # may still be answered

    @property
    def item(self) -> ChangeItem:
        return self.series.item


def question(session: Session, item: ChangeItem, *, now: dt.datetime | None = None) -> Question:
    """One item as its owner sees it, whether still to answer or already settled."""
    now = now or clock.now()
    change = item.change
    tz = change.accommodation.tz
    series = _series(session, change, item, _rooms_of(session, [item]))
    is_open = item.status == ItemStatus.ASKED and (item.deadline is None or item.deadline > now)
    return Question(series, change, item.deadline.astimezone(tz) if item.deadline else None, is_open)


def questions_for(session: Session, user: User, *, now: dt.datetime | None = None) -> list[Question]:
    """The questions a volunteer may still answer, soonest deadline first (the notice on every page)."""
    now = now or clock.now()
    return [q for q in (question(session, item, now=now) for item in open_questions(session, user)) if q.open]


@dataclass
class MovedFrom:
    """Where and when a booking was before a room change moved it."""

    room: Room
    start: dt.datetime  # local
    item_id: int
    asked: bool         # held for the volunteer, who may still choose


@dataclass
class Waiting:
    """A series of the volunteer's that a closure took, while the house has not decided yet."""

    title: str
    room: Room
    starts: list[dt.datetime]  # local, still to come


@dataclass
class BookingChanges:
    moved: dict[int, MovedFrom] = field(default_factory=dict)  # booking id → where it was
    waiting: list[Waiting] = field(default_factory=list)


def booking_changes(session: Session, user: User, *, now: dt.datetime | None = None) -> BookingChanges:
    """What room changes did to a person's bookings, so none of their dates vanishes silently: the moved
    ones (with where they were) and those waiting for the house's decision."""
    now = now or clock.now()
    items = session.scalars(
        sa.select(ChangeItem).join(RoomChange, ChangeItem.change_id == RoomChange.id)
        .options(selectinload(ChangeItem.change))
        .where(ChangeItem.owner_id == user.id, RoomChange.ends_at > now - MOVED_SHOWN_FOR,
               sa.or_(RoomChange.status == ChangeStatus.PROPOSED,
                      ChangeItem.status.in_([ItemStatus.MOVED, ItemStatus.ASKED])))
        .order_by(RoomChange.starts_at, ChangeItem.id))
    result = BookingChanges()
    for item in items:
        change = item.change
        tz = change.accommodation.tz
        if change.status == ChangeStatus.PROPOSED:
            coming = [_local(hit["start"], tz) for hit in item.hits if dt.datetime.fromisoformat(hit["end"]) > now]
            if coming:
                result.waiting.append(Waiting(item.title, change.room, coming))
            continue
        if not item.chosen:
            continue
        moved_hits = item.hits[len(item.hits) - len(item.chosen["starts"]):]
        for hit in moved_hits:
            if hit.get("booking") in item.made:
                result.moved[hit["booking"]] = MovedFrom(change.room, _local(hit["start"], tz), item.id,
                                                         item.status == ItemStatus.ASKED)
    return result
