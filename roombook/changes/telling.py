"""Telling everyone a room change touches, once per change and in their language.

Who is concerned: each provider of a moved or cancelled offer (its contact address) and the department logins
of that provider (for a volunteer's absence also the group's volunteers), each owner of a moved or cancelled
booking, the accommodation's facility managers and the coordinators. Every address gets one message per change
listing all it needs to know, never one per date. Residents are told by the public pages and feeds, which change
with the data at once.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from roombook.i18n import known_language, language_of, when
from roombook.models import (
    Booking,
    ChangeItem,
    OfferSession,
    OutboxMessage,
    Room,
    RoomChange,
    User,
)
from roombook.models.people import Role
from roombook.notifications import invitations
from roombook.notifications.outbox import enqueue

LANGUAGES = ("de", "en")


@dataclass
class Recipient:
    address: str
    language: str
    items: list[ChangeItem] = field(default_factory=list)
    whole: bool = False  # managers and the coordinator see every series of the change


def recipients(session: Session, change: RoomChange) -> list[Recipient]:
    """Everyone concerned, one entry per address (the first language named for it wins)."""
    found: dict[str, Recipient] = {}

    def add(address: str | None, language: str | None, item: ChangeItem | None = None, whole: bool = False):
        if not address:
            return
        key = address.strip().lower()
        entry = found.setdefault(key, Recipient(address.strip(), known_language(language)))
        entry.whole = entry.whole or whole
        if item is not None and item not in entry.items:
            entry.items.append(item)

    for item in change.items:
        if item.kind == "offer" and item.offer_session_id is not None:
            slot = session.get(OfferSession, item.offer_session_id)
            # an absence is the group's to cover: its volunteers are told as its department logins are
            roles = [Role.DEPARTMENT, Role.VOLUNTEER] if change.cause == "absence" else [Role.DEPARTMENT]
            for provider in slot.offer.providers:
                add(provider.contact_email, provider.contact_language, item)
                for login in session.scalars(sa.select(User).where(User.provider_id == provider.id,
                                                                   User.role.in_(roles), User.active)):
                    add(login.email, login.language, item)
        elif item.owner is not None and item.owner.active:
            add(item.owner.email, item.owner.language, item)
    # a series moved to another accommodation: that house's managers are told of the series they now host
    hosted: dict[int, list[ChangeItem]] = {}
    for item in change.items:
        room = session.get(Room, item.chosen["room_id"]) if item.chosen else None
        if room is not None and room.accommodation_id != change.accommodation_id:
            hosted.setdefault(room.accommodation_id, []).append(item)
    staff = session.scalars(sa.select(User).where(User.active, User.role.in_([Role.FACILITY_MANAGER,
                                                                              Role.COORDINATOR])))
    for user in staff:
        if user.role == Role.COORDINATOR or any(a.id == change.accommodation_id for a in user.accommodations):
            add(user.email, user.language, whole=True)
            continue
        for accommodation in user.accommodations:
            for item in hosted.get(accommodation.id, []):
                add(user.email, user.language, item)
    return sorted(found.values(), key=lambda r: r.address.lower())


@dataclass
class Line:
    """One series as a reader sees it: what it was, what it is now."""

    title: str
    status: str
    before: list[str]
    after: list[str]
    pairs: list[tuple[str, str | None]]  # each lost date and where it went (None: it stays lost)
    room: str
    seats: int | None
    venue: str | None
    deadline: str | None
    link: str | None


def lines(session: Session, change: RoomChange, items: list[ChangeItem], base_url: str) -> list[Line]:
    tz = change.accommodation.tz
    rooms = {r.id: r for r in session.scalars(sa.select(Room).where(Room.id.in_(
        {i.chosen["room_id"] for i in items if i.chosen})))}
    result = []
    for item in items:
        before = [when(dt.datetime.fromisoformat(h["start"]), tz) for h in item.hits]
        room = rooms.get(item.chosen["room_id"]) if item.chosen else None
        after = [when(dt.datetime.fromisoformat(s), tz) for s in item.chosen["starts"]] if item.chosen else []
        lost = len(before) - len(after)  # the dates begun before the proposal stay lost
        pairs = [(b, after[i - lost] if i >= lost else None) for i, b in enumerate(before)]
        result.append(Line(item.title, item.status, before, after, pairs, room.name if room else "",
                           room.capacity if room else None, room.venue_note if room else None,
                           when(item.deadline, tz) if item.deadline else None,
                           f"{base_url.rstrip('/')}/my/changes/{item.id}" if item.status == "asked" else None))
    return result


def tell_applied(session: Session, change: RoomChange, *, base_url: str = "") -> list[OutboxMessage]:
    """One message per address for the applied change, in each recipient's language."""
    base_url = base_url or current_app.config.get("ROOMBOOK_BASE_URL", "")
    messages = []
    for recipient in recipients(session, change):
        items = list(change.items) if recipient.whole else recipient.items
        # those who got the dates as invitations get their updates with this one message (iTIP)
        updates = invitations.change_updates(session, recipient.address, _booking_hits(session, items))
        with force_locale(recipient.language):
            subject = (_("Abwesenheit: Termine in %(place)s", place=change.accommodation.name)
                       if change.cause == "absence" else
                       _("Raumänderung in %(place)s: %(room)s geschlossen", place=change.accommodation.name,
                         room=change.room.name) if change.cause == "closure" else
                       _("Raumänderung in %(place)s: neue Öffnungszeiten für %(room)s",
                         place=change.accommodation.name, room=change.room.name))
            body = render_template("mail/room_change.txt", change=change, whole=recipient.whole,
                                   lines=lines(session, change, items, base_url), tz=change.accommodation.tz,
                                   when=when, updates=bool(updates))
        message = enqueue(session, recipient.address, subject, body, kind="change", calendars=updates)
        message.change_id = change.id
        messages.append(message)
    session.flush()
    return messages


