"""Deciding a room change: every series at once, in one transaction, or nothing.

A person (the accommodation's facility manager, the coordinator, an admin) takes, per series, the proposal,
another ranked option, a cancellation of the lost dates, or hands the choice to the volunteer whose series it
is. Before anything is written every chosen slot is checked again under the rooms' locks: a slot taken since
the proposal refuses the whole change, naming the stale series. A volunteer asked keeps the proposed slot held
until the earlier of three days or the first lost date; without an answer the proposal stands.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking.availability import clashes, opening_intervals
from roombook.booking.intervals import contains
from roombook.booking.occupancy import lock_rooms, release_booking
from roombook.booking.occurrences import (
    cancel_occurrence,
    move_booking,
    move_occurrence,
)
from roombook.booking.recurrence import DAYS
from roombook.changes import reassigning, telling
from roombook.changes.absences import ABSENCE
from roombook.changes.repair import SlotUnfit, free_slot, rooms_by_id
from roombook.i18n import N_
from roombook.models import Booking, ChangeItem, Occurrence, Room, RoomChange, User
from roombook.models.changes import ChangeStatus, ItemStatus
from roombook.models.offers import OccurrenceStatus
from roombook.models.people import Role
from roombook.models.reservations import BookingStatus
from roombook.notifications import confirming

ACCEPT, OPTION, CANCEL, ASK, FREE = "accept", "option", "cancel", "ask_volunteer", "free"
ACTIONS = (ACCEPT, OPTION, CANCEL, ASK, FREE)
# Why a freely chosen place cannot take a series, in the words the pages and the API show.
UNFIT = {"other_house": _l("Bitte einen Raum dieser Unterkunft wählen."),
         "too_small": _l("Der Raum hat zu wenige Plätze für die erwarteten Personen."),
         "features": _l("Dem Raum fehlt nötige Ausstattung."),
         "past": _l("Diese Zeit liegt schon in der Vergangenheit."),
         "all_past": _l("Alle Termine haben schon begonnen.")}
ANSWER_TIME = dt.timedelta(days=3)


class ChangeRefused(Exception):
    """A decision that cannot be applied: `status` 409 (stale or already decided) or 422 (not decidable)."""

    def __init__(self, status: int, message, items: list[int] | None = None, field: str = "decisions"):
        super().__init__(str(message))
        self.status, self.message, self.items, self.field = status, message, items or [], field


@dataclass
class Decided:
    item: ChangeItem
    action: str
    slot: dict | None = None


@dataclass
class Applied:
    change: RoomChange
    decided: list[Decided] = field(default_factory=list)


def _free(session: Session, change: RoomChange, item: ChangeItem, decision: dict, now: dt.datetime) -> dict:
    """The slot of a place and time chosen freely: {"room": id, "day": "mon"…, "start": "HH:MM"}."""
    room = session.get(Room, decision.get("room")) if isinstance(decision.get("room"), int) else None
    if room is None or room.accommodation_id != change.accommodation_id:  # another house's: as if missing
        raise ChangeRefused(422, UNFIT["other_house"], [item.id], field="room")
    day, start = decision.get("day"), decision.get("start")
    if day not in DAYS:
        raise ChangeRefused(422, _l("Bitte einen Wochentag wählen."), [item.id], field="day")
    try:
        at = dt.time.fromisoformat(start) if isinstance(start, str) and len(start) == 5 else None
    except ValueError:
        at = None
    if at is None or at.minute % 15:
        raise ChangeRefused(422, _l("Bitte eine Uhrzeit im Viertelstundentakt angeben (HH:MM)."), [item.id],
                            field="start")
    try:
        return free_slot(change, item, room, day, at, now)
    except SlotUnfit as exc:
        raise ChangeRefused(422, UNFIT[exc.reason], [item.id], field=exc.field) from None


def _slot(item: ChangeItem, action: str, option: int | None) -> dict | None:
    if action in (ACCEPT, ASK):
        return item.proposal
    if action == OPTION:
        if option is None or not 0 <= option < len(item.options):
            raise ChangeRefused(422, _l("Diese Möglichkeit gibt es nicht."), [item.id], field="option")
        return item.options[option]
    return None


def asks_a_volunteer(item: ChangeItem) -> bool:
    return item.kind in ("booking", "booking_series") and item.owner is not None \
        and item.owner.role == Role.VOLUNTEER


def plan_decisions(change: RoomChange, decisions: list[dict], free: dict[int, dict] | None = None) -> list[Decided]:
    """Each item with its action and slot; items not named take the proposal. `free` holds the slots chosen
    freely, by item. Raises ChangeRefused (422)."""
    free = free or {}
    items = {item.id: item for item in change.items}
    chosen: dict[int, tuple[str, int | None]] = {}
    for decision in decisions:
        item_id = decision.get("item")
        if item_id not in items:
            raise ChangeRefused(422, _l("Diese Änderung hat keinen solchen Punkt."), [item_id], field="item")
        action = decision.get("action", ACCEPT)
        if action not in ACTIONS:
            raise ChangeRefused(422, _l("Unbekannte Entscheidung."), [item_id], field="action")
        chosen[item_id] = (action, decision.get("option"))
    planned, missing = [], []
    for item in change.items:
        action, option = chosen.get(item.id, (ACCEPT, None))
        if action == ASK and not asks_a_volunteer(item):
            raise ChangeRefused(422, _l("Nur die Reihe einer oder eines Ehrenamtlichen lässt sich ihr oder ihm "
                                        "überlassen."), [item.id], field="action")
        slot = free[item.id] if action == FREE else _slot(item, action, option)
        if action in (ACCEPT, ASK) and slot is None:
            missing.append(item.id)
            continue
        planned.append(Decided(item, action, slot))
    if missing:
        raise ChangeRefused(422, _l("Für diese Reihen gibt es keinen Vorschlag: bitte absagen oder eine andere "
                                    "Möglichkeit wählen."), missing)
    return planned


def _moved_hits(item: ChangeItem, slot: dict) -> list[tuple[dict, tuple[dt.datetime, dt.datetime]]]:
    """Each lost date the slot moves, with its new time. A slot names starts for the dates not yet begun
    when it was proposed: the last of the (time-ordered) hits; the earlier ones stay lost."""
    hits = item.hits[len(item.hits) - len(slot["starts"]):]
    moved = []
    for hit, start in zip(hits, slot["starts"]):
        length = dt.datetime.fromisoformat(hit["end"]) - dt.datetime.fromisoformat(hit["start"])
        begins = dt.datetime.fromisoformat(start)
        moved.append((hit, (begins, begins + length)))
    return moved


def _stale(session: Session, planned: list[Decided], rooms, now: dt.datetime) -> list[int]:
    """The items whose chosen slot is no longer free, collides with another item's, is closed or has begun.
    What the change itself took out of the room holds no time any more, so it is not in the way."""
    stale, taken = [], []
    for decided in planned:
        if decided.slot is None:
            continue
        room = rooms[decided.slot["room_id"]]
        for _hit, (start, end) in _moved_hits(decided.item, decided.slot):
            collides = any(r == room.id and start < e and s < end for r, s, e in taken)
            if start < now or collides or clashes(session, room, start, end) \
                    or not contains(opening_intervals(room, start - dt.timedelta(days=1),
                                                      end + dt.timedelta(days=1)), start, end):
                stale.append(decided.item.id)
                break
            taken.append((room.id, start, end))
    return stale


def apply_change(session: Session, actor: User, change: RoomChange, decisions: list[dict], *,
                 base_url: str = "", now: dt.datetime | None = None) -> Applied:
    """Apply every series' decision in one go; refuse the whole change if any cannot be applied."""
    now = now or clock.now()
    if change.status != ChangeStatus.PROPOSED:
        raise ChangeRefused(409, _l("Diese Raumänderung ist schon entschieden."))
    if change.cause == ABSENCE:
        return _apply_absence(session, actor, change, decisions, base_url=base_url, now=now)
    items = {item.id: item for item in change.items}
    free = {d["item"]: _free(session, change, items[d["item"]], d, now)
            for d in decisions if d.get("action") == FREE and d.get("item") in items}
    planned = plan_decisions(change, decisions, free)
    target_ids = {d.slot["room_id"] for d in planned if d.slot is not None}
    lock_rooms(session, target_ids | {change.room_id})
    rooms = rooms_by_id(session, target_ids)
    stale = _stale(session, planned, rooms, now)
    if stale:
        raise ChangeRefused(409, _l("Inzwischen belegt oder vorbei: bitte für diese Reihen neu wählen."), stale)
    for decided in planned:
        _apply_item(session, decided, rooms, change, now)
        audit.record(session, actor, "change.item_decided", decided.item, change=change.id,
                     accommodation=change.accommodation.key, decision=decided.action,
                     room=decided.slot["room"] if decided.slot else None, status=decided.item.status)
    return _applied(session, actor, change, planned, base_url=base_url, now=now)


