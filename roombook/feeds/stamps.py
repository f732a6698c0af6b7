"""When a built feed last changed: its Last-Modified, for clients that revalidate with If-Modified-Since alone.

It is the newest `updated_at` of every row of every table feeds are built from, not only of the rows
a feed shows. A row that leaves a feed keeps its row and its new stamp, but no longer matches the
feed's selection: a cancelled booking, an occurrence moved to another room, an offer given another
category or other providers, a slot the planner replaced. The newest stamp of the rows a feed still
shows misses those, even goes backwards, and the client keeps what was removed; seeing them feed by
feed would take each feed's history, written on GET. The cost is a download too many: after any
change in the city, such a client fetches its feed once more. Clients that send If-None-Match are not
affected. A published file's time (the manifest's) is when its bytes last changed, or the newest
change when it was last published if that is later: between two publishing runs the app builds the
feed afresh, and what it served then (a booking made, then cancelled) may differ from the file.

What has no stamp of its own is stamped by a row that stays:
- a link row (offer_provider, user_accommodation) by the provider or accommodation it links;
- a deleted occurrence, slot or booking by its room (plan publishing deletes the weeks of a slot it
  ends, and slots that never started);
- the feed window's move on the first of a month by that instant: the earliest answer.
Rooms, accommodations, offers and providers are never deleted; code that comes to delete them must
change a row that stays. The rows stamped this way are ones whose stamp no event's DTSTAMP carries
(an offer's or slot's would be), so no feed's bytes change for it.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.booking.recurrence import to_utc
from roombook.feeds.data import zone
from roombook.models import (
    Accommodation,
    Booking,
    Occurrence,
    Offer,
    OfferSession,
    Provider,
    Room,
    User,
)

STAMPED = (Offer, OfferSession, Occurrence, Booking, Room, Accommodation, Provider, User)


def changed_at(session: Session, today: dt.date, timezone: str) -> dt.datetime:
    """The newest change that may have altered a feed built for `today`, to the second (one query)."""
    newest = session.execute(sa.select(*(sa.select(sa.func.max(model.updated_at)).scalar_subquery()
                                         for model in STAMPED))).one()
    window_moved = to_utc(dt.datetime.combine(today.replace(day=1), dt.time(0)), zone(timezone))
    return max([window_moved, *(stamp for stamp in newest if stamp is not None)]).replace(microsecond=0)


@sa.event.listens_for(Offer.providers, "append")
@sa.event.listens_for(Offer.providers, "remove")
@sa.event.listens_for(User.accommodations, "append")
@sa.event.listens_for(User.accommodations, "remove")
def _link_changed(_owner, linked, _initiator) -> None:
    """Feeds name an offer's providers and select by them, a manager's feed by the user's accommodations.
    (Listeners register on import; every app imports this module, through the feeds blueprint.)"""
    linked.updated_at = clock.now()


@sa.event.listens_for(Session, "before_flush")
def _rows_deleted(session: Session, _context, _instances) -> None:
    """A deleted row takes its stamp with it: its room's advances instead (one statement per flush; the
    planner deletes weeks by the thousand)."""
    ids = {row.room_id for row in session.deleted if isinstance(row, (Occurrence, OfferSession, Booking))}
    if ids:
        rooms = Room.__table__
        session.connection().execute(sa.update(rooms).where(rooms.c.id.in_(ids)).values(updated_at=clock.now()))
