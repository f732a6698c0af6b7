"""Deciding conflicts: the inbox of open conflicts with the facts, and the one function that resolves one.

A decision is one of three: take one of the ranked alternatives (the booking is booked anew there
for the same person, or the occurrence moves there), cancel with a reason, or override priority
with a reason (the displaced thing gets its slot back and whatever stands in its way is displaced
in turn, which opens conflicts of its own: nothing changes silently). Each decision records who,
when and why, lands in the audit trail, and tells the people affected.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from roombook import clock
from roombook.access import audit
from roombook.booking.availability import clashes
from roombook.booking.errors import BookingError
from roombook.booking.occupancy import occupy_for_occurrence
from roombook.booking.occurrences import (
    cancel_occurrence,
    displacing,
    move_occurrence,
    reinstate_booking,
)
from roombook.booking.service import book_room
from roombook.conflicts.opening import open_conflict
from roombook.models import (
    Accommodation,
    AuditEvent,
    Booking,
    Conflict,
    Occupancy,
    Occurrence,
    Room,
    User,
)
from roombook.models.offers import OccurrenceStatus
from roombook.models.reservations import BookingStatus
from roombook.notifications import outbox

ACCEPT, CANCEL, OVERRIDE = "accept", "cancel", "override"
RESOLUTIONS = {ACCEPT: "alternative", CANCEL: "cancelled", OVERRIDE: "override"}
# How a decided conflict was closed, as the pages name it ("superseded": a published plan removed its week).
RESOLUTION_LABELS = {"alternative": _l("Alternative gewählt"), "cancelled": _l("Abgesagt"),
                     "override": _l("Vorrang gegeben"), "superseded": _l("Durch einen neuen Plan erledigt"),
                     "in_change": _l("Teil der Raumänderung")}
# How a conflict is closed when its date joins the undecided room change that caused it (changes.recording).
IN_CHANGE = "in_change"
KIND_LABELS = {"displaced_booking": _l("Verdrängte Buchung"), "closure_hit": _l("Ausfall durch Schließung"),
               "slot_lost": _l("Fester Termin ohne Platz"), "requirement_unmet": _l("Anforderung nicht erfüllt")}


class DecisionRefused(Exception):
    """A decision that cannot be carried out; `field` names the form input at fault. The message is lazy:
    it is read in the language of the page (or API answer) that shows it."""

    def __init__(self, message: str | LazyString, field: str = "action"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Alternative:
    index: int
    room: Room
    start: dt.datetime
    end: dt.datetime
    free: bool


@dataclass
class ConflictFacts:
    """What a manager needs to decide: the conflict, what clashes, who is affected, the alternatives."""

    conflict: Conflict
    room: Room | None
    booking: Booking | None
    occurrence: Occurrence | None
    affected: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def can_accept(self) -> bool:
        return bool(self.alternatives) and (self.booking is not None or self.occurrence is not None)

    @property
    def can_override(self) -> bool:
        return self.booking is not None or self.occurrence is not None or \
            self.conflict.kind == "requirement_unmet"


@dataclass
class Decision:
    conflict: Conflict
    new_booking: Booking | None = None
    moved: Occurrence | None = None
    opened: list[Conflict] = field(default_factory=list)


def open_conflicts(session: Session, accommodations: list[Accommodation]) -> list[Conflict]:
    """The open conflicts of these accommodations, oldest first."""
    ids = [a.id for a in accommodations]
    return list(session.scalars(sa.select(Conflict).options(selectinload(Conflict.accommodation))
                                .where(Conflict.status == "open", Conflict.accommodation_id.in_(ids))
                                .order_by(Conflict.created_at, Conflict.id)))


def decided_conflicts(session: Session, accommodations: list[Accommodation], *, limit: int = 100) -> list[Conflict]:
    """The latest decisions in these accommodations, newest first."""
    ids = [a.id for a in accommodations]
    return list(session.scalars(sa.select(Conflict).where(Conflict.status == "resolved",
                                                          Conflict.accommodation_id.in_(ids))
                                .order_by(Conflict.resolved_at.desc(), Conflict.id.desc()).limit(limit)))


def audit_trail(session: Session, accommodations: list[Accommodation], *, limit: int = 200) -> list[AuditEvent]:
    """Audit events about these accommodations' rooms, closures, bookings and conflicts, newest first."""
    keys = {a.key for a in accommodations}
    room_keys = set(session.scalars(sa.select(Room.key).where(
        Room.accommodation_id.in_([a.id for a in accommodations]))))
    booking_ids = {str(i) for i in session.scalars(sa.select(Booking.id).join(Booking.room)
                                                   .where(Room.key.in_(room_keys)))}
    events = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                             .limit(limit * 10)).all()
    mine = []
    for event in events:
        details = event.details or {}
        if details.get("accommodation") in keys or details.get("room") in room_keys or \
                (event.object_type == "booking" and event.object_id in booking_ids) or \
                any(k in keys for k in details.get("scope") or []):
            mine.append(event)
        if len(mine) >= limit:
            break
    return mine