def _apply_absence(session: Session, actor: User, change: RoomChange, decisions: list[dict], *, base_url: str,
                   now: dt.datetime) -> Applied:
    """An absence's dates stay where they are (another volunteer of the group takes them over) or are
    cancelled: nothing moves, so no slot needs checking, and a volunteer is not asked about their own."""
    for decision in decisions:
        if decision.get("action", ACCEPT) not in (ACCEPT, CANCEL):
            raise ChangeRefused(422, _l("Bei einer Abwesenheit finden die Termine statt oder fallen aus."),
                                [decision.get("item")], field="action")
    named = {decision.get("item") for decision in decisions}
    # what has no proposal (no one to take over, the volunteer's own booking) is cancelled unless named
    planned = plan_decisions(change, [*decisions, *({"item": item.id, "action": CANCEL} for item in change.items
                                                    if item.id not in named and item.proposal is None)])
    lock_rooms(session, {change.room_id})
    reason = N_("Fällt aus (Abwesenheit)")
    for decided in planned:
        item = decided.item
        if decided.action == CANCEL:
            for hit in item.hits:
                occurrence = session.get(Occurrence, hit["occurrence"]) if "occurrence" in hit else None
                if occurrence is not None and occurrence.status != OccurrenceStatus.CANCELLED \
                        and occurrence.starts_at >= now:
                    cancel_occurrence(session, occurrence, reason)
                booking = session.get(Booking, hit["booking"]) if "booking" in hit else None
                if booking is not None and booking.status == BookingStatus.ACTIVE and booking.starts_at >= now:
                    release_booking(session, booking)
                    booking.status, booking.sequence = BookingStatus.CANCELLED, booking.sequence + 1
                    booking.status_reason = reason
            item.status = ItemStatus.CANCELLED
        else:
            item.status = ItemStatus.TAKEN_OVER
        session.flush()
        audit.record(session, actor, "change.item_decided", item, change=change.id,
                     accommodation=change.accommodation.key, decision=decided.action, room=None, status=item.status)
    return _applied(session, actor, change, planned, base_url=base_url, now=now)