def _booking_hits(session: Session, items: list[ChangeItem]) -> list[tuple[Booking, dt.datetime]]:
    """Each booking date the items hit, with its start before the change (for the invitations' updates)."""
    found = []
    for item in items:
        for hit in item.hits:
            booking = session.get(Booking, hit["booking"]) if "booking" in hit else None
            if booking is not None:
                found.append((booking, dt.datetime.fromisoformat(hit["start"])))
    return found


def tell_settled(session: Session, item: ChangeItem) -> OutboxMessage | None:
    """A volunteer who did not answer in time: the proposal stands, and they are told so."""
    owner = item.owner
    if owner is None or not owner.active:
        return None
    change = item.change
    with force_locale(language_of(owner)):
        subject = _("Raumänderung in %(place)s: der Vorschlag gilt", place=change.accommodation.name)
        body = render_template("mail/room_change_settled.txt", change=change,
                               line=lines(session, change, [item], "")[0])
    message = enqueue(session, owner.email, subject, body, kind="change")
    message.change_id = change.id
    session.flush()
    return message


def told(session: Session, change: RoomChange) -> list[dict]:
    """Who was told of the change, when, and whether it went out: for its page and the API."""
    result = []
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.change_id == change.id)
                           .order_by(OutboxMessage.recipient, OutboxMessage.id))
    by_recipient = defaultdict(list)
    for message in rows:
        by_recipient[message.recipient].append(message)
    for recipient, messages in by_recipient.items():
        last = messages[-1]
        if last.sent_at is not None:
            state = "sent"
        elif last.attempts == 0:
            state = "queued"
        elif last.last_error.startswith("unsendable"):
            state = "failed"
        else:
            state = "retrying"
        result.append({"recipient": recipient, "messages": len(messages), "state": state,
                       "sent_at": last.sent_at, "error": last.last_error})
    return result