def _parse(alt: dict) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.fromisoformat(alt["start"]), dt.datetime.fromisoformat(alt["end"])


def facts(session: Session, conflict: Conflict, *, now: dt.datetime | None = None) -> ConflictFacts:
    """The facts of one conflict; each stored alternative is checked again for being free now."""
    now = now or clock.now()
    room = session.get(Room, conflict.room_id) if conflict.room_id else None
    booking = session.get(Booking, conflict.booking_id) if conflict.booking_id else None
    occurrence = session.get(Occurrence, conflict.occurrence_id) if conflict.occurrence_id else None
    result = ConflictFacts(conflict, room, booking, occurrence)
    if booking is not None and booking.user is not None:
        result.affected.append(f"{booking.user.display_name or booking.user.email} ({booking.user.email}): "
                               f"„{booking.title}“")
    if occurrence is not None:
        offer = occurrence.offer_session.offer
        result.affected.append(f"„{offer.title}“: " + ", ".join(p.name for p in offer.providers))
    rooms = {r.key: r for r in session.scalars(sa.select(Room).where(
        Room.key.in_([a["room"] for a in conflict.alternatives])))}
    ignore = booking.id if booking is not None else None
    for index, alt in enumerate(conflict.alternatives):
        alt_room = rooms.get(alt["room"])
        if alt_room is None:
            continue
        start, end = _parse(alt)
        free = start >= now and not clashes(session, alt_room, start, end, ignore_booking=ignore)
        result.alternatives.append(Alternative(index, alt_room, start, end, free))
    return result


def resolve_conflict(session: Session, actor: User, conflict: Conflict, action: str, *, note: str = "",
                     alternative: int | None = None, base_url: str = "",
                     now: dt.datetime | None = None, tell_owner: bool = True) -> Decision:
    """Decide an open conflict: take an alternative, cancel with a reason, or override with a reason.
    Without `tell_owner` the booking's owner is not told here: a decision for a whole series tells once."""
    now = now or clock.now()
    note = (note or "").strip()
    if conflict.status != "open":
        raise DecisionRefused(_l("Dieser Konflikt ist schon entschieden."))
    if action not in RESOLUTIONS:
        raise DecisionRefused(_l("Unbekannte Entscheidung."))
    if action in (CANCEL, OVERRIDE) and not note:
        raise DecisionRefused(_l("Bitte eine Begründung angeben."), field="note")
    if len(note) > 1000:
        raise DecisionRefused(_l("Die Begründung ist zu lang (höchstens 1000 Zeichen)."), field="note")
    the_facts = facts(session, conflict, now=now)
    decision = Decision(conflict)
    with outbox.collecting_conflicts(session) as opened:
        if action == ACCEPT:
            _accept(session, actor, the_facts, alternative, decision, now)
        elif action == CANCEL:
            _cancel(the_facts, note)
        else:
            _override(session, actor, the_facts, note, now=now)
    decision.opened = [c for c in opened if c is not conflict]
    conflict.status = "resolved"
    conflict.resolution = RESOLUTIONS[action]
    conflict.resolution_note = note
    conflict.resolved_by_id = actor.id
    conflict.resolved_at = now
    session.flush()
    audit.record(session, actor, "conflict.resolved", conflict, accommodation=conflict.accommodation.key,
                 kind=conflict.kind, resolution=conflict.resolution, note=note,
                 new_booking=decision.new_booking.id if decision.new_booking else None,
                 moved_occurrence=decision.moved.id if decision.moved else None,
                 opened=[c.id for c in decision.opened])
    if tell_owner and the_facts.booking is not None and conflict.kind == "displaced_booking":
        outbox.notify_decision(session, conflict, the_facts.booking, decision.new_booking)
    if decision.opened:
        outbox.notify_new_conflicts(session, decision.opened, base_url, why=_l("Eine Entscheidung"))
    return decision