def _applied(session: Session, actor: User, change: RoomChange, planned: list[Decided], *, base_url: str,
             now: dt.datetime) -> Applied:
    """Close the change as applied once its items are, and tell everyone it touches."""
    change.status = ChangeStatus.APPLIED
    change.decided_by_id, change.decided_at = actor.id, now
    session.flush()
    audit.record(session, actor, "change.applied", change, accommodation=change.accommodation.key,
                 items=len(planned))
    telling.tell_applied(session, change, base_url=base_url)
    return Applied(change, planned)


def _reason(change: RoomChange) -> str:
    room = change.room
    if change.open_ended:
        return f"Raumänderung: {room.name} bis auf Weiteres geschlossen ({change.reason})"
    return f"Raumänderung: {room.name} geschlossen ({change.reason})"


def _apply_item(session: Session, decided: Decided, rooms, change: RoomChange, now: dt.datetime) -> None:
    item = decided.item
    if decided.action == CANCEL:
        for hit in item.hits:
            if "booking" in hit:
                booking = session.get(Booking, hit["booking"])
                if booking is not None and booking.status == BookingStatus.DISPLACED:
                    booking.status, booking.sequence = BookingStatus.CANCELLED, booking.sequence + 1
                    booking.status_reason = _reason(change)[:300]
        if change.open_ended and item.kind == "offer":
            reassigning.end_offer_for_good(session, item)
        item.status = ItemStatus.CANCELLED
        session.flush()
        return
    room = rooms[decided.slot["room_id"]]
    made = []
    moved = _moved_hits(item, decided.slot)
    if change.open_ended and item.kind == "offer":
        reassigning.move_offer_for_good(session, item, room, moved, _reason(change))
        moved = []
    for hit, (start, end) in moved:
        if "occurrence" in hit:
            move_occurrence(session, session.get(Occurrence, hit["occurrence"]), room, start, end, _reason(change))
        else:
            booking = session.get(Booking, hit["booking"])
            move_booking(session, booking, room, start, end)
            made.append(booking.id)
    if change.open_ended and item.kind == "booking_series":
        reassigning.move_booking_series_for_good(session, item, room)
    item.chosen, item.made = decided.slot, made
    if decided.action == ASK:
        first = min(start for _hit, (start, _end) in _moved_hits(item, decided.slot))
        item.status, item.deadline = ItemStatus.ASKED, min(now + ANSWER_TIME, first)
    else:
        item.status = ItemStatus.MOVED
    session.flush()


def discard_change(session: Session, actor: User, change: RoomChange, *, now: dt.datetime | None = None) -> None:
    """Leave the lost dates lost (the closure stays): the change is closed without moving anything."""
    if change.status != ChangeStatus.PROPOSED:
        raise ChangeRefused(409, _l("Diese Raumänderung ist schon entschieden."))
    if change.cause == ABSENCE:  # nothing was taken out: the dates simply stay, and no one is told
        change.status, change.decided_by_id, change.decided_at = ChangeStatus.DISCARDED, actor.id, now or clock.now()
        session.flush()
        audit.record(session, actor, "change.discarded", change, accommodation=change.accommodation.key)
        return
    apply_change(session, actor, change, [{"item": item.id, "action": CANCEL} for item in change.items], now=now)
    change.status = ChangeStatus.DISCARDED
    session.flush()


# --- the volunteer's answer ------------------------------------------------------------------------------

GIVE_UP = "give_up"


def open_questions(session: Session, user: User) -> list[ChangeItem]:
    """The series a volunteer is asked about and has not answered, soonest deadline first."""
    return list(session.scalars(sa.select(ChangeItem).where(ChangeItem.owner_id == user.id,
                                                            ChangeItem.status == ItemStatus.ASKED)
                                .order_by(ChangeItem.deadline, ChangeItem.id)))


def answer(session: Session, user: User, item: ChangeItem, choice: str, option: int | None = None,
           *, now: dt.datetime | None = None) -> None:
    """The volunteer takes the held slot, another option, or gives the dates up."""
    now = now or clock.now()
    if item.owner_id != user.id:
        raise ChangeRefused(404, _l("Nicht gefunden."))
    if item.status != ItemStatus.ASKED or (item.deadline is not None and item.deadline <= now):
        raise ChangeRefused(409, _l("Diese Frage ist schon beantwortet oder abgelaufen."))
    held = [session.get(Booking, booking_id) for booking_id in item.made]
    lock_rooms(session, {b.room_id for b in held} | ({item.options[option]["room_id"]}
                                                      if choice == OPTION and option is not None
                                                      and 0 <= option < len(item.options) else set()))
    if choice == ACCEPT:
        item.status = ItemStatus.MOVED
    elif choice == GIVE_UP:
        for booking in held:
            release_booking(session, booking)
            booking.status, booking.sequence = BookingStatus.CANCELLED, booking.sequence + 1
            booking.status_reason = "Nach der Raumänderung abgegeben"
        item.status = ItemStatus.CANCELLED
    elif choice == OPTION:
        slot = _slot(item, OPTION, option)
        rooms = rooms_by_id(session, [slot["room_id"]])
        room = rooms[slot["room_id"]]
        for booking in held:
            release_booking(session, booking)
        session.flush()
        if _stale(session, [Decided(item, OPTION, slot)], rooms, now):
            raise ChangeRefused(409, _l("Diese Möglichkeit ist inzwischen belegt; bitte eine andere wählen."),
                                [item.id], field="option")
        for booking, (_hit, (start, end)) in zip(held, _moved_hits(item, slot)):
            move_booking(session, booking, room, start, end)
        if item.change.open_ended and item.kind == "booking_series":
            reassigning.move_booking_series_for_good(session, item, room)
        item.chosen = slot
        item.status = ItemStatus.MOVED
    else:
        raise ChangeRefused(422, _l("Unbekannte Antwort."), [item.id], field="answer")
    item.answer, item.answered_at = choice, now
    session.flush()
    audit.record(session, user, "change.answered", item, change=item.change_id, answer=choice)
    if choice != ACCEPT:  # the dates moved again or were given up: the invitations they hold follow
        starts = {hit["booking"]: dt.datetime.fromisoformat(hit["start"]) for hit in item.hits if "booking" in hit}
        confirming.confirm_answer(session, user, [(b, starts[b.id]) for b in held if b.id in starts])


def settle_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    """Unanswered questions past their deadline: the proposal stands, and the volunteer is told."""
    now = now or clock.now()
    due = list(session.scalars(sa.select(ChangeItem).where(ChangeItem.status == ItemStatus.ASKED,
                                                           ChangeItem.deadline <= now)))
    for item in due:
        item.status, item.answer, item.answered_at = ItemStatus.MOVED, "timeout", now
        audit.record(session, None, "change.answered", item, change=item.change_id, answer="timeout")
        telling.tell_settled(session, item)
    session.flush()
    return len(due)