def _accept(session: Session, actor: User, the_facts: ConflictFacts, index: int | None, decision: Decision,
            now: dt.datetime) -> None:
    chosen = next((a for a in the_facts.alternatives if a.index == index), None)
    if chosen is None:
        raise DecisionRefused(_l("Bitte eine der angebotenen Alternativen wählen."), field="alternative")
    if not chosen.free:
        raise DecisionRefused(_l("Diese Alternative ist inzwischen belegt oder vorbei; bitte eine andere wählen."),
                              field="alternative")
    booking, occurrence = the_facts.booking, the_facts.occurrence
    if booking is not None and the_facts.conflict.kind == "displaced_booking":
        if booking.active:
            raise DecisionRefused(_l("Die Buchung ist wieder aktiv; nichts zu verlegen."))
        try:
            # booked for the same person, under the room's rules for them; the old row stays as history
            decision.new_booking = book_room(session, booking.user, chosen.room, chosen.start, chosen.end,
                                             booking.title, displaceable=booking.displaceable, now=now)
        except BookingError as exc:
            raise DecisionRefused(exc.message, field="alternative") from exc
        booking.status_reason = (f"{booking.status_reason} → verlegt auf "
                                 f"{chosen.start.astimezone(chosen.room.tz):%d.%m.%Y %H:%M}")[:300]
        return
    if occurrence is not None:
        move_occurrence(session, occurrence, chosen.room, chosen.start, chosen.end,
                        f"verlegt: {the_facts.conflict.summary}")
        decision.moved = occurrence
        return
    raise DecisionRefused(_l("Für diesen Konflikt gibt es nichts zu verlegen."))


def _cancel(the_facts: ConflictFacts, note: str) -> None:
    booking = the_facts.booking
    if booking is not None and the_facts.conflict.kind == "displaced_booking" and not booking.active:
        booking.status = BookingStatus.CANCELLED
        booking.status_reason = note[:300]
        booking.sequence += 1
    occurrence = the_facts.occurrence
    if occurrence is not None and occurrence.status == OccurrenceStatus.CANCELLED:
        occurrence.reason = note[:300]
        occurrence.sequence += 1


def _clear_the_way(session: Session, room: Room, start: dt.datetime, end: dt.datetime, note: str,
                   *, displace: Callable[[Booking, str], None], ignore_booking: int | None = None,
                   ignore_occurrence: int | None = None) -> None:
    """Make room for an override: refuse at a closure, displace bookings, cancel occurrences (with conflicts)."""
    found = clashes(session, room, start, end, ignore_booking=ignore_booking)
    closure = next((c for c in found if c.kind == "closure"), None)
    if closure is not None:
        raise DecisionRefused(_l("%(room)s ist dann geschlossen (%(closure)s); eine Schließung lässt sich nicht "
                                 "übergehen. Bitte eine Alternative wählen oder absagen.",
                                 room=room.name, closure=closure.title))
    rows = session.scalars(sa.select(Occupancy).where(Occupancy.room_id == room.id, Occupancy.starts_at < end,
                                                      Occupancy.ends_at > start)).all()
    for row in rows:
        if row.booking_id is not None and row.booking_id != ignore_booking:
            displace(session.get(Booking, row.booking_id), f"Vorrang entschieden: {note}")
        elif row.occurrence_id is not None and row.occurrence_id != ignore_occurrence:
            other = session.get(Occurrence, row.occurrence_id)
            cancel_occurrence(session, other, f"Vorrang entschieden: {note}")
            open_conflict(session, "slot_lost", room, f"„{other.offer_session.offer.title}“ am "
                          f"{other.starts_at.astimezone(room.tz):%d.%m.%Y %H:%M} fällt aus: Vorrang für "
                          f"eine andere Nutzung ({note}).", occurrence=other)
    session.flush()


def _override(session: Session, actor: User, the_facts: ConflictFacts, note: str,
              *, now: dt.datetime | None = None) -> None:
    # what is displaced is offered alternatives only once the overriding booking or occurrence holds the room
    booking, occurrence = the_facts.booking, the_facts.occurrence
    if the_facts.conflict.kind == "displaced_booking" and booking is not None:
        if booking.active:
            return
        with displacing(session, actor, now=now) as displace:
            _clear_the_way(session, booking.room, booking.starts_at, booking.ends_at, note, displace=displace,
                           ignore_booking=booking.id)
            reinstate_booking(session, booking)
        audit.record(session, actor, "booking.reinstated", booking, room=booking.room.key, note=note)
        return
    if occurrence is not None and occurrence.status == OccurrenceStatus.CANCELLED:
        with displacing(session, actor, now=now) as displace:
            _clear_the_way(session, occurrence.room, occurrence.starts_at, occurrence.ends_at, note,
                           displace=displace, ignore_occurrence=occurrence.id)
            occurrence.status = OccurrenceStatus.SCHEDULED
            occurrence.reason = f"Vorrang entschieden: {note}"[:300]
            occurrence.sequence += 1
            session.flush()
            occupy_for_occurrence(session, occurrence)
            session.flush()
    # a requirement the plan cannot meet: the override is the recorded, reasoned exception
